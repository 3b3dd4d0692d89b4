//! Ad-hoc SQL for the editor and `grove sql`: long-lived sessions, script splitting, streamed
//! text results, notices, cancel, read-only protection, history and saved queries, export, and
//! the live schema for autocomplete.
//!
//! Positions and offsets given to the UI count characters (Unicode scalar values), as
//! PostgreSQL's error positions do.
pub mod export;
pub mod format;
pub mod history;
pub mod schema;
mod session;
pub mod spill;
pub mod split;
mod tap;

pub use export::{export_query, ExportFormat, ExportSummary};
pub use history::{HistoryEntry, SavedQuery};
pub use schema::{load_schema, DbSchema};
pub use session::{SqlCanceller, SqlSession};
pub use spill::SqlResults;

use crate::conn::ConnectionFields;
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a session runs: a database (branch) on a server, with its password.
#[derive(Debug, Clone)]
pub struct SqlTarget {
    /// Host, port, user and the database to open.
    pub fields: ConnectionFields,
    /// None falls back to `~/.pgpass`.
    pub password: Option<String>,
    /// Recorded in history: a saved connection's id, or "local" for the embedded server.
    pub server_id: String,
    /// Recorded in history: the branch name (for now the database name).
    pub branch: String,
    /// Protected branches open read-only (`default_transaction_read_only = on`).
    pub protected: bool,
}

/// A transaction's state after a run, from the server's ReadyForQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum TxStatus {
    /// Not in a transaction block: each statement commits on its own.
    Idle,
    /// Inside BEGIN … COMMIT.
    InTransaction,
    /// Inside a transaction block that failed: only ROLLBACK (TO SAVEPOINT) works.
    Failed,
    /// The connection is gone; open a new session.
    Closed,
}

/// A result column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ColumnInfo {
    pub name: String,
    /// As `format_type` prints it (`integer`, `timestamp with time zone`, `public.mood`); empty
    /// until known (see `RunEvent::Columns`).
    pub type_name: String,
    pub type_oid: u32,
    /// The table the column comes from, when it is a plain table column.
    pub table_oid: Option<u32>,
    /// Its attribute number in that table.
    pub column_attnum: Option<u32>,
}

/// A NOTICE, WARNING, INFO, LOG or DEBUG message the server sent while a statement ran, or a
/// NOTIFY received (`severity` "NOTIFY").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SqlNotice {
    pub severity: String,
    pub sqlstate: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

/// One row: text values exactly as the server prints them; None is SQL NULL.
pub type SqlRow = Vec<Option<String>>;

/// What a run reports as it goes, in order. For every statement: `StatementStarted`, then for
/// statements returning rows `Columns` and any number of `Rows` pages, interleaved with
/// `Notice`s, then `StatementDone` or `Error` (which ends the run). `Columns` may come a second
/// time for the same statement, before `StatementDone`, once type names of new user-defined
/// types are known. `Finished` is always last.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum RunEvent {
    StatementStarted {
        index: u32,
        /// Where the statement starts in the script, in characters (0-based).
        sql_offset: u32,
        /// Its length in characters.
        sql_length: u32,
    },
    Columns {
        index: u32,
        columns: Vec<ColumnInfo>,
    },
    Rows {
        index: u32,
        rows: Vec<SqlRow>,
    },
    Notice {
        index: u32,
        notice: SqlNotice,
    },
    StatementDone {
        index: u32,
        /// The command tag: `SELECT 3`, `INSERT 0 1`, `CREATE TABLE`.
        tag: String,
        /// Rows returned or affected, for commands that report a count.
        rows_affected: Option<f64>,
        duration_ms: f64,
        /// Rows of the result kept on local disk, all of them unless `truncated`: any range
        /// can be read with `SqlSession::fetch_rows` until the next run. 0 when the run
        /// stores no rows (`RunOptions::max_rows` None).
        rows_stored: f64,
        /// The store stopped before the last row (its size limit, or a disk error, which a
        /// `Notice` with severity WARNING explains); the rows stored stay readable.
        truncated: bool,
    },
    /// The statement failed; the run stops here. `error.position` is within the whole script.
    Error {
        index: u32,
        error: ApiError,
    },
    Finished {
        tx_status: TxStatus,
        /// Whether new transactions are read-only (protected branch, not unlocked).
        read_only: bool,
        duration_ms: f64,
    },
}

