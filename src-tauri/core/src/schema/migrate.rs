//! The migration planner: which objects to drop, create or alter, and in which order.
//!
//! Every object and sub-object (column, default, constraint, …) is a node. For each node
//! present on both sides an *alter* is computed: nothing, a list of statements, or "recreate"
//! (drop and create). The set of nodes to drop is then closed over FROM's dependency graph:
//! whatever depends on a dropped node is dropped too (and recreated if TO has it), unless
//! its own alter already removes the dependency (a column changing away from a dropped type,
//! a sequence changing owner). Dependents of a column whose type changes (views, triggers,
//! policies, its default) are dropped and recreated around the `ALTER COLUMN … TYPE`.
//! A drop that PostgreSQL performs by itself (a column with its table, an index with its
//! column, an owned sequence with its column) is *absorbed*: no statement of its own.
//!
//! Statements are then ordered topologically: drops after the drops of what depends on them
//! (FROM's graph), creates and alters after those of what they need (TO's graph), a drop of a
//! name before the create that reuses it; ties are broken by a fixed phase order (drops,
//! renames, creates by kind, final drops), so output is deterministic and reads naturally.
//! An enum whose values cannot be reached with `ADD VALUE` is renamed, recreated, its columns
//! converted through text, and the old type dropped last.
use super::ddl::{self, qi};
use super::diff::{Hazard, HazardKind, MigrationStatement};
use super::model::*;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub sql: String,
    pub hazards: Vec<Hazard>,
}

fn stmt(sql: impl Into<String>) -> Stmt {
    Stmt {
        sql: sql.into(),
        hazards: Vec::new(),
    }
}

fn stmts(v: Vec<String>) -> Vec<Stmt> {
    v.into_iter().map(stmt).collect()
}

fn hazard(kind: HazardKind, message: impl Into<String>) -> Hazard {
    Hazard {
        kind,
        message: message.into(),
    }
}

impl Stmt {
    fn with(mut self, h: Hazard) -> Stmt {
        self.hazards.push(h);
        self
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Alter {
    Same,
    Stmts(Vec<Stmt>),
    Recreate,
}

impl Alter {
    fn from_stmts(v: Vec<Stmt>) -> Alter {
        if v.is_empty() {
            Alter::Same
        } else {
            Alter::Stmts(v)
        }
    }
    pub fn is_same(&self) -> bool {
        matches!(self, Alter::Same)
    }
}

/// What the planner found for each node present on both sides.
pub(crate) struct Plan {
    pub statements: Vec<MigrationStatement>,
    pub alters: HashMap<ObjRef, Alter>,
}

fn rows_note(t: &Table) -> String {
    if t.estimated_rows >= 0.0 {
        format!(" (about {} rows)", t.estimated_rows.round() as i64)
    } else {
        String::new()
    }
}

// ---- type-change classification ------------------------------------------------------------

fn split_type(t: &str) -> (String, Vec<i64>, bool) {
    let array = t.ends_with("[]");
    let t = t.trim_end_matches("[]");
    let Some(open) = t.find('(') else {
        return (t.to_string(), Vec::new(), array);
    };
    let close = t[open..].find(')').map(|c| open + c).unwrap_or(t.len());
    let mods = t[open + 1..close]
        .split(',')
        .filter_map(|m| m.trim().parse().ok())
        .collect();
    let base = format!("{}{}", &t[..open], t.get(close + 1..).unwrap_or(""));
    (base.trim().to_string(), mods, array)
}

fn int_width(base: &str) -> Option<u8> {
    match base {
        "smallint" => Some(2),
        "integer" => Some(4),
        "bigint" => Some(8),
        _ => None,
    }
}

fn float_width(base: &str) -> Option<u8> {
    match base {
        "real" => Some(4),
        "double precision" => Some(8),
        _ => None,
    }
}

/// Hazards of `ALTER COLUMN … TYPE`: no rewrite when binary coercible, data loss when
/// narrowing, a possible failure when converting between unrelated types.
fn type_change_hazards(table: &Table, col: &str, from: &str, to: &str) -> Vec<Hazard> {
    let (fb, fm, fa) = split_type(from);
    let (tb, tm, ta) = split_type(to);
    let what = format!("{}.{}", table.name.sql(), qi(col));
    let rewrite = || {
        vec![
            hazard(
                HazardKind::TableRewrite,
                format!(
                    "changing {what} from {from} to {to} rewrites the table{}",
                    rows_note(table)
                ),
            ),
            hazard(
                HazardKind::LongLock,
                format!(
                    "ACCESS EXCLUSIVE lock on {} for the whole rewrite",
                    table.name.sql()
                ),
            ),
        ]
    };
    let narrowing = |detail: &str| {
        let mut v = vec![hazard(
            HazardKind::DataLoss,
            format!("narrowing {what} from {from} to {to} {detail}"),
        )];
        v.extend(rewrite());
        v
    };
    if fa != ta {
        let mut v = vec![hazard(
            HazardKind::MayFail,
            format!("converting {what} from {from} to {to} fails for values without a cast"),
        )];
        v.extend(rewrite());
        return v;
    }
    let varlen = |b: &str| matches!(b, "character varying" | "text" | "character");
    if varlen(&fb) && varlen(&tb) {
        let flen = if fb == "text" || (fb == "character varying" && fm.is_empty()) {
            None
        } else {
            fm.first().copied().or(Some(1))
        };
        let tlen = if tb == "text" || (tb == "character varying" && tm.is_empty()) {
            None
        } else {
            tm.first().copied().or(Some(1))
        };
        let shorter = match (flen, tlen) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(f), Some(t)) => t < f,
        };
        if shorter {
            return narrowing("truncates longer values");
        }
        // varchar(n) → varchar(m ≥ n), varchar → text and back: no rewrite.
        if fb != "character" && tb != "character" {
            return Vec::new();
        }
        return rewrite();
    }
    if fb == "numeric" && tb == "numeric" {
        if tm.is_empty() {
            return Vec::new();
        }
        if fm.is_empty() {
            return narrowing("may round values or reject large ones");
        }
        let (fp, fs) = (fm[0], fm.get(1).copied().unwrap_or(0));
        let (tp, ts) = (tm[0], tm.get(1).copied().unwrap_or(0));
        if ts < fs || tp - ts < fp - fs {
            return narrowing("may round values or reject large ones");
        }
        if ts == fs {
            return Vec::new();
        }
        return rewrite();
    }
    if let (Some(f), Some(t)) = (int_width(&fb), int_width(&tb)) {
        if t < f {
            return narrowing("rejects values out of range");
        }
        return rewrite();
    }
    if let (Some(f), Some(t)) = (float_width(&fb), float_width(&tb)) {
        if t < f {
            return narrowing("loses precision");
        }
        return rewrite();
    }
    if fb == tb {
        // Same type, different modifier (timestamp precision, bit length, …).
        if let (Some(f), Some(t)) = (fm.first(), tm.first()) {
            if t < f {
                return narrowing("loses precision or rejects values");
            }
        }
        return rewrite();
    }
    let mut v = vec![hazard(
        HazardKind::MayFail,
        format!("converting {what} from {from} to {to} fails if a value does not convert"),
    )];
    v.extend(rewrite());
    v
}

// ---- the planner ---------------------------------------------------------------------------

type ActionId = usize;

struct Action {
    stmts: Vec<Stmt>,
    phase: u16,
}

struct Planner<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    alters: HashMap<ObjRef, Alter>,
    /// FROM: node → nodes depending on it.
    from_dependents: HashMap<ObjRef, Vec<(ObjRef, DepKind)>>,
    /// FROM: node → what it depends on.
    from_deps: HashMap<ObjRef, Vec<(ObjRef, DepKind)>>,
    /// TO: node → what it depends on.
    to_deps: HashMap<ObjRef, Vec<ObjRef>>,
    drop_set: BTreeSet<ObjRef>,
    /// Columns whose type changes (or must be converted, for a recreated enum).
    retyped: BTreeSet<ObjRef>,
    /// Enums recreated through a rename.
    renamed_enums: BTreeSet<QualName>,
    /// Nodes kept although something they depend on is dropped: their alter removes the
    /// dependency, so it must run before that drop.
    detaching: BTreeSet<ObjRef>,
    /// Inherited columns kept by a child that leaves the parent (NO INHERIT / DETACH): the
    /// child table's alter runs before the parent's column goes.
    detached_by_table: BTreeSet<(ObjRef, ObjRef)>,
    actions: Vec<Action>,
}

