//! What a migration is made of: statements and the hazards of running them. The planner
//! produces them and the report carries them, so they live here, apart from both (the planner
//! never needs the report's types).
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Hazard {
    pub kind: HazardKind,
    pub message: String,
}

/// One statement of the migration, with what can go wrong when it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct MigrationStatement {
    /// Complete SQL, ending with `;`.
    pub sql: String,
    pub hazards: Vec<Hazard>,
}

impl MigrationStatement {
    /// The same statement with one more hazard.
    pub(crate) fn with(mut self, h: Hazard) -> MigrationStatement {
        self.hazards.push(h);
        self
    }
}

/// A statement without hazards.
pub(crate) fn stmt(sql: impl Into<String>) -> MigrationStatement {
    MigrationStatement {
        sql: sql.into(),
        hazards: Vec::new(),
    }
}

/// Statements without hazards.
pub(crate) fn stmts(v: Vec<String>) -> Vec<MigrationStatement> {
    v.into_iter().map(stmt).collect()
}

pub(crate) fn hazard(kind: HazardKind, message: impl Into<String>) -> Hazard {
    Hazard {
        kind,
        message: message.into(),
    }
}
