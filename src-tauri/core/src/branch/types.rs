//! What the branch engine hands out: branches, snapshots, sessions, outcomes.
use super::{INTERNAL_PREFIX, RESERVED_NAMES};
use crate::error::{ApiError, Result};
use crate::ident::validate_name;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A branch as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Branch {
    pub id: String,
    /// Also the database name.
    pub name: String,
    pub parent_id: Option<String>,
    /// The parent's name; None for a root (an imported database).
    pub parent: Option<String>,
    pub is_root: bool,
    pub schema_only: bool,
    pub protected: bool,
    /// RFC 3339.
    pub created_at: String,
    /// "role (client)".
    pub created_by: String,
    pub expires_at: Option<String>,
    /// md5 of the parent's tables, columns and types when the branch was made or last reset.
    pub parent_schema_fingerprint: Option<String>,
    /// The database was dropped outside Grove.
    pub missing: bool,
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
    /// A reset can be undone.
    pub undo_available: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum SnapshotKind {
    /// The branch as it was before a reset.
    ResetUndo,
    /// A deleted branch, restorable until `keep_until`.
    Deleted,
}

/// A database Grove keeps for a while so a reset or delete can be undone.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Snapshot {
    pub id: String,
    pub branch_name: String,
    pub db_name: String,
    pub kind: SnapshotKind,
    pub created_at: String,
    pub keep_until: String,
}

/// A session that keeps a database from being copied or renamed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct BlockingSession {
    pub pid: i32,
    pub user: Option<String>,
    pub application_name: String,
    pub client_addr: Option<String>,
    pub backend_start: Option<String>,
    pub state: Option<String>,
    pub state_change: Option<String>,
}

impl std::fmt::Display for BlockingSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        if let Some(u) = &self.user {
            write!(f, " user {u}")?;
        }
        if !self.application_name.is_empty() {
            write!(f, " app \"{}\"", self.application_name)?;
        }
        if let Some(a) = &self.client_addr {
            write!(f, " from {a}")?;
        }
        if let Some(t) = &self.backend_start {
            write!(f, " since {t}")?;
        }
        Ok(())
    }
}

/// What to do about other sessions on a database an operation must copy or rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum OnBusy {
    /// Fail with `Conflict`, listing them.
    #[default]
    Fail,
    /// Terminate them, except on protected branches.
    Terminate,
    /// Terminate them, even on protected branches.
    Force,
}

/// A database on the server, for choosing what to import.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DatabaseInfo {
    pub name: String,
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
    /// Already a branch in Grove's tree.
    pub tracked: bool,
}

/// What `delete` did.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DeleteOutcome {
    /// Branches removed (their databases kept as snapshots until housekeeping drops them).
    pub deleted: Vec<String>,
    /// Root branches no longer tracked; their databases are untouched.
    pub untracked: Vec<String>,
}

/// What `housekeeping` did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct HousekeepingReport {
    pub expired_deleted: Vec<String>,
    /// "name: reason" for expired branches that were kept.
    pub expired_kept: Vec<String>,
    pub snapshots_dropped: Vec<String>,
    /// Leftovers of interrupted operations that were cleaned up.
    pub repaired: Vec<String>,
}

/// Checks a branch name: a valid identifier, not one Grove or PostgreSQL keeps for itself.
pub fn validate_branch_name(name: &str) -> Result<()> {
    validate_name("branch", name).map_err(ApiError::invalid)?;
    if name.to_lowercase().starts_with(INTERNAL_PREFIX) {
        return Err(ApiError::invalid(format!(
            "branch names may not start with \"{INTERNAL_PREFIX}\" (reserved for Grove's own databases)"
        )));
    }
    if RESERVED_NAMES.contains(&name) {
        return Err(ApiError::invalid(format!(
            "\"{name}\" is reserved and cannot be a branch name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn branch_names() {
        for ok in [
            "dev/alex",
            "preview/pr-123",
            "Ünïcödé 🌳",
            "a\"b",
            "x\"; DROP DATABASE y; --",
            "Postgres",
        ] {
            assert!(validate_branch_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            " x",
            "x\n",
            "a\0b",
            "grove_tmp_x",
            "GROVE_x",
            "postgres",
            "template1",
            "grove_catalog",
        ] {
            assert_eq!(
                validate_branch_name(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad:?}"
            );
        }
        assert!(validate_branch_name(&"x".repeat(64))
            .unwrap_err()
            .message
            .contains("63 bytes"));
    }
}