impl<'a> Planner<'a> {
    fn new(from: &'a Catalog, to: &'a Catalog) -> Self {
        let mut p = Planner {
            from,
            to,
            alters: HashMap::new(),
            from_dependents: HashMap::new(),
            from_deps: HashMap::new(),
            to_deps: HashMap::new(),
            drop_set: BTreeSet::new(),
            retyped: BTreeSet::new(),
            renamed_enums: BTreeSet::new(),
            detaching: BTreeSet::new(),
            detached_by_table: BTreeSet::new(),
            actions: Vec::new(),
        };
        for d in &from.dependencies {
            p.from_dependents
                .entry(d.referenced.clone())
                .or_default()
                .push((d.dependent.clone(), d.kind));
            p.from_deps
                .entry(d.dependent.clone())
                .or_default()
                .push((d.referenced.clone(), d.kind));
        }
        // Columns go with their table (pg_depend has no row for that).
        for (q, t) in &from.tables {
            for c in &t.columns {
                let (tab, col) = (
                    ObjRef::Table(q.clone()),
                    ObjRef::Column(q.clone(), c.name.clone()),
                );
                p.from_dependents
                    .entry(tab.clone())
                    .or_default()
                    .push((col.clone(), DepKind::Auto));
                p.from_deps
                    .entry(col)
                    .or_default()
                    .push((tab, DepKind::Auto));
            }
        }
        // A sequence and its OWNED BY link go together.
        for s in from.sequences.keys() {
            let (seq, own) = (
                ObjRef::Sequence(s.clone()),
                ObjRef::SequenceOwner(s.clone()),
            );
            p.from_dependents
                .entry(seq.clone())
                .or_default()
                .push((own.clone(), DepKind::Auto));
            p.from_dependents
                .entry(own)
                .or_default()
                .push((seq, DepKind::Auto));
        }
        for d in &to.dependencies {
            p.to_deps
                .entry(d.dependent.clone())
                .or_default()
                .push(d.referenced.clone());
        }
        p
    }

    fn in_to_depends(&self, a: &ObjRef, b: &ObjRef) -> bool {
        self.to_deps.get(a).is_some_and(|v| v.contains(b))
    }

    /// Will `n` be created (new, or dropped and recreated)?
    fn creating(&self, n: &ObjRef) -> bool {
        self.to.has(n) && (!self.from.has(n) || self.drop_set.contains(n))
    }

    fn has_alter_stmts(&self, n: &ObjRef) -> bool {
        matches!(self.alters.get(n), Some(Alter::Stmts(_)))
    }

    // ---- alters ----------------------------------------------------------------------------

    fn compute_alters(&mut self) {
        let common: Vec<ObjRef> = self
            .from
            .nodes()
            .into_iter()
            .filter(|n| self.to.has(n))
            .collect();
        for n in common {
            let a = self.alter(&n);
            self.alters.insert(n, a);
        }
    }

    fn alter(&mut self, n: &ObjRef) -> Alter {
        let (f, t) = (self.from, self.to);
        match n {
            ObjRef::Schema(s) => {
                let (a, b) = (&f.schemas[s], &t.schemas[s]);
                let target = format!("SCHEMA {}", qi(s));
                let mut out = Vec::new();
                if a.comment != b.comment {
                    out.push(ddl::comment_on(&target, b.comment.as_deref()));
                }
                out.extend(ddl::acl_changes(
                    &target,
                    None,
                    &a.acl,
                    &b.acl,
                    &qi(&a.owner),
                ));
                Alter::from_stmts(stmts(out))
            }
            ObjRef::Extension(e) => {
                let (a, b) = (&f.extensions[e], &t.extensions[e]);
                let mut out = Vec::new();
                if a.schema != b.schema {
                    out.push(format!(
                        "ALTER EXTENSION {} SET SCHEMA {};",
                        qi(e),
                        qi(&b.schema)
                    ));
                }
                if a.version != b.version {
                    out.push(format!(
                        "ALTER EXTENSION {} UPDATE TO {};",
                        qi(e),
                        crate::ident::quote_literal(&b.version)
                    ));
                }
                if a.comment != b.comment {
                    out.push(ddl::comment_on(
                        &format!("EXTENSION {}", qi(e)),
                        b.comment.as_deref(),
                    ));
                }
                Alter::from_stmts(stmts(out))
            }
            ObjRef::Collation(c) => {
                let (a, b) = (&f.collations[c], &t.collations[c]);
                let same = Collation {
                    comment: None,
                    ..a.clone()
                } == Collation {
                    comment: None,
                    ..b.clone()
                };
                if !same {
                    return Alter::Recreate;
                }
                if a.comment != b.comment {
                    return Alter::Stmts(vec![stmt(ddl::comment_on(
                        &format!("COLLATION {}", c.sql()),
                        b.comment.as_deref(),
                    ))]);
                }
                Alter::Same
            }
            ObjRef::Type(q) => self.alter_type(&f.types[q], &t.types[q]),
            ObjRef::Sequence(q) => {
                let (a, b) = (&f.sequences[q], &t.sequences[q]);
                let mut out = Vec::new();
                let mut parts = ddl::sequence_option_changes(&a.options, &b.options, true);
                // A sequence nobody has read yet sits at its old start: move it into the new
                // range (PostgreSQL refuses a current value outside it).
                let outside = a.options.start < b.options.min || a.options.start > b.options.max;
                if !parts.is_empty() && a.never_used && outside {
                    parts.push("RESTART".into());
                }
                if !parts.is_empty() {
                    let mut s = stmt(format!("ALTER SEQUENCE {} {};", q.sql(), parts.join(" ")));
                    let (_, fmax) = (a.options.min, a.options.max);
                    if b.options.max < fmax || b.options.min > a.options.min {
                        s = s.with(hazard(
                            HazardKind::MayFail,
                            format!(
                                "narrowing the range of {} fails if its current value is outside the new range",
                                q.sql()
                            ),
                        ));
                    }
                    out.push(s);
                }
                if a.unlogged != b.unlogged {
                    out.push(stmt(format!(
                        "ALTER SEQUENCE {} SET {};",
                        q.sql(),
                        if b.unlogged { "UNLOGGED" } else { "LOGGED" }
                    )));
                }
                let target = format!("SEQUENCE {}", q.sql());
                if a.comment != b.comment {
                    out.push(stmt(ddl::comment_on(&target, b.comment.as_deref())));
                }
                out.extend(stmts(ddl::acl_changes(
                    &target,
                    None,
                    &a.acl,
                    &b.acl,
                    &qi(&a.owner),
                )));
                Alter::from_stmts(out)
            }
            ObjRef::SequenceOwner(q) => {
                let (a, b) = (&f.sequences[q], &t.sequences[q]);
                if a.owned_by != b.owned_by {
                    Alter::Stmts(vec![stmt(ddl::sequence_owner(b))])
                } else {
                    Alter::Same
                }
            }
            ObjRef::Table(q) => self.alter_table(&f.tables[q], &t.tables[q]),
            ObjRef::Column(q, c) => {
                let (ft, tt) = (&f.tables[q], &t.tables[q]);
                self.alter_column(ft, tt, ft.column(c).unwrap(), tt.column(c).unwrap())
            }
            ObjRef::Default(q, c) => {
                let a = f.tables[q].column(c).unwrap();
                let b = t.tables[q].column(c).unwrap();
                if a.default != b.default {
                    Alter::Stmts(vec![stmt(format!(
                        "ALTER TABLE ONLY {} ALTER COLUMN {} SET DEFAULT {};",
                        q.sql(),
                        qi(c),
                        b.default.as_deref().unwrap_or("NULL")
                    ))])
                } else {
                    Alter::Same
                }
            }
            ObjRef::Constraint(q, c) => {
                let (a, b) = (&f.tables[q].constraints[c], &t.tables[q].constraints[c]);
                let mut out = Vec::new();
                if a.definition != b.definition || a.kind != b.kind {
                    if !b.is_local && !a.is_local {
                        // Inherited: follows the parent's constraint.
                    } else if a.kind == b.kind
                        && a.definition.strip_suffix(" NOT VALID") == Some(b.definition.as_str())
                    {
                        out.push(
                            stmt(format!(
                                "ALTER TABLE {} VALIDATE CONSTRAINT {};",
                                q.sql(),
                                qi(c)
                            ))
                            .with(hazard(
                                HazardKind::LongLock,
                                format!(
                                    "validating {} scans {}{}",
                                    qi(c),
                                    q.sql(),
                                    rows_note(&t.tables[q])
                                ),
                            )),
                        );
                    } else {
                        return Alter::Recreate;
                    }
                }
                if a.clustered != b.clustered {
                    out.push(stmt(if b.clustered {
                        format!("ALTER TABLE {} CLUSTER ON {};", q.sql(), qi(c))
                    } else {
                        format!("ALTER TABLE {} SET WITHOUT CLUSTER;", q.sql())
                    }));
                }
                if b.replica_identity && !a.replica_identity {
                    out.push(stmt(format!(
                        "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
                        q.sql(),
                        qi(c)
                    )));
                }
                if a.comment != b.comment {
                    out.push(stmt(ddl::comment_on(
                        &format!("CONSTRAINT {} ON {}", qi(c), q.sql()),
                        b.comment.as_deref(),
                    )));
                }
                if a.index_comment != b.index_comment {
                    if let Some(i) = &b.index {
                        out.push(stmt(ddl::comment_on(
                            &format!("INDEX {}", i.sql()),
                            b.index_comment.as_deref(),
                        )));
                    }
                }
                Alter::from_stmts(out)
            }
            ObjRef::Index(q) => {
                let (a, b) = (&f.indexes[q], &t.indexes[q]);
                if a.definition != b.definition || a.table != b.table {
                    return Alter::Recreate;
                }
                let mut out = Vec::new();
                if a.column_statistics != b.column_statistics {
                    for (col, _) in &a.column_statistics {
                        if !b.column_statistics.iter().any(|(c, _)| c == col) {
                            out.push(stmt(format!(
                                "ALTER INDEX {} ALTER COLUMN {col} SET STATISTICS -1;",
                                q.sql()
                            )));
                        }
                    }
                    for (col, v) in &b.column_statistics {
                        if !a.column_statistics.contains(&(*col, *v)) {
                            out.push(stmt(format!(
                                "ALTER INDEX {} ALTER COLUMN {col} SET STATISTICS {v};",
                                q.sql()
                            )));
                        }
                    }
                }
                if a.clustered != b.clustered {
                    out.push(stmt(if b.clustered {
                        format!("ALTER TABLE {} CLUSTER ON {};", b.table.sql(), qi(&q.name))
                    } else {
                        format!("ALTER TABLE {} SET WITHOUT CLUSTER;", b.table.sql())
                    }));
                }
                if b.replica_identity && !a.replica_identity {
                    out.push(stmt(format!(
                        "ALTER TABLE {} REPLICA IDENTITY USING INDEX {};",
                        b.table.sql(),
                        qi(&q.name)
                    )));
                }
                if a.comment != b.comment {
                    out.push(stmt(ddl::comment_on(
                        &format!("INDEX {}", q.sql()),
                        b.comment.as_deref(),
                    )));
                }
                Alter::from_stmts(out)
            }
            ObjRef::View(q) => self.alter_view(&f.views[q], &t.views[q]),
            ObjRef::Function(id) => {
                let (a, b) = (&f.functions[id], &t.functions[id]);
                let mut out = Vec::new();
                if a.kind != b.kind {
                    return Alter::Recreate;
                }
                if a.definition != b.definition {
                    if a.result == b.result
                        && a.arg_names == b.arg_names
                        && b.arg_defaults >= a.arg_defaults
                    {
                        out.push(stmt(ddl::function_statement(b)));
                    } else {
                        return Alter::Recreate;
                    }
                }
                let target = format!("{} {}", ddl::function_keyword(b), id.sql());
                if a.comment != b.comment {
                    out.push(stmt(ddl::comment_on(&target, b.comment.as_deref())));
                }
                out.extend(stmts(ddl::acl_changes(
                    &target,
                    None,
                    &a.acl,
                    &b.acl,
                    &qi(&a.owner),
                )));
                Alter::from_stmts(out)
            }
            ObjRef::Trigger(q, name) => {
                let key = (q.clone(), name.clone());
                let (a, b) = (&f.triggers[&key], &t.triggers[&key]);
                if a.definition != b.definition {
                    return Alter::Recreate;
                }
                let mut out = Vec::new();
                if a.enabled != b.enabled {
                    out.push(stmt(ddl::trigger_enable(b).unwrap_or_else(|| {
                        format!("ALTER TABLE {} ENABLE TRIGGER {};", q.sql(), qi(name))
                    })));
                }
                if a.comment != b.comment {
                    out.push(stmt(ddl::comment_on(
                        &format!("TRIGGER {} ON {}", qi(name), q.sql()),
                        b.comment.as_deref(),
                    )));
                }
                Alter::from_stmts(out)
            }
            ObjRef::Policy(q, name) => {
                let (a, b) = (&f.tables[q].policies[name], &t.tables[q].policies[name]);
                let strip = |p: &Policy| Policy {
                    comment: None,
                    ..p.clone()
                };
                if strip(a) != strip(b) {
                    return Alter::Recreate;
                }
                if a.comment != b.comment {
                    return Alter::Stmts(vec![stmt(ddl::comment_on(
                        &format!("POLICY {} ON {}", qi(name), q.sql()),
                        b.comment.as_deref(),
                    ))]);
                }
                Alter::Same
            }
        }
    }

