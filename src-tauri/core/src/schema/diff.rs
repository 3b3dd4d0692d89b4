//! Comparing two catalogs: the per-object report and the migration script.
use super::ddl;
use super::migrate;
use super::model::*;
use super::statement::MigrationStatement;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use ts_rs::TS;

/// The kind of a reported object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum ObjectKind {
    Schema,
    Extension,
    Collation,
    Enum,
    Domain,
    CompositeType,
    RangeType,
    Sequence,
    Table,
    View,
    MaterializedView,
    Function,
    Procedure,
    Constraint,
    Index,
    Trigger,
    Policy,
}

impl ObjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Collation => "collation",
            ObjectKind::Enum => "enum",
            ObjectKind::Domain => "domain",
            ObjectKind::CompositeType => "composite type",
            ObjectKind::RangeType => "range type",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::MaterializedView => "materialized view",
            ObjectKind::Function => "function",
            ObjectKind::Procedure => "procedure",
            ObjectKind::Constraint => "constraint",
            ObjectKind::Index => "index",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Policy => "policy",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum DiffStatus {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// One object as it is on each side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ObjectDiff {
    pub kind: ObjectKind,
    /// The schema the object lives in (empty for schemas and extensions).
    pub schema: String,
    /// Its name; for constraints, triggers and policies the name within their table.
    pub name: String,
    /// A unique, SQL-spelled identity, e.g. `"public"."f"(integer)` or `"pk" ON "public"."t"`.
    pub identity: String,
    pub status: DiffStatus,
    /// The statements that create it as it is in FROM (None when absent there). Shared
    /// with `to_ddl` when the text is the same (most objects of a big schema).
    #[ts(type = "string | null")]
    pub from_ddl: Option<Arc<str>>,
    #[ts(type = "string | null")]
    pub to_ddl: Option<Arc<str>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct KindCount {
    pub kind: ObjectKind,
    pub added: u32,
    pub removed: u32,
    pub changed: u32,
    pub unchanged: u32,
}

/// The comparison of two schemas: every object with its status and DDL on both sides, counts
/// per kind, and the ordered migration that turns FROM into TO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SchemaDiff {
    pub objects: Vec<ObjectDiff>,
    pub counts: Vec<KindCount>,
    pub migration: Vec<MigrationStatement>,
}

impl SchemaDiff {
    /// No object differs and there is nothing to run.
    pub fn is_empty(&self) -> bool {
        self.migration.is_empty()
            && self
                .objects
                .iter()
                .all(|o| o.status == DiffStatus::Unchanged)
    }

    /// The objects that differ.
    pub fn changes(&self) -> impl Iterator<Item = &ObjectDiff> {
        self.objects
            .iter()
            .filter(|o| o.status != DiffStatus::Unchanged)
    }

    /// The migration as one script; hazards as `-- hazard: kind: message` comments above
    /// their statement.
    pub fn migration_sql(&self) -> String {
        let mut out = String::new();
        for s in &self.migration {
            for h in &s.hazards {
                out.push_str(&format!(
                    "-- hazard: {}: {}\n",
                    h.kind.as_str(),
                    h.message.replace('\n', " ")
                ));
            }
            out.push_str(&s.sql);
            out.push_str("\n\n");
        }
        out
    }

    /// A short human summary: counts per kind, then one line per changed object.
    pub fn summary(&self) -> String {
        let mut lines = Vec::new();
        for c in &self.counts {
            if c.added + c.removed + c.changed == 0 {
                continue;
            }
            lines.push(format!(
                "{}: {} added, {} removed, {} changed, {} unchanged",
                c.kind.as_str(),
                c.added,
                c.removed,
                c.changed,
                c.unchanged
            ));
        }
        if lines.is_empty() && self.migration.is_empty() {
            return "no differences".into();
        }
        lines.push(String::new());
        for o in self.changes() {
            let mark = match o.status {
                DiffStatus::Added => "+",
                DiffStatus::Removed => "-",
                _ => "~",
            };
            lines.push(format!("{mark} {} {}", o.kind.as_str(), o.identity));
        }
        let hazards: usize = self.migration.iter().map(|s| s.hazards.len()).sum();
        lines.push(String::new());
        lines.push(format!(
            "{} statement(s) in the migration, {hazards} hazard(s)",
            self.migration.len()
        ));
        lines.join("\n")
    }
}

