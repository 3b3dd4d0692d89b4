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

/// `ALTER <target> RESET (…)` / `SET (…)` turning storage options `from` into `to`
/// (`name=value` strings as in pg_class.reloptions); `target` is e.g. `TABLE "s"."t"`.
fn reloption_changes(target: &str, from: &[String], to: &[String]) -> Vec<Stmt> {
    let key = |o: &String| o.split('=').next().unwrap_or("").to_string();
    let reset: Vec<String> = from
        .iter()
        .filter(|o| !to.iter().any(|p| key(p) == key(o)))
        .map(key)
        .collect();
    let set: Vec<String> = to.iter().filter(|o| !from.contains(o)).cloned().collect();
    let mut out = Vec::new();
    if !reset.is_empty() {
        out.push(stmt(format!(
            "ALTER {target} RESET ({});",
            reset.join(", ")
        )));
    }
    if !set.is_empty() {
        out.push(stmt(format!("ALTER {target} SET ({});", set.join(", "))));
    }
    out
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

/// The ordered migration, and the nodes that differ (for the report).
pub(crate) struct Plan {
    pub statements: Vec<MigrationStatement>,
    pub changed: Vec<ObjRef>,
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

/// FNV-1a: node keys are short strings, and SipHash's flooding resistance buys nothing here.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FnvMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Nodes are numbered once for both sides ("uid"); every per-node set is a vector by uid.
struct Planner<'a> {
    from: &'a Catalog,
    to: &'a Catalog,
    nodes: Vec<&'a ObjRef>,
    index: FnvMap<&'a ObjRef, u32>,
    in_from: Vec<bool>,
    in_to: Vec<bool>,
    /// FROM: node → nodes depending on it.
    from_dependents: Vec<Vec<(u32, DepKind)>>,
    /// FROM: node → what it depends on.
    from_deps: Vec<Vec<(u32, DepKind)>>,
    /// TO: node → what it needs created first.
    to_deps: Vec<Vec<u32>>,
    /// For nodes on both sides.
    alters: Vec<Option<Alter>>,
    drop_set: Vec<bool>,
    /// Columns whose type changes (or must be converted, for a recreated enum).
    retyped: BTreeSet<ObjRef>,
    /// Enums recreated through a rename.
    renamed_enums: BTreeSet<QualName>,
    /// Nodes kept although something they depend on is dropped: their alter removes the
    /// dependency, so it must run before that drop.
    detaching: Vec<bool>,
    /// (child table, parent column): inherited columns kept by a child that leaves the parent
    /// (NO INHERIT / DETACH); the child table's alter runs before the parent's column goes.
    detached_by_table: Vec<(usize, usize)>,
    actions: Vec<Action>,
}

impl<'a> Planner<'a> {
    fn new(from: &'a Catalog, to: &'a Catalog) -> Self {
        let total = from.nodes.len() + to.nodes.len();
        let mut nodes: Vec<&'a ObjRef> = Vec::with_capacity(total);
        let mut index: FnvMap<&'a ObjRef, u32> = FnvMap::default();
        index.reserve(total);
        let mut uid = |n: &'a ObjRef, nodes: &mut Vec<&'a ObjRef>| -> u32 {
            *index.entry(n).or_insert_with(|| {
                nodes.push(n);
                (nodes.len() - 1) as u32
            })
        };
        let to_uid: Vec<u32> = to.nodes.iter().map(|n| uid(n, &mut nodes)).collect();
        let from_uid: Vec<u32> = from.nodes.iter().map(|n| uid(n, &mut nodes)).collect();
        let n = nodes.len();
        let mut in_from = vec![false; n];
        let mut in_to = vec![false; n];
        for u in &from_uid {
            in_from[*u as usize] = true;
        }
        for u in &to_uid {
            in_to[*u as usize] = true;
        }
        let mut from_dependents = vec![Vec::new(); n];
        let mut from_deps = vec![Vec::new(); n];
        for d in &from.dependencies {
            let (a, b) = (
                from_uid[d.dependent as usize],
                from_uid[d.referenced as usize],
            );
            from_dependents[b as usize].push((a, d.kind));
            from_deps[a as usize].push((b, d.kind));
        }
        let mut to_deps = vec![Vec::new(); n];
        for d in &to.dependencies {
            if d.kind != DepKind::Part {
                to_deps[to_uid[d.dependent as usize] as usize].push(to_uid[d.referenced as usize]);
            }
        }
        Planner {
            from,
            to,
            nodes,
            index,
            in_from,
            in_to,
            from_dependents,
            from_deps,
            to_deps,
            alters: vec![None; n],
            drop_set: vec![false; n],
            retyped: BTreeSet::new(),
            renamed_enums: BTreeSet::new(),
            detaching: vec![false; n],
            detached_by_table: Vec::new(),
            actions: Vec::new(),
        }
    }

    fn id(&self, r: &ObjRef) -> Option<usize> {
        self.index.get(r).map(|u| *u as usize)
    }

    /// Is `r` (a FROM node) dropped?
    fn dropping(&self, r: &ObjRef) -> bool {
        self.id(r).is_some_and(|u| self.drop_set[u])
    }

    fn creating_u(&self, u: usize) -> bool {
        self.in_to[u] && (!self.in_from[u] || self.drop_set[u])
    }

    /// Will `n` be created (new, or dropped and recreated)?
    fn creating(&self, n: &ObjRef) -> bool {
        self.id(n).is_some_and(|u| self.creating_u(u))
    }

    // ---- alters ----------------------------------------------------------------------------

    fn compute_alters(&mut self) {
        for u in 0..self.nodes.len() {
            if self.in_from[u] && self.in_to[u] {
                let n = self.nodes[u];
                let a = self.alter(n);
                self.alters[u] = Some(a);
            }
        }
    }

    fn alter(&mut self, n: &ObjRef) -> Alter {
        let (f, t) = (self.from, self.to);
        if self.surely_same(n) {
            return Alter::Same;
        }
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

    /// A cheap equality test that settles most nodes of two similar catalogs without building
    /// any SQL (false: look closer).
    fn surely_same(&self, n: &ObjRef) -> bool {
        let (f, t) = (self.from, self.to);
        match n {
            ObjRef::Column(q, c) => {
                let (ft, tt) = (&f.tables[q], &t.tables[q]);
                // Not inherited ones: a parent's change reaches them and may need undoing.
                match (ft.column(c), tt.column(c)) {
                    (Some(a), Some(b)) => a.inherit_count == 0 && a == b,
                    _ => false,
                }
            }
            ObjRef::Default(q, c) => {
                f.tables[q].column(c).map(|c| &c.default)
                    == t.tables[q].column(c).map(|c| &c.default)
            }
            ObjRef::Table(q) => {
                let (a, b) = (&f.tables[q], &t.tables[q]);
                a.kind == b.kind
                    && a.unlogged == b.unlogged
                    && a.partition_key == b.partition_key
                    && a.partition_of == b.partition_of
                    && a.inherits == b.inherits
                    && a.options == b.options
                    && a.rls_enabled == b.rls_enabled
                    && a.rls_forced == b.rls_forced
                    && a.replica_identity == b.replica_identity
                    && a.comment == b.comment
                    && a.acl == b.acl
            }
            ObjRef::View(q) => {
                let (a, b) = (&f.views[q], &t.views[q]);
                a.materialized == b.materialized
                    && a.definition == b.definition
                    && a.options == b.options
                    && a.columns == b.columns
                    && a.comment == b.comment
                    && a.acl == b.acl
            }
            ObjRef::Function(id) => {
                let (a, b) = (&f.functions[id], &t.functions[id]);
                a.kind == b.kind
                    && a.definition == b.definition
                    && a.comment == b.comment
                    && a.acl == b.acl
            }
            ObjRef::Constraint(q, c) => f.tables[q].constraints[c] == t.tables[q].constraints[c],
            ObjRef::Index(q) => {
                let (a, b) = (&f.indexes[q], &t.indexes[q]);
                a.definition == b.definition
                    && a.table == b.table
                    && a.clustered == b.clustered
                    && a.replica_identity == b.replica_identity
                    && a.column_statistics == b.column_statistics
                    && a.comment == b.comment
            }
            ObjRef::Sequence(q) => {
                let (a, b) = (&f.sequences[q], &t.sequences[q]);
                a.options == b.options
                    && a.unlogged == b.unlogged
                    && a.comment == b.comment
                    && a.acl == b.acl
            }
            ObjRef::SequenceOwner(q) => f.sequences[q].owned_by == t.sequences[q].owned_by,
            ObjRef::Trigger(q, name) => {
                let key = (q.clone(), name.clone());
                f.triggers[&key] == t.triggers[&key]
            }
            ObjRef::Policy(q, name) => f.tables[q].policies[name] == t.tables[q].policies[name],
            ObjRef::Type(q) => {
                let (a, b) = (&f.types[q], &t.types[q]);
                a.kind == b.kind && a.comment == b.comment && a.acl == b.acl
            }
            ObjRef::Schema(x) => {
                let (a, b) = (&f.schemas[x], &t.schemas[x]);
                a.comment == b.comment && a.acl == b.acl
            }
            _ => false,
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
        out.extend(reloption_changes(
            &format!("TABLE {name}"),
            &a.options,
            &b.options,
        ));
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
        out.extend(reloption_changes(
            &format!("{kw} {name}"),
            &a.options,
            &b.options,
        ));
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
        let n = self.nodes.len();
        let mut work: Vec<usize> = Vec::new();
        for u in 0..n {
            if self.in_from[u]
                && (!self.in_to[u] || matches!(self.alters[u], Some(Alter::Recreate)))
            {
                self.drop_set[u] = true;
                work.push(u);
            }
        }
        // Dependents of a column whose type changes must go around the change.
        for c in self.retyped.clone() {
            if let Some(u) = self.id(&c) {
                self.add_retype_dependents(u, &mut work);
            }
        }
        while let Some(b) = work.pop() {
            let bref = self.nodes[b];
            for i in 0..self.from_dependents[b].len() {
                let a = self.from_dependents[b][i].0 as usize;
                if self.drop_set[a] {
                    continue;
                }
                let aref = self.nodes[a];
                if let (ObjRef::Column(t, c), ObjRef::Column(p, _)) = (aref, bref) {
                    let table = ObjRef::Table(t.clone());
                    // An inherited column that TO keeps as the table's own column survives an
                    // `ALTER TABLE ONLY parent DROP COLUMN`.
                    let kept_local = self
                        .to
                        .tables
                        .get(t)
                        .and_then(|t| t.column(c))
                        .is_some_and(|c| c.is_local);
                    if kept_local && !self.dropping(&table) {
                        continue;
                    }
                    // A child column whose table stops inheriting from the parent survives.
                    let leaves = self.to.tables.get(t).is_some_and(|tt| {
                        tt.column(c).is_some()
                            && !tt.inherits.contains(p)
                            && tt.partition_of.as_ref().is_none_or(|(pp, _)| pp != p)
                    }) && self.from.tables.get(t).is_some_and(|ft| {
                        ft.inherits.contains(p)
                            || ft.partition_of.as_ref().is_some_and(|(pp, _)| pp == p)
                    });
                    if leaves && !self.dropping(&table) {
                        if let Some(tu) = self.id(&table) {
                            self.detached_by_table.push((tu, b));
                        }
                        continue;
                    }
                }
                // Its own alter removes the dependency.
                if self.in_to[a]
                    && !self.to_deps[a].contains(&(b as u32))
                    && matches!(self.alters[a], Some(Alter::Stmts(_)))
                {
                    self.detaching[a] = true;
                    continue;
                }
                // A column of a recreated enum is converted, not dropped.
                if let (ObjRef::Column(..), ObjRef::Type(ty)) = (aref, bref) {
                    if self.renamed_enums.contains(ty) && self.in_to[a] {
                        if self.retyped.insert(aref.clone()) {
                            self.add_retype_dependents(a, &mut work);
                        }
                        continue;
                    }
                }
                self.drop_set[a] = true;
                work.push(a);
            }
        }
    }

    fn add_retype_dependents(&mut self, c: usize, work: &mut Vec<usize>) {
        let ObjRef::Column(t, name) = self.nodes[c] else {
            return;
        };
        let mut add: Vec<usize> = self.from_dependents[c]
            .iter()
            .map(|(a, _)| *a as usize)
            .filter(|a| {
                matches!(
                    self.nodes[*a],
                    ObjRef::View(_) | ObjRef::Trigger(..) | ObjRef::Policy(..)
                )
            })
            .collect();
        if let Some(d) = self.id(&ObjRef::Default(t.clone(), name.clone())) {
            if self.in_from[d] {
                add.push(d);
            }
        }
        for a in add {
            if !self.drop_set[a] {
                self.drop_set[a] = true;
                work.push(a);
            }
        }
    }

    /// The node whose drop takes `u` away too, if any.
    fn absorber(&self, u: usize) -> Option<usize> {
        let owned_col = |s: &QualName| -> Option<usize> {
            let (t, c) = self.from.sequences[s].owned_by.clone()?;
            let col = self.id(&ObjRef::Column(t, c))?;
            self.drop_set[col].then_some(col)
        };
        match self.nodes[u] {
            ObjRef::Sequence(s) => owned_col(s),
            ObjRef::SequenceOwner(s) => {
                if let Some(seq) = self.id(&ObjRef::Sequence(s.clone())) {
                    if self.drop_set[seq] {
                        return Some(seq);
                    }
                }
                owned_col(s)
            }
            a => {
                let deps = &self.from_deps[u];
                if let ObjRef::Constraint(t, c) = a {
                    // A foreign key to a dropped table is dropped on its own: with both
                    // tables going, absorbing it would order each table before the other.
                    let fk = self.from.tables[t].constraints[c].kind == "f";
                    if fk
                        && deps
                            .iter()
                            .any(|(b, k)| *k == DepKind::Normal && self.drop_set[*b as usize])
                    {
                        return None;
                    }
                }
                deps.iter()
                    .find(|(b, k)| *k != DepKind::Normal && self.drop_set[*b as usize])
                    .map(|(b, _)| *b as usize)
            }
        }
    }

    fn root(&self, u: usize) -> usize {
        let mut cur = u;
        let mut seen = BTreeSet::new();
        while let Some(next) = self.absorber(cur) {
            if !seen.insert(cur) {
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
                let s = stmt(format!(
                    "ALTER TABLE {}{} DROP COLUMN {};",
                    if keep_in_children { "ONLY " } else { "" },
                    t.sql(),
                    qi(c)
                ));
                let generated = f.tables[t].column(c).is_some_and(|c| c.generated.is_some());
                if generated {
                    s
                } else {
                    s.with(hazard(
                        HazardKind::DataLoss,
                        format!("dropping column {}.{} deletes its values", t.sql(), qi(c)),
                    ))
                }
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
                if let Some(ft) = existing.filter(|_| !self.dropping(&ObjRef::Table(q.clone()))) {
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
                        || (col_def.generated.is_some()
                            && col_def.generated_kind.as_deref() != Some("VIRTUAL"))
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
                    if !self.dropping(&ObjRef::Table(q.clone())) {
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
                    && !self.dropping(&ObjRef::Table(idx.table.clone()));
                let matview_existing = f.views.contains_key(&idx.table)
                    && !self.dropping(&ObjRef::View(idx.table.clone()));
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
        let n = self.nodes.len();
        let by_node = |p: &Planner, a: &usize, b: &usize| p.nodes[*a].cmp(p.nodes[*b]);

        // Drops.
        let mut drop_list: Vec<usize> = (0..n).filter(|u| self.drop_set[*u]).collect();
        drop_list.sort_by(|a, b| by_node(&self, a, b));
        let mut drop_action: Vec<Option<ActionId>> = vec![None; n];
        let mut release_action: Vec<Option<ActionId>> = vec![None; n];
        let roots: Vec<(usize, usize)> = drop_list.iter().map(|u| (*u, self.root(*u))).collect();
        for (u, r) in &roots {
            if r != u {
                continue;
            }
            let node = self.nodes[*u];
            if let ObjRef::Type(q) = node {
                if self.renamed_enums.contains(q) && self.in_to[*u] {
                    let old = truncate_ident(&format!("{}__old", q.name));
                    let rename = stmt(format!("ALTER TYPE {} RENAME TO {};", q.sql(), qi(&old)));
                    let fin = stmt(format!("DROP TYPE {}.{};", qi(&q.schema), qi(&old)));
                    release_action[*u] = self.add_action(vec![rename], 30);
                    drop_action[*u] = self.add_action(vec![fin], 60);
                    continue;
                }
            }
            if let Some(s) = self.drop_stmt(node) {
                let id = self.add_action(vec![s], drop_phase(node, self.from));
                drop_action[*u] = id;
                release_action[*u] = id;
            }
        }
        for (u, r) in &roots {
            if r != u {
                if let Some(id) = drop_action[*r] {
                    drop_action[*u] = Some(id);
                    release_action[*u].get_or_insert(id);
                }
            }
        }

        // Creates and alters.
        let mut make_action: Vec<Vec<ActionId>> = vec![Vec::new(); n];
        let mut todo: Vec<usize> = (0..n)
            .filter(|u| {
                self.in_to[*u]
                    && (self.creating_u(*u) || matches!(self.alters[*u], Some(Alter::Stmts(_))))
            })
            .collect();
        todo.sort_by(|a, b| by_node(&self, a, b));
        let mut absorbed: Vec<(usize, usize)> = Vec::new();
        for u in todo {
            let node = self.nodes[u];
            if self.creating_u(u) {
                if let Some(p) = self.create_absorber(node) {
                    if let Some(pu) = self.id(&p) {
                        absorbed.push((u, pu));
                    }
                    continue;
                }
                let s = self.create_stmts(node);
                if let Some(id) = self.add_action(s, create_phase(node, self.to)) {
                    make_action[u].push(id);
                }
            } else if let Some(Alter::Stmts(s)) = self.alters[u].clone() {
                if let Some(id) = self.add_action(s, create_phase(node, self.to)) {
                    make_action[u].push(id);
                }
            }
        }
        // Columns converted for a recreated enum (their type text is unchanged).
        for c in self.retyped.clone() {
            let ObjRef::Column(q, name) = &c else {
                continue;
            };
            let Some(u) = self.id(&c) else { continue };
            if self.drop_set[u] || !self.in_to[u] {
                continue;
            }
            let (ft, tt) = (&self.from.tables[q], &self.to.tables[q]);
            let (a, b) = (ft.column(name).unwrap(), tt.column(name).unwrap());
            if a.type_name == b.type_name && a.collation == b.collation {
                let s = self.type_change_stmt(ft, tt, a, b, true);
                if let Some(id) = self.add_action(vec![s], create_phase(&c, self.to)) {
                    make_action[u].push(id);
                }
            }
        }
        // Absorbed creates take their parent's action (parents may be absorbed themselves).
        for _ in 0..4 {
            for (u, p) in &absorbed {
                if make_action[*u].is_empty() && !make_action[*p].is_empty() {
                    make_action[*u] = make_action[*p].clone();
                }
            }
        }

        // Edges: before → after.
        let mut edges: BTreeSet<(ActionId, ActionId)> = BTreeSet::new();
        // TO: after what it needs.
        for u in 0..n {
            if make_action[u].is_empty() {
                continue;
            }
            for b in &self.to_deps[u] {
                for before in &make_action[*b as usize] {
                    for after in &make_action[u] {
                        edges.insert((*before, *after));
                    }
                }
            }
        }
        let retyped: Vec<usize> = self.retyped.iter().filter_map(|c| self.id(c)).collect();
        let is_retyped = |u: usize| retyped.contains(&u);
        // FROM: a drop after the drops (or detaching alters) of its dependents.
        for b in &drop_list {
            let Some(bd) = drop_action[*b] else { continue };
            for (a, _) in &self.from_dependents[*b] {
                let a = *a as usize;
                if let Some(ad) = drop_action[a] {
                    edges.insert((ad, bd));
                } else if self.detaching[a] || is_retyped(a) {
                    for id in &make_action[a] {
                        edges.insert((*id, bd));
                    }
                }
            }
        }
        for (table, parent_col) in &self.detached_by_table {
            if let Some(d) = drop_action[*parent_col] {
                for id in &make_action[*table] {
                    edges.insert((*id, d));
                }
            }
        }
        // Recreated: release before create.
        for u in 0..n {
            if let Some(rel) = release_action[u] {
                for id in &make_action[u] {
                    edges.insert((rel, *id));
                }
            }
        }
        // Around a column type change: dependents dropped before.
        for c in &retyped {
            for (a, _) in &self.from_dependents[*c] {
                if let Some(d) = drop_action[*a as usize] {
                    for alter in &make_action[*c] {
                        edges.insert((d, *alter));
                    }
                }
            }
        }
        // A column's default is dropped before the column changes (identity, type).
        for u in &drop_list {
            if let ObjRef::Default(q, c) = self.nodes[*u] {
                if let (Some(d), Some(col)) = (
                    drop_action[*u],
                    self.id(&ObjRef::Column(q.clone(), c.clone())),
                ) {
                    for a in &make_action[col] {
                        edges.insert((d, *a));
                    }
                }
            }
        }
        // A released name before a new object reusing it.
        let mut released_names: HashMap<(String, String), Vec<ActionId>> = HashMap::new();
        for (u, rel) in release_action.iter().enumerate() {
            if let Some(rel) = rel {
                if let Some(k) = relation_name(self.nodes[u], self.from) {
                    released_names.entry(k).or_default().push(*rel);
                }
            }
        }
        if !released_names.is_empty() {
            for (u, made) in make_action.iter().enumerate() {
                if made.is_empty() {
                    continue;
                }
                let Some(k) = relation_name(self.nodes[u], self.to) else {
                    continue;
                };
                if let Some(rels) = released_names.get(&k) {
                    for id in made {
                        for r in rels {
                            edges.insert((*r, *id));
                        }
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
        // Nodes that differ: on one side only, or with a non-empty alter.
        let changed = (0..n)
            .filter(|u| {
                self.in_from[*u] != self.in_to[*u]
                    || self.alters[*u].as_ref().is_some_and(|a| !a.is_same())
            })
            .map(|u| self.nodes[u].clone())
            .collect();
        Plan {
            statements,
            changed,
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