    fn alter_type(&mut self, a: &TypeDef, b: &TypeDef) -> Alter {
        let name = b.name.sql();
        let mut out = Vec::new();
        match (&a.kind, &b.kind) {
            (TypeKind::Enum { labels: fl }, TypeKind::Enum { labels: tl }) => {
                if fl != tl {
                    // Reachable with ADD VALUE when the old labels keep their order.
                    let kept: Vec<&String> = tl.iter().filter(|l| fl.contains(l)).collect();
                    if kept.len() != fl.len() || kept.iter().zip(fl).any(|(x, y)| *x != y) {
                        self.renamed_enums.insert(b.name.clone());
                        return Alter::Recreate;
                    }
                    for (i, l) in tl.iter().enumerate() {
                        if fl.contains(l) {
                            continue;
                        }
                        let next = tl[i + 1..].iter().find(|x| fl.contains(x));
                        let sql = match next {
                            Some(n) => format!(
                                "ALTER TYPE {name} ADD VALUE {} BEFORE {};",
                                crate::ident::quote_literal(l),
                                crate::ident::quote_literal(n)
                            ),
                            None => format!(
                                "ALTER TYPE {name} ADD VALUE {};",
                                crate::ident::quote_literal(l)
                            ),
                        };
                        out.push(stmt(sql));
                    }
                }
            }
            (TypeKind::Domain(fd), TypeKind::Domain(td)) => {
                if fd.base_type != td.base_type || fd.collation != td.collation {
                    return Alter::Recreate;
                }
                if fd.default != td.default {
                    out.push(stmt(match &td.default {
                        Some(d) => format!("ALTER DOMAIN {name} SET DEFAULT {d};"),
                        None => format!("ALTER DOMAIN {name} DROP DEFAULT;"),
                    }));
                }
                if fd.not_null != td.not_null {
                    out.push(if td.not_null {
                        stmt(format!("ALTER DOMAIN {name} SET NOT NULL;")).with(hazard(
                            HazardKind::MayFail,
                            format!("fails if a column of domain {name} holds NULL"),
                        ))
                    } else {
                        stmt(format!("ALTER DOMAIN {name} DROP NOT NULL;"))
                    });
                }
                for (cn, c) in &fd.checks {
                    match td.checks.get(cn) {
                        Some(t) if t.definition == c.definition => {
                            if t.comment != c.comment {
                                out.push(stmt(ddl::comment_on(
                                    &format!("CONSTRAINT {} ON DOMAIN {name}", qi(cn)),
                                    t.comment.as_deref(),
                                )));
                            }
                        }
                        Some(t)
                            if c.definition.strip_suffix(" NOT VALID") == Some(&t.definition) =>
                        {
                            out.push(stmt(format!(
                                "ALTER DOMAIN {name} VALIDATE CONSTRAINT {};",
                                qi(cn)
                            )));
                        }
                        _ => out.push(stmt(format!(
                            "ALTER DOMAIN {name} DROP CONSTRAINT {};",
                            qi(cn)
                        ))),
                    }
                }
                for (cn, c) in &td.checks {
                    let replace = match fd.checks.get(cn) {
                        None => true,
                        Some(f) => {
                            f.definition != c.definition
                                && f.definition.strip_suffix(" NOT VALID") != Some(&c.definition)
                        }
                    };
                    if replace {
                        let mut v = stmts(ddl::domain_check_add(&b.name, cn, c));
                        v[0].hazards.push(hazard(
                            HazardKind::MayFail,
                            format!("fails if a value of domain {name} violates {}", qi(cn)),
                        ));
                        out.extend(v);
                    }
                }
            }
            (TypeKind::Composite { attributes: fa }, TypeKind::Composite { attributes: ta }) => {
                for x in fa {
                    if !ta.iter().any(|y| y.name == x.name) {
                        out.push(stmt(format!(
                            "ALTER TYPE {name} DROP ATTRIBUTE {};",
                            qi(&x.name)
                        )));
                    }
                }
                for y in ta {
                    match fa.iter().find(|x| x.name == y.name) {
                        None => out.push(stmt(format!(
                            "ALTER TYPE {name} ADD ATTRIBUTE {};",
                            ddl::composite_attribute(y)
                        ))),
                        Some(x) if x != y => {
                            let coll = y
                                .collation
                                .as_ref()
                                .map(|c| format!(" COLLATE {c}"))
                                .unwrap_or_default();
                            out.push(stmt(format!(
                                "ALTER TYPE {name} ALTER ATTRIBUTE {} TYPE {}{coll};",
                                qi(&y.name),
                                y.type_name
                            )));
                        }
                        _ => {}
                    }
                }
            }
            (TypeKind::Range { .. }, TypeKind::Range { .. }) => {
                if a.kind != b.kind {
                    return Alter::Recreate;
                }
            }
            _ => return Alter::Recreate,
        }
        let target = format!("{} {name}", ddl::type_keyword(b));
        if a.comment != b.comment {
            out.push(stmt(ddl::comment_on(&target, b.comment.as_deref())));
        }
        out.extend(stmts(ddl::acl_changes(
            &format!("TYPE {name}"),
            None,
            &a.acl,
            &b.acl,
            &qi(&a.owner),
        )));
        Alter::from_stmts(out)
    }

