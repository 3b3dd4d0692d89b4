//! Small catalog objects for the schema module's unit tests (planner and introspection).
use crate::schema::model::*;

/// An empty regular table `public.<name>` with `rows` estimated rows (-1: never analysed).
pub(crate) fn table(name: &str, rows: f64) -> Table {
    Table {
        name: QualName::new("public", name),
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
        estimated_rows: rows,
    }
}

/// A nullable local column without default.
pub(crate) fn column(name: &str, type_name: &str) -> Column {
    Column::new(name, type_name)
}

/// A validated local constraint of kind `kind` (`p`, `u`, `f`, `c`, `x`).
pub(crate) fn constraint(name: &str, kind: &str, definition: &str) -> Constraint {
    Constraint {
        name: name.into(),
        kind: kind.into(),
        definition: definition.into(),
        validated: true,
        is_local: true,
        inherit_count: 0,
        index: None,
        clustered: false,
        replica_identity: false,
        comment: None,
        index_comment: None,
    }
}
