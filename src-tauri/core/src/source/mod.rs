//! Sources: a root branch kept in sync with a database on another server (or this one). The
//! root is an online copy of the source (`crate::copy`), optionally of some tables or rows
//! only; a refresh builds a new copy and swaps it in atomically, keeping the previous version
//! as an undoable snapshot (see `crate::branch::Branches::refresh_synced_root`). The settings
//! live in the server's `grove_catalog` (table `sources`), without any password: a source is
//! a saved connection's name (password in the OS keychain) or a URL without a password
//! (libpq's password file may supply one).
mod schedule;

pub use schedule::Schedule;

use crate::copy::TableSelection;
use serde::Serialize;
use ts_rs::TS;

/// Where a source is: how Grove finds its server again at every refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum SourceLocation {
    /// A saved connection, by name.
    Connection(String),
    /// A postgres:// URL without a password.
    Url(String),
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceLocation::Connection(c) => write!(f, "connection \"{c}\""),
            SourceLocation::Url(u) => f.write_str(u),
        }
    }
}

/// A source's settings: what `grove source add` was given.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SourceSpec {
    pub from: SourceLocation,
    /// The database copied on the source's server.
    pub database: String,
    pub selection: TableSelection,
    #[ts(type = "string | null")]
    pub schedule: Option<Schedule>,
}

/// How the last refresh (or the first copy) went.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct LastRefresh {
    /// RFC 3339.
    pub started_at: String,
    pub finished_at: Option<String>,
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
    /// The size of the new copy (pg_database_size).
    #[ts(type = "number | null")]
    pub size_bytes: Option<u64>,
    #[ts(type = "number | null")]
    pub rows: Option<u64>,
    /// "ok", "failed", or "running".
    pub outcome: String,
    pub error: Option<String>,
}

/// A root branch and its source, as `grove source show` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SourceInfo {
    /// The root branch (also its database on Grove's server).
    pub root: String,
    #[serde(flatten)]
    #[ts(flatten)]
    pub spec: SourceSpec,
    pub created_at: String,
    pub last_refresh: Option<LastRefresh>,
    /// When the schedule wants the next refresh (RFC 3339); None without a schedule.
    pub next_due_at: Option<String>,
}

/// The outcome of one refresh of `refresh --due`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct RefreshOutcome {
    pub root: String,
    pub ok: bool,
    pub error: Option<crate::ApiError>,
    pub source: Option<SourceInfo>,
}