    fn alter_table(&mut self, a: &Table, b: &Table) -> Alter {
        if a.kind != b.kind || a.partition_key != b.partition_key {
            return Alter::Recreate;
        }
        let name = b.name.sql();
        let mut out = Vec::new();
        match (&a.partition_of, &b.partition_of) {
            (Some((fp, fb)), Some((tp, tb))) if fp == tp && fb == tb => {}
            (fpo, tpo) => {
                if let Some((fp, _)) = fpo {
                    out.push(stmt(format!(
                        "ALTER TABLE {} DETACH PARTITION {name};",
                        fp.sql()
                    )));
                }
                if let Some((tp, tb)) = tpo {
                    out.push(
                        stmt(format!(
                            "ALTER TABLE {} ATTACH PARTITION {name} {tb};",
                            tp.sql()
                        ))
                        .with(hazard(
                            HazardKind::LongLock,
                            format!(
                                "attaching {name} scans it to check the partition bound{}",
                                rows_note(a)
                            ),
                        )),
                    );
                }
            }
        }
        // New parents first: a column inherited from both an old and a new parent stays
        // inherited (NO INHERIT first would turn it into the table's own column for good).
        for p in &b.inherits {
            if !a.inherits.contains(p) {
                out.push(stmt(format!("ALTER TABLE {name} INHERIT {};", p.sql())));
            }
        }
        for p in &a.inherits {
            if !b.inherits.contains(p) {
                out.push(stmt(format!("ALTER TABLE {name} NO INHERIT {};", p.sql())));
            }
        }
        if a.unlogged != b.unlogged {
            out.push(
                stmt(format!(
                    "ALTER TABLE {name} SET {};",
                    if b.unlogged { "UNLOGGED" } else { "LOGGED" }
                ))
                .with(hazard(
                    HazardKind::TableRewrite,
                    format!("changing persistence rewrites {name}{}", rows_note(a)),
                ))
                .with(hazard(
                    HazardKind::LongLock,
                    format!("ACCESS EXCLUSIVE lock on {name} for the whole rewrite"),
                )),
            );
        }
        if a.options != b.options {
            let key = |o: &String| o.split('=').next().unwrap_or("").to_string();
            let reset: Vec<String> = a
                .options
                .iter()
                .filter(|o| !b.options.iter().any(|p| key(p) == key(o)))
                .map(key)
                .collect();
            let set: Vec<String> = b
                .options
                .iter()
                .filter(|o| !a.options.contains(o))
                .cloned()
                .collect();
            if !reset.is_empty() {
                out.push(stmt(format!(
                    "ALTER TABLE {name} RESET ({});",
                    reset.join(", ")
                )));
            }
            if !set.is_empty() {
                out.push(stmt(format!(
                    "ALTER TABLE {name} SET ({});",
                    set.join(", ")
                )));
            }
        }
        if a.rls_enabled != b.rls_enabled {
            out.push(stmt(format!(
                "ALTER TABLE {name} {} ROW LEVEL SECURITY;",
                if b.rls_enabled { "ENABLE" } else { "DISABLE" }
            )));
        }
        if a.rls_forced != b.rls_forced {
            out.push(stmt(format!(
                "ALTER TABLE {name} {} ROW LEVEL SECURITY;",
                if b.rls_forced { "FORCE" } else { "NO FORCE" }
            )));
        }
        if a.replica_identity != b.replica_identity && b.replica_identity != "i" {
            let ri = ddl::replica_identity_sql(&b.replica_identity).unwrap_or("DEFAULT");
            out.push(stmt(format!("ALTER TABLE {name} REPLICA IDENTITY {ri};")));
        }
        if a.comment != b.comment {
            out.push(stmt(ddl::comment_on(
                &format!("TABLE {name}"),
                b.comment.as_deref(),
            )));
        }
        out.extend(stmts(ddl::acl_changes(
            &format!("TABLE {name}"),
            None,
            &a.acl,
            &b.acl,
            &qi(&a.owner),
        )));
        Alter::from_stmts(out)
    }