/// How a run delivers rows.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct RunOptions {
    /// Rows sent per `Rows` event (a page is also sent after 50 ms without filling up).
    pub page_size: u32,
    /// Rows sent as events per statement. With a limit, every row is also stored on local
    /// disk for `SqlSession::fetch_rows` (the editor's grid); None: every row is sent and none
    /// stored (the CLI and export, which write rows out as they come).
    pub max_rows: Option<u32>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            page_size: 500,
            // What the editor's grid holds at once (20 pages of 1,000); it fetches the rest.
            max_rows: Some(20_000),
        }
    }
}

/// A run's outcome without its rows (those went out as events).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct RunSummary {
    /// Statements that completed.
    pub statements_done: u32,
    pub statements_total: u32,
    /// Rows returned or affected, summed over the statements.
    pub rows: f64,
    pub duration_ms: f64,
    pub tx_status: TxStatus,
    pub error: Option<ApiError>,
}

/// One statement's complete result, as `SqlSession::run_collect` gathers it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct StatementResult {
    pub index: u32,
    pub sql_offset: u32,
    pub sql_length: u32,
    pub columns: Vec<ColumnInfo>,
    pub rows: Vec<SqlRow>,
    /// None if the statement failed.
    pub tag: Option<String>,
    pub rows_affected: Option<f64>,
    pub duration_ms: f64,
    pub rows_stored: f64,
    pub truncated: bool,
    pub notices: Vec<SqlNotice>,
    pub error: Option<ApiError>,
}

/// A whole run, collected.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct RunResult {
    pub statements: Vec<StatementResult>,
    pub tx_status: TxStatus,
    pub read_only: bool,
    pub duration_ms: f64,
    /// The error that stopped the run, if any (also on its statement).
    pub error: Option<ApiError>,
}

impl RunResult {
    /// The result, or the error that stopped the run.
    pub fn ok(self) -> crate::Result<RunResult> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }

    /// Builds results from events (what `run_collect` does; also handy for tests).
    pub fn collect(events: impl IntoIterator<Item = RunEvent>) -> RunResult {
        let mut r = RunResult {
            statements: Vec::new(),
            tx_status: TxStatus::Closed,
            read_only: false,
            duration_ms: 0.0,
            error: None,
        };
        for ev in events {
            r.push(ev);
        }
        r
    }

    fn current(&mut self, index: u32) -> &mut StatementResult {
        if self.statements.last().map(|s| s.index) != Some(index) {
            self.statements.push(StatementResult {
                index,
                sql_offset: 0,
                sql_length: 0,
                columns: Vec::new(),
                rows: Vec::new(),
                tag: None,
                rows_affected: None,
                duration_ms: 0.0,
                rows_stored: 0.0,
                truncated: false,
                notices: Vec::new(),
                error: None,
            });
        }
        self.statements.last_mut().expect("just pushed")
    }

    pub fn push(&mut self, ev: RunEvent) {
        match ev {
            RunEvent::StatementStarted {
                index,
                sql_offset,
                sql_length,
            } => {
                let s = self.current(index);
                s.sql_offset = sql_offset;
                s.sql_length = sql_length;
            }
            RunEvent::Columns { index, columns } => self.current(index).columns = columns,
            RunEvent::Rows { index, rows } => self.current(index).rows.extend(rows),
            RunEvent::Notice { index, notice } => self.current(index).notices.push(notice),
            RunEvent::StatementDone {
                index,
                tag,
                rows_affected,
                duration_ms,
                rows_stored,
                truncated,
            } => {
                let s = self.current(index);
                s.tag = Some(tag);
                s.rows_affected = rows_affected;
                s.duration_ms = duration_ms;
                s.rows_stored = rows_stored;
                s.truncated = truncated;
            }
            RunEvent::Error { index, error } => {
                self.current(index).error = Some(error.clone());
                self.error = Some(error);
            }
            RunEvent::Finished {
                tx_status,
                read_only,
                duration_ms,
            } => {
                self.tx_status = tx_status;
                self.read_only = read_only;
                self.duration_ms = duration_ms;
            }
        }
    }
}

/// The row count in a command tag (`INSERT 0 5` → 5), for commands that carry one.
pub fn tag_row_count(tag: &str) -> Option<u64> {
    let mut words = tag.split_whitespace();
    let first = words.next()?;
    if !matches!(
        first,
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "FETCH" | "MOVE" | "COPY"
    ) {
        return None;
    }
    tag.rsplit(' ').next()?.parse().ok()
}
