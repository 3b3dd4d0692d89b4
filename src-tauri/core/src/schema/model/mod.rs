//! The typed catalog model: what `introspect` reads from one database, and what `diff`
//! compares. Names are stored raw (unquoted); SQL text that PostgreSQL produced itself
//! (`pg_get_*def`, `format_type`, `pg_get_expr`) is stored as the server printed it, with an
//! empty `search_path` so every reference is schema-qualified.
mod acl;
mod column;
use crate::ident::quote_ident;
pub use acl::Acl;
pub use column::{Column, ColumnMore};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A name in the model: one pointer to a shared, immutable string. A 10,000-table catalog
/// holds about half a million names, most of them the same few thousand (a table's name is
/// in its key, its nodes and its parts' nodes); introspection makes each distinct name once.
pub type Name = arcstr::ArcStr;

/// A schema-qualified name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct QualName {
    pub schema: Name,
    pub name: Name,
}

impl QualName {
    pub fn new(schema: impl Into<Name>, name: impl Into<Name>) -> Self {
        QualName {
            schema: schema.into(),
            name: name.into(),
        }
    }
    /// `"schema"."name"`.
    pub fn sql(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

impl std::fmt::Display for QualName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sql())
    }
}

/// Who a privilege is granted to. The object's owner is kept apart from other roles so that
/// two databases whose objects have different owners compare equal when the owner's own
/// privileges are the same.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grantee {
    Owner,
    Public,
    Role(Name),
}

/// One privilege of one grantee (`aclexplode` row, grantor ignored).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Privilege {
    pub grantee: Grantee,
    /// `SELECT`, `INSERT`, `USAGE`, `EXECUTE`, …
    pub privilege: Name,
    pub grantable: bool,
}

/// How one catalog object depends on another (`pg_depend.deptype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DepKind {
    /// `n`: the dependent must be dropped before the referenced object.
    Normal,
    /// `a`/`i`: the dependent goes away together with the referenced object.
    Auto,
    /// A part of the referenced object (a column of its table, a sequence and its OWNED BY
    /// link): goes away with it, but imposes no order when creating.
    Part,
}

/// A reference to one node of the dependency graph. Sub-objects (columns, defaults,
/// constraints, triggers, policies) are nodes of their own.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ObjRef {
    Schema(Name),
    Extension(Name),
    Collation(QualName),
    /// Enum, domain, composite or range type.
    Type(QualName),
    Sequence(QualName),
    /// The `OWNED BY` link of a sequence (exists with every sequence; owned by nothing is a
    /// value of it).
    SequenceOwner(QualName),
    Table(QualName),
    Column(QualName, Name),
    /// A column default (not a generation expression, which is part of the column).
    Default(QualName, Name),
    Constraint(QualName, Name),
    Index(QualName),
    /// A view or materialized view.
    View(QualName),
    Function(FunctionId),
    Trigger(QualName, Name),
    Policy(QualName, Name),
}

/// `dependent` needs `referenced`; both are indexes into [`Catalog::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Dependency {
    pub dependent: u32,
    pub referenced: u32,
    pub kind: DepKind,
}

/// One database's schema.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    /// `server_version_num`, e.g. 150018.
    pub server_version_num: i32,
    pub schemas: BTreeMap<Name, Schema>,
    pub extensions: BTreeMap<Name, Extension>,
    pub collations: BTreeMap<QualName, Collation>,
    pub types: BTreeMap<QualName, TypeDef>,
    pub sequences: BTreeMap<QualName, Sequence>,
    pub tables: BTreeMap<QualName, Table>,
    pub views: BTreeMap<QualName, View>,
    pub indexes: BTreeMap<QualName, Index>,
    pub functions: BTreeMap<FunctionId, Function>,
    /// Triggers by (table or view, trigger name).
    pub triggers: BTreeMap<(QualName, Name), Trigger>,
    /// Every node of the dependency graph present here, each once.
    pub nodes: Vec<ObjRef>,
    pub dependencies: Vec<Dependency>,
    /// What this server gives a new object by default (`acldefault`), by ACL kind: `r`
    /// relations, `s` sequences, `f` functions, `n` schemas, `T` types.
    pub default_acls: BTreeMap<String, Acl>,
    /// `ALTER DEFAULT PRIVILEGES` (`pg_default_acl`): what objects a role creates get. The
    /// role's own privileges are [`Grantee::Owner`].
    pub default_privileges: BTreeMap<DefaultPrivilegesKey, Acl>,
    /// The role that read the catalog (`current_user`): a migration run as it creates its
    /// objects with its default privileges.
    pub current_user: String,
    /// The casts this server has (`pg_cast`), by source and target type (`format_type`
    /// without modifiers), and the types of the string category (to and from which every
    /// type converts through text). Empty when not read.
    pub casts: BTreeSet<(String, String)>,
    pub string_types: BTreeSet<String>,
}