/// A reported object: its kind, schema, name, identity and its main node.
struct Reported<'a> {
    kind: ObjectKind,
    schema: &'a str,
    name: &'a str,
    identity: String,
    node: Node<'a>,
}

/// What a reported object is, to produce its DDL.
enum Node<'a> {
    Schema(&'a Schema),
    Extension(&'a Extension),
    Collation(&'a Collation),
    Type(&'a TypeDef),
    Sequence(&'a Sequence),
    Table(&'a Table),
    Constraint(&'a QualName, &'a Constraint),
    Policy(&'a QualName, &'a Policy),
    View(&'a View),
    Index(&'a Index),
    Function(&'a Function),
    Trigger(&'a Trigger),
}

fn type_kind(t: &TypeDef) -> ObjectKind {
    match t.kind {
        TypeKind::Enum { .. } => ObjectKind::Enum,
        TypeKind::Domain(_) => ObjectKind::Domain,
        TypeKind::Composite { .. } => ObjectKind::CompositeType,
        TypeKind::Range { .. } => ObjectKind::RangeType,
    }
}

fn on(name: &str, table: &QualName) -> String {
    format!("{} ON {}", ddl::qi(name), table.sql())
}

impl Reported<'_> {
    fn key(&self) -> (ObjectKind, &str) {
        (self.kind, &self.identity)
    }
}

/// The reported objects of one catalog, sorted by (kind, identity). A vector rather than a
/// map: a 10,000-table schema reports some 55,000 objects per side.
fn reported<'a>(cat: &'a Catalog) -> Vec<Reported<'a>> {
    let mut out = Vec::new();
    let mut add = |r: Reported<'a>| out.push(r);
    for s in cat.schemas.values() {
        add(Reported {
            kind: ObjectKind::Schema,
            schema: "",
            name: &s.name,
            identity: ddl::qi(&s.name),
            node: Node::Schema(s),
        });
    }
    for e in cat.extensions.values() {
        add(Reported {
            kind: ObjectKind::Extension,
            schema: "",
            name: &e.name,
            identity: ddl::qi(&e.name),
            node: Node::Extension(e),
        });
    }
    for c in cat.collations.values() {
        add(Reported {
            kind: ObjectKind::Collation,
            schema: &c.name.schema,
            name: &c.name.name,
            identity: c.name.sql(),
            node: Node::Collation(c),
        });
    }
    for t in cat.types.values() {
        add(Reported {
            kind: type_kind(t),
            schema: &t.name.schema,
            name: &t.name.name,
            identity: t.name.sql(),
            node: Node::Type(t),
        });
    }
    for s in cat.sequences.values() {
        add(Reported {
            kind: ObjectKind::Sequence,
            schema: &s.name.schema,
            name: &s.name.name,
            identity: s.name.sql(),
            node: Node::Sequence(s),
        });
    }
    for (q, t) in &cat.tables {
        add(Reported {
            kind: ObjectKind::Table,
            schema: &q.schema,
            name: &q.name,
            identity: q.sql(),
            node: Node::Table(t),
        });
        for (n, c) in &t.constraints {
            add(Reported {
                kind: ObjectKind::Constraint,
                schema: &q.schema,
                name: n,
                identity: on(n, q),
                node: Node::Constraint(q, c),
            });
        }
        for (n, p) in &t.policies {
            add(Reported {
                kind: ObjectKind::Policy,
                schema: &q.schema,
                name: n,
                identity: on(n, q),
                node: Node::Policy(q, p),
            });
        }
    }
    for v in cat.views.values() {
        add(Reported {
            kind: if v.materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            },
            schema: &v.name.schema,
            name: &v.name.name,
            identity: v.name.sql(),
            node: Node::View(v),
        });
    }
    for i in cat.indexes.values() {
        add(Reported {
            kind: ObjectKind::Index,
            schema: &i.name.schema,
            name: &i.name.name,
            identity: i.name.sql(),
            node: Node::Index(i),
        });
    }
    for f in cat.functions.values() {
        add(Reported {
            kind: if f.kind == "p" {
                ObjectKind::Procedure
            } else {
                ObjectKind::Function
            },
            schema: &f.id.schema,
            name: &f.id.name,
            identity: f.id.sql(),
            node: Node::Function(f),
        });
    }
    for t in cat.triggers.values() {
        add(Reported {
            kind: ObjectKind::Trigger,
            schema: &t.table.schema,
            name: &t.name,
            identity: on(&t.name, &t.table),
            node: Node::Trigger(t),
        });
    }
    out.sort_unstable_by(|a, b| a.key().cmp(&b.key()));
    out
}

/// The reported object of `key` in `all` (sorted by [`reported`]).
fn find<'r, 'a>(all: &'r [Reported<'a>], key: &(ObjectKind, String)) -> Option<&'r Reported<'a>> {
    let i = all
        .binary_search_by(|r| r.key().cmp(&(key.0, key.1.as_str())))
        .ok()?;
    Some(&all[i])
}

/// The reported object a differing node belongs to, looked up in `cat`.
fn report_key(n: &ObjRef, cat: &Catalog) -> Option<(ObjectKind, String)> {
    Some(match n {
        ObjRef::Schema(s) => (ObjectKind::Schema, ddl::qi(s)),
        ObjRef::Extension(e) => (ObjectKind::Extension, ddl::qi(e)),
        ObjRef::Collation(c) => (ObjectKind::Collation, c.sql()),
        ObjRef::Type(q) => (type_kind(cat.types.get(q)?), q.sql()),
        ObjRef::Sequence(q) | ObjRef::SequenceOwner(q) => (ObjectKind::Sequence, q.sql()),
        ObjRef::Table(q) | ObjRef::Column(q, _) | ObjRef::Default(q, _) => {
            (ObjectKind::Table, q.sql())
        }
        ObjRef::Constraint(q, c) => (ObjectKind::Constraint, on(c, q)),
        ObjRef::Index(q) => (ObjectKind::Index, q.sql()),
        ObjRef::View(q) => (
            if cat.views.get(q)?.materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            },
            q.sql(),
        ),
        ObjRef::Function(id) => (
            if cat.functions.get(id)?.kind == "p" {
                ObjectKind::Procedure
            } else {
                ObjectKind::Function
            },
            id.sql(),
        ),
        ObjRef::Trigger(q, t) => (ObjectKind::Trigger, on(t, q)),
        ObjRef::Policy(q, p) => (ObjectKind::Policy, on(p, q)),
    })
}

/// The DDL of a reported object in `cat`.
fn object_ddl(cat: &Catalog, r: &Reported) -> String {
    let lines = match r.node {
        Node::Schema(s) => ddl::schema_create(s, &ddl::default_acl(cat, "n")),
        Node::Extension(e) => ddl::extension_create(e),
        Node::Collation(c) => ddl::collation_create(c),
        Node::Type(t) => ddl::type_create(t, &ddl::default_acl(cat, "T")),
        Node::Sequence(s) => {
            let mut v = ddl::sequence_create(s, &ddl::default_acl(cat, "s"));
            if s.owned_by.is_some() {
                v.push(ddl::sequence_owner(s));
            }
            v
        }
        Node::Table(t) => ddl::table_create(t, cat, &ddl::default_acl(cat, "r")),
        Node::Constraint(q, c) => ddl::constraint_create(q, c),
        Node::Policy(q, p) => ddl::policy_create(q, p),
        Node::View(v) => ddl::view_create(v, &ddl::default_acl(cat, "r")),
        Node::Index(i) => ddl::index_create(i),
        Node::Function(f) => ddl::function_create(f, &ddl::default_acl(cat, "f")),
        Node::Trigger(t) => ddl::trigger_create(t),
    };
    lines.join("\n")
}

/// The reported object holding node `n` in `cat`: its kind, identity and DDL.
pub(crate) fn node_ddl(cat: &Catalog, n: &ObjRef) -> Option<(ObjectKind, String, String)> {
    let key = report_key(n, cat)?;
    let all = reported(cat);
    let r = find(&all, &key)?;
    Some((r.kind, r.identity.clone(), object_ddl(cat, r)))
}

/// The reported objects holding any of `nodes`, as they are in `from` and in `to`.
pub(crate) fn objects_holding(from: &Catalog, to: &Catalog, nodes: &[ObjRef]) -> Vec<ObjectDiff> {
    let keys: BTreeSet<(ObjectKind, String)> = nodes
        .iter()
        .flat_map(|n| [report_key(n, from), report_key(n, to)])
        .flatten()
        .collect();
    if keys.is_empty() {
        return Vec::new();
    }
    let (rf, rt) = (reported(from), reported(to));
    keys.into_iter()
        .filter_map(|key| {
            let (a, b) = (find(&rf, &key), find(&rt, &key));
            let any = a.or(b)?;
            let status = match (a, b) {
                (Some(_), None) => DiffStatus::Removed,
                (None, Some(_)) => DiffStatus::Added,
                _ => DiffStatus::Changed,
            };
            Some(ObjectDiff {
                kind: any.kind,
                schema: any.schema.to_string(),
                name: any.name.to_string(),
                identity: key.1.clone(),
                status,
                from_ddl: a.map(|r| object_ddl(from, r).into()),
                to_ddl: b.map(|r| object_ddl(to, r).into()),
            })
        })
        .collect()
}

/// Privileges a server knows (those of its default ACLs, e.g. MAINTAIN from 17 on).
fn known_privileges(cat: &Catalog) -> BTreeSet<String> {
    cat.default_acls
        .values()
        .flatten()
        .map(|p| p.privilege.to_string())
        .collect()
}

/// A copy of `cat` without privileges `known` lacks: across major versions, a privilege one
/// server does not have is not a difference (and could not be granted there).
fn without_unknown_privileges(cat: &Catalog, known: &BTreeSet<String>) -> Catalog {
    let mut c = cat.clone();
    let keep = |acl: &mut Acl| acl.retain(|p| known.contains(p.privilege.as_str()));
    for s in c.schemas.values_mut() {
        keep(&mut s.acl);
    }
    for t in c.types.values_mut() {
        keep(&mut t.acl);
    }
    for s in c.sequences.values_mut() {
        keep(&mut s.acl);
    }
    for t in c.tables.values_mut() {
        keep(&mut t.acl);
        for col in &mut t.columns {
            keep(&mut col.acl);
        }
    }
    for v in c.views.values_mut() {
        keep(&mut v.acl);
        for col in &mut v.columns {
            keep(&mut col.acl);
        }
    }
    for f in c.functions.values_mut() {
        keep(&mut f.acl);
    }
    for a in c.default_acls.values_mut() {
        keep(a);
    }
    for a in c.default_privileges.values_mut() {
        keep(a);
    }
    c
}

/// Compares two catalogs: FROM is what exists, TO is what it should become.
pub fn diff(from: &Catalog, to: &Catalog) -> SchemaDiff {
    if from.server_version_num / 10000 != to.server_version_num / 10000 {
        let (kf, kt) = (known_privileges(from), known_privileges(to));
        let both: BTreeSet<String> = kf.intersection(&kt).cloned().collect();
        if both != kf || both != kt {
            return diff_same_privileges(
                &without_unknown_privileges(from, &both),
                &without_unknown_privileges(to, &both),
            );
        }
    }
    diff_same_privileges(from, to)
}

/// Would `a`'s DDL text differ from `b`'s although nothing compared differs? Only a table's
/// column order (or which columns it lists as its own) can.
fn text_may_differ(a: &Reported, b: &Reported) -> bool {
    match (&a.node, &b.node) {
        (Node::Table(x), Node::Table(y)) => {
            x.columns.len() != y.columns.len()
                || x.columns
                    .iter()
                    .zip(&y.columns)
                    .any(|(c, d)| c.name != d.name || c.is_local != d.is_local)
        }
        _ => false,
    }
}

fn diff_same_privileges(from: &Catalog, to: &Catalog) -> SchemaDiff {
    // The plan first, the report after: the planner's working memory is gone before the
    // report's is taken (at 10,000 tables each is some 30 MB next to the two catalogs).
    let plan = migrate::plan(from, to);
    let mut changed: BTreeMap<ObjectKind, BTreeSet<String>> = BTreeMap::new();
    for n in &plan.changed {
        for (kind, identity) in [report_key(n, from), report_key(n, to)]
            .into_iter()
            .flatten()
        {
            changed.entry(kind).or_default().insert(identity);
        }
    }
    drop(plan.changed);
    let (rf, rt) = (reported(from), reported(to));
    let mut objects = Vec::with_capacity(rf.len().max(rt.len()));
    let mut counts: BTreeMap<ObjectKind, KindCount> = BTreeMap::new();
    // Both lists are sorted by key: one merge.
    let (mut rf, mut rt) = (rf.into_iter().peekable(), rt.into_iter().peekable());
    loop {
        let order = match (rf.peek(), rt.peek()) {
            (Some(a), Some(b)) => a.key().cmp(&b.key()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        let (a, b) = match order {
            std::cmp::Ordering::Less => (rf.next(), None),
            std::cmp::Ordering::Greater => (None, rt.next()),
            std::cmp::Ordering::Equal => (rf.next(), rt.next()),
        };
        objects.push(object_diff(from, to, a, b, &changed, &mut counts));
    }
    SchemaDiff {
        objects,
        counts: counts.into_values().collect(),
        migration: plan.statements,
    }
}

/// One reported object as it is in FROM (`a`) and TO (`b`), counted in `counts`.
fn object_diff(
    from: &Catalog,
    to: &Catalog,
    a: Option<Reported>,
    b: Option<Reported>,
    changed: &BTreeMap<ObjectKind, BTreeSet<String>>,
    counts: &mut BTreeMap<ObjectKind, KindCount>,
) -> ObjectDiff {
    let any = a.as_ref().or(b.as_ref()).expect("one side");
    let status = match (&a, &b) {
        (Some(_), None) => DiffStatus::Removed,
        (None, Some(_)) => DiffStatus::Added,
        _ if changed
            .get(&any.kind)
            .is_some_and(|c| c.contains(any.identity.as_str())) =>
        {
            DiffStatus::Changed
        }
        _ => DiffStatus::Unchanged,
    };
    let c = counts.entry(any.kind).or_insert(KindCount {
        kind: any.kind,
        added: 0,
        removed: 0,
        changed: 0,
        unchanged: 0,
    });
    match status {
        DiffStatus::Added => c.added += 1,
        DiffStatus::Removed => c.removed += 1,
        DiffStatus::Changed => c.changed += 1,
        DiffStatus::Unchanged => c.unchanged += 1,
    }
    let to_ddl: Option<Arc<str>> = b.as_ref().map(|r| object_ddl(to, r).into());
    let from_ddl = a.as_ref().map(|r| match (&b, &to_ddl) {
        // Unchanged objects (most of a big schema) share one text.
        (Some(rb), Some(text)) if status == DiffStatus::Unchanged && !text_may_differ(r, rb) => {
            Arc::clone(text)
        }
        _ => object_ddl(from, r).into(),
    });
    let any = a.or(b).expect("one side");
    ObjectDiff {
        kind: any.kind,
        schema: any.schema.to_string(),
        name: any.name.to_string(),
        identity: any.identity,
        status,
        from_ddl,
        to_ddl,
    }
}