    fn alter_column(&mut self, ft: &Table, tt: &Table, a: &Column, b: &Column) -> Alter {
        let (f, t) = (self.from, self.to);
        let table = tt.name.sql();
        let col = qi(&b.name);
        let alter_col = format!("ALTER TABLE {table} ALTER COLUMN {col}");
        let mut out = Vec::new();
        // Generation expressions.
        match (&a.generated, &b.generated) {
            (None, None) => {}
            (Some(_), None) => out.push(stmt(format!("{alter_col} DROP EXPRESSION;"))),
            (Some(x), Some(y)) if x == y && a.generated_kind == b.generated_kind => {}
            (Some(_), Some(y))
                if f.server_version_num >= 170000
                    && a.generated_kind == b.generated_kind
                    && b.generated_kind.as_deref() == Some("STORED") =>
            {
                out.push(
                    stmt(format!("{alter_col} SET EXPRESSION AS ({y});")).with(hazard(
                        HazardKind::TableRewrite,
                        format!(
                            "recomputing {table}.{col} rewrites the table{}",
                            rows_note(ft)
                        ),
                    )),
                );
            }
            _ => return Alter::Recreate,
        }
        let inherited = !a.is_local && !b.is_local;
        let type_changed = a.type_name != b.type_name || a.collation != b.collation;
        if type_changed && !inherited {
            self.retyped
                .insert(ObjRef::Column(tt.name.clone(), b.name.clone()));
            // Enums have no casts to other types except through text.
            let is_enum = |cat: &Catalog, ty: &str| {
                let base = ty.trim_end_matches("[]");
                cat.types
                    .values()
                    .any(|t| t.type_name == base && matches!(t.kind, TypeKind::Enum { .. }))
            };
            let via_text = a.type_name != b.type_name
                && (is_enum(f, &a.type_name) || is_enum(t, &b.type_name));
            out.push(self.type_change_stmt(ft, tt, a, b, via_text));
        }
        // NOT NULL: an inherited column follows its parent's change.
        let predicted = if inherited {
            match (
                ddl::parent_column(f, ft, &a.name),
                ddl::parent_column(t, tt, &b.name),
            ) {
                (Some(fp), Some(tp)) if fp.not_null != tp.not_null => tp.not_null,
                _ => a.not_null,
            }
        } else {
            a.not_null
        };
        // (ADD … AS IDENTITY needs NOT NULL first: this comes before it.)
        if predicted != b.not_null {
            if b.not_null {
                out.push(
                    stmt(format!("{alter_col} SET NOT NULL;"))
                        .with(hazard(
                            HazardKind::LongLock,
                            format!(
                                "SET NOT NULL scans {table}{} under an ACCESS EXCLUSIVE lock",
                                rows_note(ft)
                            ),
                        ))
                        .with(hazard(
                            HazardKind::MayFail,
                            format!("fails if {table}.{col} holds NULL"),
                        )),
                );
            } else {
                out.push(stmt(format!("{alter_col} DROP NOT NULL;")));
            }
        }
        match (&a.identity, &b.identity) {
            (None, None) => {}
            (Some(_), None) => {
                // DROP IDENTITY keeps NOT NULL; drop it after when TO has none (handled above
                // only when the flag differs, which it does not for identity columns).
                let pos = out
                    .iter()
                    .position(|s| s.sql.ends_with("DROP NOT NULL;"))
                    .unwrap_or(out.len());
                out.insert(pos, stmt(format!("{alter_col} DROP IDENTITY;")));
            }
            (None, Some(id)) => out.push(stmt(format!(
                "{alter_col} ADD {};",
                ddl::identity_clause(id)
            ))),
            (Some(x), Some(y)) => {
                if x.always != y.always {
                    out.push(stmt(format!(
                        "{alter_col} SET GENERATED {};",
                        if y.always { "ALWAYS" } else { "BY DEFAULT" }
                    )));
                }
                let parts = ddl::sequence_option_changes(&x.options, &y.options, false);
                if !parts.is_empty() {
                    out.push(stmt(format!(
                        "{alter_col} {};",
                        parts
                            .iter()
                            .map(|p| format!("SET {p}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )));
                }
                if x.sequence != y.sequence && x.sequence.schema == y.sequence.schema {
                    out.push(stmt(format!(
                        "ALTER SEQUENCE {} RENAME TO {};",
                        x.sequence.sql(),
                        qi(&y.sequence.name)
                    )));
                }
            }
        }
        let only = format!("ALTER TABLE ONLY {table} ALTER COLUMN {col}");
        if a.storage != b.storage {
            let st = b
                .storage
                .clone()
                .unwrap_or_else(|| default_storage(&b.type_name).to_string());
            out.push(stmt(format!(
                "{only} SET STORAGE {};",
                ddl::storage_name(&st)
            )));
        }
        if a.statistics != b.statistics {
            out.push(stmt(format!("{only} SET STATISTICS {};", b.statistics)));
        }
        if a.compression != b.compression {
            out.push(stmt(format!(
                "{only} SET COMPRESSION {};",
                b.compression
                    .as_deref()
                    .map(ddl::compression_name)
                    .unwrap_or("default")
            )));
        }
        if a.comment != b.comment {
            out.push(stmt(ddl::comment_on(
                &ddl::column_comment_target(&tt.name, &b.name),
                b.comment.as_deref(),
            )));
        }
        out.extend(stmts(ddl::acl_changes(
            &format!("TABLE {table}"),
            Some(&col),
            &a.acl,
            &b.acl,
            &qi(&ft.owner),
        )));
        Alter::from_stmts(out)
    }

    /// `ALTER COLUMN … TYPE … USING …`. `via_text` converts through text (recreated enums).
    fn type_change_stmt(
        &self,
        ft: &Table,
        tt: &Table,
        a: &Column,
        b: &Column,
        via_text: bool,
    ) -> Stmt {
        let table = tt.name.sql();
        let col = qi(&b.name);
        let coll = b
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {c}"))
            .unwrap_or_default();
        let using = if via_text {
            let text = if b.type_name.ends_with("[]") {
                "text[]"
            } else {
                "text"
            };
            format!(" USING {col}::{text}::{}", b.type_name)
        } else if a.type_name != b.type_name {
            format!(" USING {col}::{}", b.type_name)
        } else {
            String::new()
        };
        let mut s = stmt(format!(
            "ALTER TABLE {table} ALTER COLUMN {col} TYPE {}{coll}{using};",
            b.type_name
        ));
        if via_text && a.type_name != b.type_name {
            s.hazards = type_change_hazards(ft, &b.name, &a.type_name, &b.type_name);
        } else if via_text {
            s.hazards.push(hazard(
                HazardKind::TableRewrite,
                format!(
                    "converting {table}.{col} to the recreated {} rewrites the table{}",
                    b.type_name,
                    rows_note(ft)
                ),
            ));
            s.hazards.push(hazard(
                HazardKind::MayFail,
                format!(
                    "fails if {table}.{col} holds a value the new {} lacks",
                    b.type_name
                ),
            ));
        } else if a.type_name != b.type_name {
            s.hazards = type_change_hazards(ft, &b.name, &a.type_name, &b.type_name);
        } else {
            s.hazards.push(hazard(
                HazardKind::TableRewrite,
                format!("changing the collation of {table}.{col} rebuilds its indexes"),
            ));
        }
        s
    }

    fn alter_view(&mut self, a: &View, b: &View) -> Alter {
        if a.materialized != b.materialized {
            return Alter::Recreate;
        }
        let name = b.name.sql();
        let kw = ddl::view_keyword(b);
        let mut out = Vec::new();
        let cols = |v: &View| -> Vec<(String, String)> {
            v.columns
                .iter()
                .map(|c| (c.name.clone(), c.type_name.clone()))
                .collect()
        };
        let (fc, tc) = (cols(a), cols(b));
        if a.definition != b.definition || fc != tc {
            if a.materialized || fc.len() > tc.len() || tc[..fc.len()] != fc[..] {
                return Alter::Recreate;
            }
            out.push(stmt(ddl::view_statement(b, true)));
        }
        if a.options != b.options {
            let key = |o: &String| o.split('=').next().unwrap_or("").to_string();
            let reset: Vec<String> = a
                .options
                .iter()
                .filter(|o| !b.options.iter().any(|p| key(p) == key(o)))
                .map(key)
                .collect();
            let set: Vec<String> = b
                .options
                .iter()
                .filter(|o| !a.options.contains(o))
                .cloned()
                .collect();
            if !reset.is_empty() {
                out.push(stmt(format!(
                    "ALTER {kw} {name} RESET ({});",
                    reset.join(", ")
                )));
            }
            if !set.is_empty() {
                out.push(stmt(format!("ALTER {kw} {name} SET ({});", set.join(", "))));
            }
        }
        for c in &b.columns {
            let old = a.columns.iter().find(|x| x.name == c.name);
            let old_default = old.and_then(|x| x.default.clone());
            if old_default != c.default {
                out.push(stmt(match &c.default {
                    Some(d) => format!(
                        "ALTER VIEW {name} ALTER COLUMN {} SET DEFAULT {d};",
                        qi(&c.name)
                    ),
                    None => format!(
                        "ALTER VIEW {name} ALTER COLUMN {} DROP DEFAULT;",
                        qi(&c.name)
                    ),
                }));
            }
            let old_comment = old.and_then(|x| x.comment.clone());
            if old_comment != c.comment {
                out.push(stmt(ddl::comment_on(
                    &ddl::column_comment_target(&b.name, &c.name),
                    c.comment.as_deref(),
                )));
            }
            let old_acl = old.map(|x| x.acl.clone()).unwrap_or_default();
            out.extend(stmts(ddl::acl_changes(
                &format!("TABLE {name}"),
                Some(&qi(&c.name)),
                &old_acl,
                &c.acl,
                &qi(&a.owner),
            )));
        }
        if a.comment != b.comment {
            out.push(stmt(ddl::comment_on(
                &format!("{kw} {name}"),
                b.comment.as_deref(),
            )));
        }
        out.extend(stmts(ddl::acl_changes(
            &format!("TABLE {name}"),
            None,
            &a.acl,
            &b.acl,
            &qi(&a.owner),
        )));
        Alter::from_stmts(out)
    }

    // ---- the drop set ----------------------------------------------------------------------

    fn close_drop_set(&mut self) {
        let mut work: Vec<ObjRef> = Vec::new();
        for n in self.from.nodes() {
            let drop = !self.to.has(&n) || matches!(self.alters.get(&n), Some(Alter::Recreate));
            if drop && self.drop_set.insert(n.clone()) {
                work.push(n);
            }
        }
        // Dependents of a column whose type changes must go around the change.
        for c in self.retyped.clone() {
            self.add_retype_dependents(&c, &mut work);
        }
        while let Some(b) = work.pop() {
            let deps = self.from_dependents.get(&b).cloned().unwrap_or_default();
            for (a, kind) in deps {
                if self.drop_set.contains(&a) {
                    continue;
                }
                // An inherited column that TO keeps as the table's own column survives an
                // `ALTER TABLE ONLY parent DROP COLUMN`.
                if let (ObjRef::Column(t, c), ObjRef::Column(..)) = (&a, &b) {
                    if self
                        .to
                        .tables
                        .get(t)
                        .and_then(|t| t.column(c))
                        .is_some_and(|c| c.is_local)
                        && !self.drop_set.contains(&ObjRef::Table(t.clone()))
                    {
                        continue;
                    }
                }
                // A child column whose table stops inheriting from the parent survives.
                if let (ObjRef::Column(t, c), ObjRef::Column(p, _)) = (&a, &b) {
                    let leaves = self.to.tables.get(t).is_some_and(|tt| {
                        tt.column(c).is_some()
                            && !tt.inherits.contains(p)
                            && tt.partition_of.as_ref().is_none_or(|(pp, _)| pp != p)
                    }) && self.from.tables.get(t).is_some_and(|ft| {
                        ft.inherits.contains(p)
                            || ft.partition_of.as_ref().is_some_and(|(pp, _)| pp == p)
                    });
                    if leaves && !self.drop_set.contains(&ObjRef::Table(t.clone())) {
                        self.detached_by_table
                            .insert((ObjRef::Table(t.clone()), b.clone()));
                        continue;
                    }
                }
                // Its own alter removes the dependency.
                if self.to.has(&a) && !self.in_to_depends(&a, &b) && self.has_alter_stmts(&a) {
                    self.detaching.insert(a.clone());
                    continue;
                }
                // A column of a recreated enum is converted, not dropped.
                if let (ObjRef::Column(t, c), ObjRef::Type(ty)) = (&a, &b) {
                    if self.renamed_enums.contains(ty) && self.to.has(&a) {
                        if self.retyped.insert(a.clone()) {
                            let _ = (t, c);
                            self.add_retype_dependents(&a, &mut work);
                        }
                        continue;
                    }
                }
                let _ = kind;
                if self.drop_set.insert(a.clone()) {
                    work.push(a);
                }
            }
        }
    }

    fn add_retype_dependents(&mut self, c: &ObjRef, work: &mut Vec<ObjRef>) {
        let ObjRef::Column(t, name) = c else { return };
        let mut add = Vec::new();
        for (a, _) in self.from_dependents.get(c).cloned().unwrap_or_default() {
            if matches!(
                a,
                ObjRef::View(_) | ObjRef::Trigger(..) | ObjRef::Policy(..)
            ) {
                add.push(a);
            }
        }
        let def = ObjRef::Default(t.clone(), name.clone());
        if self.from.has(&def) {
            add.push(def);
        }
        for a in add {
            if self.drop_set.insert(a.clone()) {
                work.push(a);
            }
        }
    }

    /// The node whose drop takes `a` away too, if any.
    fn absorber(&self, a: &ObjRef) -> Option<ObjRef> {
        match a {
            ObjRef::Sequence(s) => {
                let (t, c) = self.from.sequences[s].owned_by.clone()?;
                let col = ObjRef::Column(t, c);
                self.drop_set.contains(&col).then_some(col)
            }
            ObjRef::SequenceOwner(s) => {
                let seq = ObjRef::Sequence(s.clone());
                if self.drop_set.contains(&seq) {
                    return Some(seq);
                }
                let (t, c) = self.from.sequences[s].owned_by.clone()?;
                let col = ObjRef::Column(t, c);
                self.drop_set.contains(&col).then_some(col)
            }
            _ => {
                let deps = self.from_deps.get(a)?;
                if let ObjRef::Constraint(t, c) = a {
                    let fk = self.from.tables[t].constraints[c].kind == "f";
                    if fk
                        && deps
                            .iter()
                            .any(|(b, k)| *k == DepKind::Normal && self.drop_set.contains(b))
                    {
                        return None;
                    }
                }
                deps.iter()
                    .find(|(b, k)| *k == DepKind::Auto && self.drop_set.contains(b))
                    .map(|(b, _)| b.clone())
            }
        }
    }

    fn root(&self, a: &ObjRef) -> ObjRef {
        let mut cur = a.clone();
        let mut seen = BTreeSet::new();
        while let Some(next) = self.absorber(&cur) {
            if !seen.insert(cur.clone()) {
                break;
            }
            cur = next;
        }
        cur
    }

    // ---- statements ------------------------------------------------------------------------

    fn drop_stmt(&self, n: &ObjRef) -> Option<Stmt> {
        let f = self.from;
        Some(match n {
            ObjRef::Schema(s) => stmt(format!("DROP SCHEMA {};", qi(s))),
            ObjRef::Extension(e) => stmt(format!("DROP EXTENSION {};", qi(e))).with(hazard(
                HazardKind::DataLoss,
                format!("dropping extension {} drops its objects", qi(e)),
            )),
            ObjRef::Collation(c) => stmt(format!("DROP COLLATION {};", c.sql())),
            ObjRef::Type(t) => {
                let ty = &f.types[t];
                stmt(format!("DROP {} {};", ddl::type_keyword(ty), t.sql()))
            }
            ObjRef::Sequence(s) => stmt(format!("DROP SEQUENCE {};", s.sql())),
            ObjRef::SequenceOwner(_) => return None,
            ObjRef::Table(t) => stmt(format!("DROP TABLE {};", t.sql())).with(hazard(
                HazardKind::DataLoss,
                format!(
                    "dropping table {} deletes its rows{}",
                    t.sql(),
                    rows_note(&f.tables[t])
                ),
            )),
            ObjRef::Column(t, c) => {
                // Children that keep the column as their own: drop from the parent only.
                let keep_in_children = f.tables.values().any(|child| {
                    child.inherits.contains(t)
                        && child.column(c).is_some_and(|cc| !cc.is_local)
                        && self
                            .to
                            .tables
                            .get(&child.name)
                            .and_then(|ct| ct.column(c))
                            .is_some_and(|cc| cc.is_local)
                });
                stmt(format!(
                    "ALTER TABLE {}{} DROP COLUMN {};",
                    if keep_in_children { "ONLY " } else { "" },
                    t.sql(),
                    qi(c)
                ))
                .with(hazard(
                    HazardKind::DataLoss,
                    format!("dropping column {}.{} deletes its values", t.sql(), qi(c)),
                ))
            }
            ObjRef::Default(t, c) => stmt(format!(
                "ALTER TABLE ONLY {} ALTER COLUMN {} DROP DEFAULT;",
                t.sql(),
                qi(c)
            )),
            ObjRef::Constraint(t, c) => stmt(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                t.sql(),
                qi(c)
            )),
            ObjRef::Index(i) => stmt(format!("DROP INDEX {};", i.sql())),
            ObjRef::View(v) => {
                let view = &f.views[v];
                let s = stmt(format!("DROP {} {};", ddl::view_keyword(view), v.sql()));
                if view.materialized {
                    s.with(hazard(
                        HazardKind::DataLoss,
                        format!(
                            "dropping materialized view {} discards its contents",
                            v.sql()
                        ),
                    ))
                } else {
                    s
                }
            }
            ObjRef::Function(id) => stmt(format!(
                "DROP {} {};",
                ddl::function_keyword(&f.functions[id]),
                id.sql()
            )),
            ObjRef::Trigger(t, n) => stmt(format!("DROP TRIGGER {} ON {};", qi(n), t.sql())),
            ObjRef::Policy(t, n) => stmt(format!("DROP POLICY {} ON {};", qi(n), t.sql())),
        })
    }

    /// Statements creating `n` on its own (not counting creates absorbed by a parent's).
    fn create_stmts(&self, n: &ObjRef) -> Vec<Stmt> {
        let (f, t) = (self.from, self.to);
        // A new object starts with the default privileges of the server the script runs on.
        match n {
            ObjRef::Schema(s) => {
                stmts(ddl::schema_create(&t.schemas[s], &ddl::default_acl(f, "n")))
            }
            ObjRef::Extension(e) => stmts(ddl::extension_create(&t.extensions[e])),
            ObjRef::Collation(c) => stmts(ddl::collation_create(&t.collations[c])),
            ObjRef::Type(q) => stmts(ddl::type_create(&t.types[q], &ddl::default_acl(f, "T"))),
            ObjRef::Sequence(q) => stmts(ddl::sequence_create(
                &t.sequences[q],
                &ddl::default_acl(f, "s"),
            )),
            ObjRef::SequenceOwner(q) => {
                let s = &t.sequences[q];
                if s.owned_by.is_some() {
                    vec![stmt(ddl::sequence_owner(s))]
                } else {
                    Vec::new()
                }
            }
            ObjRef::Table(q) => stmts(ddl::table_create(
                &t.tables[q],
                t,
                &ddl::default_acl(f, "r"),
            )),
            ObjRef::Column(q, c) => {
                let tt = &t.tables[q];
                let col = tt.column(c).unwrap();
                let mut col_def = col.clone();
                // The default comes with the column only when the column is new.
                if !self.creating(&ObjRef::Default(q.clone(), c.clone())) {
                    col_def.default = None;
                }
                let mut s = stmt(format!(
                    "ALTER TABLE {} ADD COLUMN {};",
                    q.sql(),
                    ddl::column_def(&col_def)
                ));
                let existing = f.tables.get(q);
                if let Some(ft) =
                    existing.filter(|_| !self.drop_set.contains(&ObjRef::Table(q.clone())))
                {
                    if col_def.not_null
                        && col_def.default.is_none()
                        && col_def.identity.is_none()
                        && col_def.generated.is_none()
                    {
                        s.hazards.push(hazard(
                            HazardKind::MayFail,
                            format!("adding NOT NULL column {} without a default fails if {} has rows{}", qi(c), q.sql(), rows_note(ft)),
                        ));
                    }
                    let volatile = col_def.identity.is_some()
                        || col_def.generated.is_some()
                        || col_def.default.as_deref().is_some_and(|d| {
                            d.contains("nextval(")
                                || d.contains("random(")
                                || d.contains("clock_timestamp(")
                                || d.contains("gen_random_uuid(")
                        });
                    if volatile {
                        s.hazards.push(hazard(
                            HazardKind::TableRewrite,
                            format!(
                                "a column computed per row rewrites {}{}",
                                q.sql(),
                                rows_note(ft)
                            ),
                        ));
                        s.hazards.push(hazard(
                            HazardKind::LongLock,
                            format!("ACCESS EXCLUSIVE lock on {} for the whole rewrite", q.sql()),
                        ));
                    }
                }
                let mut out = vec![s];
                out.extend(stmts(ddl::column_options(q, col)));
                if let Some(cm) = &col.comment {
                    out.push(stmt(ddl::comment_on(
                        &ddl::column_comment_target(q, c),
                        Some(cm),
                    )));
                }
                out.extend(stmts(ddl::acl_changes(
                    &format!("TABLE {}", q.sql()),
                    Some(&qi(c)),
                    &Acl::new(),
                    &col.acl,
                    &existing
                        .map(|ft| qi(&ft.owner))
                        .unwrap_or_else(|| "CURRENT_USER".into()),
                )));
                out
            }
            ObjRef::Default(q, c) => {
                let col = t.tables[q].column(c).unwrap();
                vec![stmt(format!(
                    "ALTER TABLE ONLY {} ALTER COLUMN {} SET DEFAULT {};",
                    q.sql(),
                    qi(c),
                    col.default.as_deref().unwrap_or("NULL")
                ))]
            }
            ObjRef::Constraint(q, c) => {
                let con = &t.tables[q].constraints[c];
                let mut v = stmts(ddl::constraint_create(q, con));
                if let Some(ft) = f.tables.get(q) {
                    if !self.drop_set.contains(&ObjRef::Table(q.clone())) {
                        let rows = rows_note(ft);
                        let (lock, fail) = match con.kind.as_str() {
                            "p" | "u" | "x" => (
                                format!("building the index of {} blocks writes to {}{}", qi(c), q.sql(), rows),
                                format!("fails if existing rows of {} violate {}", q.sql(), qi(c)),
                            ),
                            "f" => (
                                format!("validating foreign key {} scans {}{} and locks both tables against writes; ADD … NOT VALID then VALIDATE avoids the long lock", qi(c), q.sql(), rows),
                                format!("fails if existing rows of {} violate {}", q.sql(), qi(c)),
                            ),
                            _ => (
                                format!("validating {} scans {}{} under an ACCESS EXCLUSIVE lock; ADD … NOT VALID then VALIDATE avoids the long lock", qi(c), q.sql(), rows),
                                format!("fails if existing rows of {} violate {}", q.sql(), qi(c)),
                            ),
                        };
                        if con.validated {
                            v[0].hazards.push(hazard(HazardKind::LongLock, lock));
                            v[0].hazards.push(hazard(HazardKind::MayFail, fail));
                        }
                    }
                }
                v
            }
            ObjRef::Index(q) => {
                let idx = &t.indexes[q];
                let mut v = stmts(ddl::index_create(idx));
                let table_existing = f.tables.contains_key(&idx.table)
                    && !self.drop_set.contains(&ObjRef::Table(idx.table.clone()));
                let matview_existing = f.views.contains_key(&idx.table)
                    && !self.drop_set.contains(&ObjRef::View(idx.table.clone()));
                if table_existing || matview_existing {
                    let rows = f.tables.get(&idx.table).map(rows_note).unwrap_or_default();
                    v[0].hazards.push(hazard(
                        HazardKind::LongLock,
                        format!(
                            "CREATE INDEX without CONCURRENTLY blocks writes to {}{} while it builds; on a live table run CREATE INDEX CONCURRENTLY outside a transaction instead",
                            idx.table.sql(),
                            rows
                        ),
                    ));
                }
                v
            }
            ObjRef::View(q) => {
                let v = &t.views[q];
                let mut out = stmts(ddl::view_create(v, &ddl::default_acl(f, "r")));
                if v.materialized {
                    out[0].hazards.push(hazard(
                        HazardKind::LongLock,
                        format!(
                            "creating materialized view {} runs its query to fill it",
                            q.sql()
                        ),
                    ));
                }
                out
            }
            ObjRef::Function(id) => stmts(ddl::function_create(
                &t.functions[id],
                &ddl::default_acl(f, "f"),
            )),
            ObjRef::Trigger(q, n) => {
                stmts(ddl::trigger_create(&t.triggers[&(q.clone(), n.clone())]))
            }
            ObjRef::Policy(q, n) => stmts(ddl::policy_create(q, &t.tables[q].policies[n])),
        }
    }

    /// The node whose create also creates `n` (a column with its table, …), if any.
    fn create_absorber(&self, n: &ObjRef) -> Option<ObjRef> {
        let t = self.to;
        match n {
            ObjRef::Column(q, c) => {
                let table = ObjRef::Table(q.clone());
                if self.creating(&table) {
                    return Some(table);
                }
                let tt = &t.tables[q];
                let col = tt.column(c)?;
                if !col.is_local {
                    for p in tt
                        .partition_of
                        .iter()
                        .map(|(p, _)| p)
                        .chain(tt.inherits.iter())
                    {
                        let pc = ObjRef::Column(p.clone(), c.clone());
                        if t.has(&pc) && self.creating(&pc) {
                            return Some(pc);
                        }
                    }
                }
                None
            }
            ObjRef::Default(q, c) => {
                let col = ObjRef::Column(q.clone(), c.clone());
                if !self.creating(&col) {
                    return None;
                }
                match self.create_absorber(&col) {
                    None => Some(col),
                    Some(ObjRef::Table(tq)) => Some(ObjRef::Table(tq)),
                    // Created by the parent's ADD COLUMN: set this table's own default.
                    Some(_) => None,
                }
            }
            ObjRef::Constraint(q, c) => {
                let con = &t.tables[q].constraints[c];
                if con.is_local {
                    return None;
                }
                let tt = &t.tables[q];
                for p in tt
                    .partition_of
                    .iter()
                    .map(|(p, _)| p)
                    .chain(tt.inherits.iter())
                {
                    let pc = ObjRef::Constraint(p.clone(), c.clone());
                    if t.has(&pc) && self.creating(&pc) {
                        return Some(pc);
                    }
                }
                let table = ObjRef::Table(q.clone());
                self.creating(&table).then_some(table)
            }
            _ => None,
        }
    }

    fn add_action(&mut self, stmts: Vec<Stmt>, phase: u16) -> Option<ActionId> {
        if stmts.is_empty() {
            return None;
        }
        self.actions.push(Action { stmts, phase });
        Some(self.actions.len() - 1)
    }

    fn plan(mut self) -> Plan {
        self.compute_alters();
        self.close_drop_set();

        // Drops.
        let mut drop_action: HashMap<ObjRef, ActionId> = HashMap::new();
        let mut release_action: HashMap<ObjRef, ActionId> = HashMap::new();
        let drop_list: Vec<ObjRef> = self.drop_set.iter().cloned().collect();
        let mut roots: HashMap<ObjRef, ObjRef> = HashMap::new();
        for n in &drop_list {
            roots.insert(n.clone(), self.root(n));
        }
        for n in &drop_list {
            if roots[n] != *n {
                continue;
            }
            if let ObjRef::Type(q) = n {
                if self.renamed_enums.contains(q) && self.to.has(n) {
                    let old = format!("{}__old", q.name);
                    let old: String = truncate_ident(&old);
                    let rename = stmt(format!("ALTER TYPE {} RENAME TO {};", q.sql(), qi(&old)));
                    let fin = stmt(format!("DROP TYPE {}.{};", qi(&q.schema), qi(&old)));
                    if let Some(r) = self.add_action(vec![rename], 30) {
                        release_action.insert(n.clone(), r);
                    }
                    if let Some(d) = self.add_action(vec![fin], 60) {
                        drop_action.insert(n.clone(), d);
                    }
                    continue;
                }
            }
            if let Some(s) = self.drop_stmt(n) {
                let phase = drop_phase(n, self.from);
                if let Some(id) = self.add_action(vec![s], phase) {
                    drop_action.insert(n.clone(), id);
                    release_action.insert(n.clone(), id);
                }
            }
        }
        for n in &drop_list {
            let r = &roots[n];
            if r != n {
                if let Some(id) = drop_action.get(r).copied() {
                    drop_action.insert(n.clone(), id);
                    release_action.entry(n.clone()).or_insert(id);
                }
            }
        }

        // Creates and alters.
        let mut make_action: HashMap<ObjRef, Vec<ActionId>> = HashMap::new();
        let to_nodes: Vec<ObjRef> = self.to.nodes().into_iter().collect();
        let mut absorbed: Vec<(ObjRef, ObjRef)> = Vec::new();
        for n in &to_nodes {
            if self.creating(n) {
                if let Some(p) = self.create_absorber(n) {
                    absorbed.push((n.clone(), p));
                    continue;
                }
                let s = self.create_stmts(n);
                if let Some(id) = self.add_action(s, create_phase(n, self.to)) {
                    make_action.entry(n.clone()).or_default().push(id);
                }
            } else if let Some(Alter::Stmts(s)) = self.alters.get(n).cloned() {
                if let Some(id) = self.add_action(s, create_phase(n, self.to)) {
                    make_action.entry(n.clone()).or_default().push(id);
                }
            }
        }
        // Columns converted for a recreated enum (their type text is unchanged).
        for c in self.retyped.clone() {
            let ObjRef::Column(q, name) = &c else {
                continue;
            };
            if self.drop_set.contains(&c) || !self.to.has(&c) {
                continue;
            }
            let (ft, tt) = (&self.from.tables[q], &self.to.tables[q]);
            let (a, b) = (ft.column(name).unwrap(), tt.column(name).unwrap());
            if a.type_name == b.type_name && a.collation == b.collation {
                let s = self.type_change_stmt(ft, tt, a, b, true);
                if let Some(id) = self.add_action(vec![s], create_phase(&c, self.to)) {
                    make_action.entry(c.clone()).or_default().push(id);
                }
            }
        }
        // Resolve absorbed creates (parents may themselves be absorbed).
        for _ in 0..4 {
            for (n, p) in &absorbed {
                if let Some(ids) = make_action.get(p).cloned() {
                    make_action.entry(n.clone()).or_insert(ids);
                }
            }
        }

        // Edges: before → after.
        let mut edges: BTreeSet<(ActionId, ActionId)> = BTreeSet::new();
        // TO: after what it needs.
        for n in &to_nodes {
            let Some(mine) = make_action.get(n) else {
                continue;
            };
            for b in self.to_deps.get(n).into_iter().flatten() {
                for before in make_action.get(b).into_iter().flatten() {
                    for after in mine {
                        edges.insert((*before, *after));
                    }
                }
            }
        }
        // FROM: a drop after the drops (or detaching alters) of its dependents.
        for b in &drop_list {
            let Some(bd) = drop_action.get(b).copied() else {
                continue;
            };
            for (a, _) in self.from_dependents.get(b).into_iter().flatten() {
                if let Some(ad) = drop_action.get(a) {
                    edges.insert((*ad, bd));
                } else if self.detaching.contains(a) || self.retyped.contains(a) {
                    for id in make_action.get(a).into_iter().flatten() {
                        edges.insert((*id, bd));
                    }
                }
            }
        }
        for (table, parent_col) in &self.detached_by_table {
            if let Some(d) = drop_action.get(parent_col) {
                for id in make_action.get(table).into_iter().flatten() {
                    edges.insert((*id, *d));
                }
            }
        }
        // Recreated: release before create.
        for (n, rel) in &release_action {
            for id in make_action.get(n).into_iter().flatten() {
                edges.insert((*rel, *id));
            }
        }
        // Around a column type change: dependents dropped before, default dropped before.
        for c in &self.retyped {
            let Some(alters) = make_action.get(c) else {
                continue;
            };
            let mut before = Vec::new();
            for (a, _) in self.from_dependents.get(c).into_iter().flatten() {
                if let Some(d) = drop_action.get(a) {
                    before.push(*d);
                }
            }
            for b in before {
                for a in alters {
                    edges.insert((b, *a));
                }
            }
        }
        // A column's default is dropped before the column changes (identity, type).
        for n in &drop_list {
            if let ObjRef::Default(q, c) = n {
                let col = ObjRef::Column(q.clone(), c.clone());
                if let (Some(d), Some(alters)) = (drop_action.get(n), make_action.get(&col)) {
                    for a in alters {
                        edges.insert((*d, *a));
                    }
                }
            }
        }
        // A released name before a new object reusing it.
        let mut released_names: HashMap<(String, String), Vec<ActionId>> = HashMap::new();
        for (n, rel) in &release_action {
            if let Some(k) = relation_name(n, self.from) {
                released_names.entry(k).or_default().push(*rel);
            }
        }
        for n in &to_nodes {
            let Some(k) = relation_name(n, self.to) else {
                continue;
            };
            if let Some(rels) = released_names.get(&k) {
                for id in make_action.get(n).into_iter().flatten() {
                    for r in rels {
                        edges.insert((*r, *id));
                    }
                }
            }
        }

        let order = toposort(&self.actions, &edges);
        let mut statements = Vec::new();
        let creates_functions = order.iter().any(|i| {
            self.actions[*i].stmts.iter().any(|s| {
                s.sql.starts_with("CREATE OR REPLACE FUNCTION")
                    || s.sql.starts_with("CREATE OR REPLACE PROCEDURE")
            })
        });
        if creates_functions {
            // As pg_dump does: bodies may refer to objects created later in the script.
            statements.push(MigrationStatement {
                sql: "SET check_function_bodies = false;".into(),
                hazards: Vec::new(),
            });
        }
        for i in order {
            for s in std::mem::take(&mut self.actions[i].stmts) {
                statements.push(MigrationStatement {
                    sql: s.sql,
                    hazards: s.hazards,
                });
            }
        }
        Plan {
            statements,
            alters: self.alters,
        }
    }
}

fn default_storage(type_name: &str) -> &'static str {
    let (b, _, arr) = split_type(type_name);
    if arr {
        return "x";
    }
    match b.as_str() {
        "smallint"
        | "integer"
        | "bigint"
        | "real"
        | "double precision"
        | "boolean"
        | "date"
        | "timestamp without time zone"
        | "timestamp with time zone"
        | "time without time zone"
        | "uuid"
        | "oid"
        | "\"char\""
        | "money"
        | "interval"
        | "point" => "p",
        _ => "x",
    }
}

fn truncate_ident(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() + c.len_utf8() > crate::ident::MAX_IDENT_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// Objects sharing PostgreSQL's relation/type namespace, by (schema, name).
fn relation_name(n: &ObjRef, cat: &Catalog) -> Option<(String, String)> {
    match n {
        ObjRef::Table(q)
        | ObjRef::View(q)
        | ObjRef::Sequence(q)
        | ObjRef::Index(q)
        | ObjRef::Type(q) => Some((q.schema.clone(), q.name.clone())),
        ObjRef::Constraint(t, c) => {
            let con = cat.tables.get(t)?.constraints.get(c)?;
            con.index
                .as_ref()
                .map(|i| (i.schema.clone(), i.name.clone()))
        }
        _ => None,
    }
}

fn kind_rank(n: &ObjRef, cat: &Catalog) -> u16 {
    match n {
        ObjRef::Schema(_) => 0,
        ObjRef::Extension(_) => 1,
        ObjRef::Collation(_) => 2,
        ObjRef::Type(_) => 3,
        ObjRef::Sequence(_) => 4,
        ObjRef::Function(_) => 5,
        ObjRef::Table(_) => 6,
        ObjRef::Column(..) => 7,
        ObjRef::Default(..) => 8,
        ObjRef::SequenceOwner(_) => 9,
        ObjRef::Constraint(t, c) => {
            let fk = cat
                .tables
                .get(t)
                .and_then(|t| t.constraints.get(c))
                .is_some_and(|c| c.kind == "f");
            if fk {
                12
            } else {
                10
            }
        }
        ObjRef::Index(_) => 11,
        ObjRef::View(q) => {
            if cat.views.get(q).is_some_and(|v| v.materialized) {
                14
            } else {
                13
            }
        }
        ObjRef::Trigger(..) => 15,
        ObjRef::Policy(..) => 16,
    }
}

fn drop_phase(n: &ObjRef, from: &Catalog) -> u16 {
    match n {
        // Extensions and schemas go last, once nothing uses them.
        ObjRef::Extension(_) => 61,
        ObjRef::Schema(_) => 62,
        _ => 10 + (16 - kind_rank(n, from)),
    }
}

fn create_phase(n: &ObjRef, to: &Catalog) -> u16 {
    40 + kind_rank(n, to)
}

/// Kahn's algorithm, taking the ready action with the lowest (phase, index) first. Actions
/// on a cycle (which the rules above should not produce) are emitted in phase order.
fn toposort(actions: &[Action], edges: &BTreeSet<(ActionId, ActionId)>) -> Vec<ActionId> {
    let n = actions.len();
    let mut indeg = vec![0usize; n];
    let mut out_edges: Vec<Vec<ActionId>> = vec![Vec::new(); n];
    for (a, b) in edges {
        if a != b {
            out_edges[*a].push(*b);
            indeg[*b] += 1;
        }
    }
    let mut heap: BinaryHeap<std::cmp::Reverse<(u16, ActionId)>> = BinaryHeap::new();
    for (i, a) in actions.iter().enumerate() {
        if indeg[i] == 0 {
            heap.push(std::cmp::Reverse((a.phase, i)));
        }
    }
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    loop {
        while let Some(std::cmp::Reverse((_, i))) = heap.pop() {
            if done[i] {
                continue;
            }
            done[i] = true;
            order.push(i);
            for j in &out_edges[i] {
                indeg[*j] -= 1;
                if indeg[*j] == 0 && !done[*j] {
                    heap.push(std::cmp::Reverse((actions[*j].phase, *j)));
                }
            }
        }
        if order.len() == n {
            break;
        }
        // A cycle: release the lowest remaining action.
        let next = (0..n)
            .filter(|i| !done[*i])
            .min_by_key(|i| (actions[*i].phase, *i))
            .expect("remaining action");
        tracing::warn!("schema diff: dependency cycle, emitting statement out of order");
        indeg[next] = 0;
        heap.push(std::cmp::Reverse((actions[next].phase, next)));
    }
    order
}

/// Plans the migration turning `from` into `to`.
pub(crate) fn plan(from: &Catalog, to: &Catalog) -> Plan {
    Planner::new(from, to).plan()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_type_changes() {
        let t = Table {
            name: QualName::new("public", "t"),
            kind: TableKind::Regular,
            unlogged: false,
            columns: Vec::new(),
            partition_key: None,
            partition_of: None,
            inherits: Vec::new(),
            options: Vec::new(),
            rls_enabled: false,
            rls_forced: false,
            replica_identity: "d".into(),
            constraints: Default::default(),
            policies: Default::default(),
            owner: "x".into(),
            comment: None,
            acl: Acl::new(),
            estimated_rows: -1.0,
        };
        let kinds = |a: &str, b: &str| {
            type_change_hazards(&t, "c", a, b)
                .into_iter()
                .map(|h| h.kind)
                .collect::<Vec<_>>()
        };
        assert!(kinds("character varying(10)", "character varying(20)").is_empty());
        assert!(kinds("character varying(10)", "text").is_empty());
        assert!(kinds("numeric(10,2)", "numeric(12,2)").is_empty());
        assert!(
            kinds("character varying(20)", "character varying(10)").contains(&HazardKind::DataLoss)
        );
        assert!(kinds("text", "character varying(10)").contains(&HazardKind::DataLoss));
        assert!(kinds("bigint", "integer").contains(&HazardKind::DataLoss));
        assert!(kinds("integer", "bigint").contains(&HazardKind::TableRewrite));
        assert!(!kinds("integer", "bigint").contains(&HazardKind::DataLoss));
        assert!(kinds("text", "integer").contains(&HazardKind::MayFail));
        assert_eq!(
            split_type("timestamp(3) without time zone").0,
            "timestamp without time zone"
        );
    }
}
