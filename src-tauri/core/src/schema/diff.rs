//! Comparing two catalogs: the per-object report and the migration script.
use super::ddl;
use super::migrate::{self, Alter};
use super::model::*;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The kind of a reported object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, TS)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum DiffStatus {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// One object as it is on each side.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
    /// The statements that create it as it is in FROM (None when absent there).
    pub from_ddl: Option<String>,
    pub to_ddl: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct KindCount {
    pub kind: ObjectKind,
    pub added: u32,
    pub removed: u32,
    pub changed: u32,
    pub unchanged: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum HazardKind {
    /// Rows, values or contents are deleted (drop table/column, narrowing a type).
    DataLoss,
    /// Holds a lock that blocks reads or writes for a time that grows with the table.
    LongLock,
    /// Rewrites the whole table.
    TableRewrite,
    /// Fails if existing data does not fit (NOT NULL, new constraint, conversion).
    MayFail,
}

impl HazardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "data_loss",
            HazardKind::LongLock => "long_lock",
            HazardKind::TableRewrite => "table_rewrite",
            HazardKind::MayFail => "may_fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

/// One statement of the migration, with what can go wrong when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct MigrationStatement {
    /// Complete SQL, ending with `;`.
    pub sql: String,
    pub hazards: Vec<Hazard>,
}

/// The comparison of two schemas: every object with its status and DDL on both sides, counts
/// per kind, and the ordered migration that turns FROM into TO.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
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
        if lines.is_empty() {
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

/// A reported object: its kind, schema, name, identity and the nodes that make it up.
struct Reported {
    kind: ObjectKind,
    schema: String,
    name: String,
    identity: String,
    nodes: Vec<ObjRef>,
}

fn type_kind(t: &TypeDef) -> ObjectKind {
    match t.kind {
        TypeKind::Enum { .. } => ObjectKind::Enum,
        TypeKind::Domain(_) => ObjectKind::Domain,
        TypeKind::Composite { .. } => ObjectKind::CompositeType,
        TypeKind::Range { .. } => ObjectKind::RangeType,
    }
}

/// The reported objects of one catalog, by identity key.
fn reported(cat: &Catalog) -> BTreeMap<(ObjectKind, String), Reported> {
    let mut out = BTreeMap::new();
    let mut add = |r: Reported| {
        out.insert((r.kind, r.identity.clone()), r);
    };
    for s in cat.schemas.keys() {
        add(Reported {
            kind: ObjectKind::Schema,
            schema: String::new(),
            name: s.clone(),
            identity: ddl::qi(s),
            nodes: vec![ObjRef::Schema(s.clone())],
        });
    }
    for e in cat.extensions.keys() {
        add(Reported {
            kind: ObjectKind::Extension,
            schema: String::new(),
            name: e.clone(),
            identity: ddl::qi(e),
            nodes: vec![ObjRef::Extension(e.clone())],
        });
    }
    for c in cat.collations.keys() {
        add(Reported {
            kind: ObjectKind::Collation,
            schema: c.schema.clone(),
            name: c.name.clone(),
            identity: c.sql(),
            nodes: vec![ObjRef::Collation(c.clone())],
        });
    }
    for (q, t) in &cat.types {
        add(Reported {
            kind: type_kind(t),
            schema: q.schema.clone(),
            name: q.name.clone(),
            identity: q.sql(),
            nodes: vec![ObjRef::Type(q.clone())],
        });
    }
    for q in cat.sequences.keys() {
        add(Reported {
            kind: ObjectKind::Sequence,
            schema: q.schema.clone(),
            name: q.name.clone(),
            identity: q.sql(),
            nodes: vec![
                ObjRef::Sequence(q.clone()),
                ObjRef::SequenceOwner(q.clone()),
            ],
        });
    }
    for (q, t) in &cat.tables {
        let mut nodes = vec![ObjRef::Table(q.clone())];
        for c in &t.columns {
            nodes.push(ObjRef::Column(q.clone(), c.name.clone()));
            nodes.push(ObjRef::Default(q.clone(), c.name.clone()));
        }
        add(Reported {
            kind: ObjectKind::Table,
            schema: q.schema.clone(),
            name: q.name.clone(),
            identity: q.sql(),
            nodes,
        });
        for c in t.constraints.keys() {
            add(Reported {
                kind: ObjectKind::Constraint,
                schema: q.schema.clone(),
                name: c.clone(),
                identity: format!("{} ON {}", ddl::qi(c), q.sql()),
                nodes: vec![ObjRef::Constraint(q.clone(), c.clone())],
            });
        }
        for p in t.policies.keys() {
            add(Reported {
                kind: ObjectKind::Policy,
                schema: q.schema.clone(),
                name: p.clone(),
                identity: format!("{} ON {}", ddl::qi(p), q.sql()),
                nodes: vec![ObjRef::Policy(q.clone(), p.clone())],
            });
        }
    }
    for (q, v) in &cat.views {
        add(Reported {
            kind: if v.materialized {
                ObjectKind::MaterializedView
            } else {
                ObjectKind::View
            },
            schema: q.schema.clone(),
            name: q.name.clone(),
            identity: q.sql(),
            nodes: vec![ObjRef::View(q.clone())],
        });
    }
    for q in cat.indexes.keys() {
        add(Reported {
            kind: ObjectKind::Index,
            schema: q.schema.clone(),
            name: q.name.clone(),
            identity: q.sql(),
            nodes: vec![ObjRef::Index(q.clone())],
        });
    }
    for (id, f) in &cat.functions {
        add(Reported {
            kind: if f.kind == "p" {
                ObjectKind::Procedure
            } else {
                ObjectKind::Function
            },
            schema: id.schema.clone(),
            name: id.name.clone(),
            identity: id.sql(),
            nodes: vec![ObjRef::Function(id.clone())],
        });
    }
    for (q, n) in cat.triggers.keys() {
        add(Reported {
            kind: ObjectKind::Trigger,
            schema: q.schema.clone(),
            name: n.clone(),
            identity: format!("{} ON {}", ddl::qi(n), q.sql()),
            nodes: vec![ObjRef::Trigger(q.clone(), n.clone())],
        });
    }
    out
}

/// The DDL of a reported object in `cat`.
fn object_ddl(cat: &Catalog, r: &Reported) -> String {
    let lines = match &r.nodes[0] {
        ObjRef::Schema(s) => ddl::schema_create(&cat.schemas[s], &ddl::default_acl(cat, "n")),
        ObjRef::Extension(e) => ddl::extension_create(&cat.extensions[e]),
        ObjRef::Collation(c) => ddl::collation_create(&cat.collations[c]),
        ObjRef::Type(q) => ddl::type_create(&cat.types[q], &ddl::default_acl(cat, "T")),
        ObjRef::Sequence(q) => {
            let s = &cat.sequences[q];
            let mut v = ddl::sequence_create(s, &ddl::default_acl(cat, "s"));
            if s.owned_by.is_some() {
                v.push(ddl::sequence_owner(s));
            }
            v
        }
        ObjRef::Table(q) => ddl::table_create(&cat.tables[q], cat, &ddl::default_acl(cat, "r")),
        ObjRef::Constraint(q, c) => ddl::constraint_create(q, &cat.tables[q].constraints[c]),
        ObjRef::Policy(q, p) => ddl::policy_create(q, &cat.tables[q].policies[p]),
        ObjRef::View(q) => ddl::view_create(&cat.views[q], &ddl::default_acl(cat, "r")),
        ObjRef::Index(q) => ddl::index_create(&cat.indexes[q]),
        ObjRef::Function(id) => {
            ddl::function_create(&cat.functions[id], &ddl::default_acl(cat, "f"))
        }
        ObjRef::Trigger(q, n) => ddl::trigger_create(&cat.triggers[&(q.clone(), n.clone())]),
        _ => Vec::new(),
    };
    lines.join("\n")
}

/// Compares two catalogs: FROM is what exists, TO is what it should become.
pub fn diff(from: &Catalog, to: &Catalog) -> SchemaDiff {
    let plan = migrate::plan(from, to);
    let (rf, rt) = (reported(from), reported(to));
    let mut keys: Vec<&(ObjectKind, String)> = rf.keys().chain(rt.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut objects = Vec::with_capacity(keys.len());
    let mut counts: BTreeMap<ObjectKind, KindCount> = BTreeMap::new();
    for key in keys {
        let (a, b) = (rf.get(key), rt.get(key));
        let any = a.or(b).expect("one side");
        let status = match (a, b) {
            (Some(_), None) => DiffStatus::Removed,
            (None, Some(_)) => DiffStatus::Added,
            (Some(x), Some(y)) => {
                // Changed when any node of it differs (a column only on one side included).
                let mut nodes: Vec<&ObjRef> = x.nodes.iter().chain(y.nodes.iter()).collect();
                nodes.sort();
                nodes.dedup();
                let changed = nodes.iter().any(|n| {
                    let (hf, ht) = (from.has(n), to.has(n));
                    if hf != ht {
                        return true;
                    }
                    hf && !plan.alters.get(*n).is_none_or(Alter::is_same)
                });
                if changed {
                    DiffStatus::Changed
                } else {
                    DiffStatus::Unchanged
                }
            }
            (None, None) => unreachable!(),
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
        objects.push(ObjectDiff {
            kind: any.kind,
            schema: any.schema.clone(),
            name: any.name.clone(),
            identity: any.identity.clone(),
            status,
            from_ddl: a.map(|r| object_ddl(from, r)),
            to_ddl: b.map(|r| object_ddl(to, r)),
        });
    }
    SchemaDiff {
        objects,
        counts: counts.into_values().collect(),
        migration: plan.statements,
    }
}