/// Whose new objects, where and of what kind default privileges are for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DefaultPrivilegesKey {
    pub role: String,
    /// `None`: in every schema (and then the entry replaces the built-in default ACL; a
    /// per-schema entry adds to it).
    pub schema: Option<String>,
    /// `r` tables (and views), `S` sequences, `f` functions, `T` types, `n` schemas, `L`
    /// large objects.
    pub object_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub name: Name,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub name: Name,
    pub schema: Name,
    pub version: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Collation {
    pub name: QualName,
    /// `c` (libc), `i` (icu), `b` (builtin, 17+), `d` (default).
    pub provider: String,
    pub deterministic: bool,
    pub lc_collate: Option<String>,
    pub lc_ctype: Option<String>,
    /// ICU / builtin locale.
    pub locale: Option<String>,
    pub icu_rules: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDef {
    pub name: QualName,
    /// The name as `format_type` prints it (how columns of this type show their type).
    pub type_name: String,
    pub kind: TypeKind,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TypeKind {
    Enum {
        labels: Vec<String>,
    },
    Domain(Domain),
    Composite {
        attributes: Vec<TypeAttribute>,
    },
    Range {
        subtype: String,
        /// Set when not the subtype's default operator class.
        subtype_opclass: Option<String>,
        collation: Option<String>,
        canonical: Option<String>,
        subtype_diff: Option<String>,
        multirange: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub base_type: String,
    /// Set when it differs from the base type's collation.
    pub collation: Option<String>,
    pub default: Option<String>,
    pub not_null: bool,
    /// CHECK constraints by name.
    pub checks: BTreeMap<String, DomainCheck>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainCheck {
    /// `CHECK (…)`, possibly followed by `NOT VALID`.
    pub definition: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeAttribute {
    pub name: String,
    pub type_name: String,
    pub collation: Option<String>,
}

/// Sequence parameters (also used for identity columns' sequences).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SequenceOptions {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: QualName,
    pub options: SequenceOptions,
    pub unlogged: bool,
    /// `OWNED BY table.column`.
    pub owned_by: Option<(QualName, Name)>,
    /// Never read by nextval (so RESTART cannot hand out a value twice). Not compared.
    pub never_used: bool,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableKind {
    Regular,
    Partitioned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: QualName,
    pub kind: TableKind,
    pub unlogged: bool,
    /// In attnum order.
    pub columns: Vec<Column>,
    /// `pg_get_partkeydef`, e.g. `RANGE (logdate)`.
    pub partition_key: Option<String>,
    /// Parent and bound (`FOR VALUES …` or `DEFAULT`) when this is a partition.
    pub partition_of: Option<(QualName, String)>,
    /// Inheritance parents (not partition parents), in order.
    pub inherits: Vec<QualName>,
    /// Storage parameters, `name=value`.
    pub options: Vec<String>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// `d` default, `n` nothing, `f` full, `i` index (see `Index::replica_identity`).
    pub replica_identity: String,
    /// Boxed: a map's node has room for eleven entries, and most tables have two or three.
    pub constraints: BTreeMap<Name, Box<Constraint>>,
    pub policies: BTreeMap<Name, Policy>,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
    /// `pg_class.reltuples` (-1: never analysed); used in hazard messages only.
    pub estimated_rows: f64,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// `GENERATED ALWAYS` (else `BY DEFAULT`).
    pub always: bool,
    pub sequence: QualName,
    pub options: SequenceOptions,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: Name,
    /// `p` primary key, `u` unique, `f` foreign key, `c` check, `x` exclusion.
    pub kind: String,
    /// `pg_get_constraintdef` output.
    pub definition: String,
    pub validated: bool,
    pub is_local: bool,
    pub inherit_count: i32,
    /// The index of a primary key, unique or exclusion constraint.
    pub index: Option<QualName>,
    /// `CLUSTER ON` this constraint's index.
    pub clustered: bool,
    pub replica_identity: bool,
    pub comment: Option<String>,
    /// The comment on the constraint's index (`COMMENT ON INDEX`).
    pub index_comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: QualName,
    /// The table or materialized view.
    pub table: QualName,
    /// `pg_get_indexdef` output.
    pub definition: String,
    pub unique: bool,
    pub clustered: bool,
    pub replica_identity: bool,
    /// Per-column statistics targets set with `ALTER INDEX … ALTER COLUMN n SET STATISTICS`.
    pub column_statistics: Vec<(i32, i32)>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub table: QualName,
    pub name: Name,
    /// `pg_get_triggerdef` output.
    pub definition: String,
    /// `O` origin/local (enabled), `D` disabled, `R` replica, `A` always.
    pub enabled: String,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: Name,
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Role names; `None` stands for PUBLIC.
    pub roles: Vec<Option<String>>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViewColumn {
    pub name: String,
    pub type_name: String,
    pub default: Option<String>,
    pub comment: Option<String>,
    pub acl: Acl,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub name: QualName,
    pub materialized: bool,
    /// `pg_get_viewdef` output (the SELECT).
    pub definition: String,
    /// `security_barrier=true`, `check_option=local`, …
    pub options: Vec<String>,
    pub columns: Vec<ViewColumn>,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
}

/// A function's identity: schema, name and `pg_get_function_identity_arguments`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FunctionId {
    pub schema: Name,
    pub name: Name,
    pub args: Name,
}

impl FunctionId {
    /// `"schema"."name"(args)`.
    pub fn sql(&self) -> String {
        format!(
            "{}.{}({})",
            quote_ident(&self.schema),
            quote_ident(&self.name),
            self.args
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    pub id: FunctionId,
    /// `f` function, `p` procedure, `w` window function.
    pub kind: String,
    /// `pg_get_functiondef` output (a complete `CREATE OR REPLACE` statement).
    pub definition: String,
    /// `pg_get_function_result`; None for procedures.
    pub result: Option<String>,
    /// Names of all arguments (empty when none are named).
    pub arg_names: Vec<String>,
    pub arg_defaults: i32,
    pub owner: String,
    pub comment: Option<String>,
    pub acl: Acl,
}

impl Catalog {
    /// Does this node exist here?
    /// The table a node belongs to: a table and its parts, an index's table.
    pub fn owner_table<'a>(&'a self, n: &'a ObjRef) -> Option<&'a QualName> {
        match n {
            ObjRef::Table(t)
            | ObjRef::Column(t, _)
            | ObjRef::Default(t, _)
            | ObjRef::Constraint(t, _)
            | ObjRef::Trigger(t, _)
            | ObjRef::Policy(t, _) => Some(t),
            ObjRef::Index(i) => self.indexes.get(i).map(|i| &i.table),
            _ => None,
        }
    }

    pub fn has(&self, r: &ObjRef) -> bool {
        match r {
            ObjRef::Schema(s) => self.schemas.contains_key(s),
            ObjRef::Extension(e) => self.extensions.contains_key(e),
            ObjRef::Collation(c) => self.collations.contains_key(c),
            ObjRef::Type(t) => self.types.contains_key(t),
            ObjRef::Sequence(s) => self.sequences.contains_key(s),
            ObjRef::SequenceOwner(s) => self.sequences.contains_key(s),
            ObjRef::Table(t) => self.tables.contains_key(t),
            ObjRef::Column(t, c) => self.tables.get(t).is_some_and(|t| t.column(c).is_some()),
            ObjRef::Default(t, c) => self
                .tables
                .get(t)
                .and_then(|t| t.column(c))
                .is_some_and(|c| c.default.is_some()),
            ObjRef::Constraint(t, c) => self
                .tables
                .get(t)
                .is_some_and(|t| t.constraints.contains_key(c)),
            ObjRef::Index(i) => self.indexes.contains_key(i),
            ObjRef::View(v) => self.views.contains_key(v),
            ObjRef::Function(f) => self.functions.contains_key(f),
            ObjRef::Trigger(t, n) => self.triggers.contains_key(&(t.clone(), n.clone())),
            ObjRef::Policy(t, n) => self
                .tables
                .get(t)
                .is_some_and(|t| t.policies.contains_key(n)),
        }
    }
}
