//! Progress reports and cancellation for branch operations.
use crate::error::{ApiError, ErrorCode, Result};
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use ts_rs::TS;

/// How often a long step (a copy, waiting for the lock) reports that it is still running.
pub const TICK: Duration = Duration::from_millis(500);

/// One progress report: a new phase, or a tick while a long phase runs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct Progress {
    /// The operation: "create", "reset", "delete", …
    pub op: String,
    /// What it is doing now: "waiting for lock", "copying", "publishing", "done", …
    pub phase: String,
    pub detail: Option<String>,
    /// The size of the database being copied (pg_database_size), when copying.
    #[ts(type = "number | null")]
    pub bytes_total: Option<u64>,
    /// Time since the operation started.
    pub elapsed_ms: u32,
    /// An online copy's counters, overall and per table (ticks of its data phase).
    pub copy: Option<CopyStats>,
}

/// An online copy's progress as the app shows it: the engine's `copy::CopyProgress`.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct CopyStats {
    /// The copy engine's phase: "reading schema", "copying rows", "building indexes and constraints", …
    pub phase: String,
    pub tables_done: u32,
    pub tables_total: u32,
    /// Rows and bytes copied so far, over every table.
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The tables being copied now.
    pub active: Vec<TableStats>,
}

/// One table being copied.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct TableStats {
    /// `"schema"."table"`.
    pub table: String,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub bytes: u64,
    /// The source's estimate of the table's rows, when it was analysed.
    #[ts(type = "number | null")]
    pub rows_estimate: Option<u64>,
    pub bytes_per_sec: f64,
    /// Estimated time left for this table.
    #[ts(type = "number | null")]
    pub eta_ms: Option<u64>,
}

impl From<&crate::copy::CopyProgress> for CopyStats {
    fn from(p: &crate::copy::CopyProgress) -> Self {
        CopyStats {
            phase: p.phase.clone(),
            tables_done: p.tables_done,
            tables_total: p.tables_total,
            rows: p.rows,
            bytes: p.bytes,
            active: p
                .active
                .iter()
                .map(|t| TableStats {
                    table: t.table.clone(),
                    rows: t.rows,
                    bytes: t.bytes,
                    rows_estimate: t.rows_estimate,
                    bytes_per_sec: t.bytes_per_sec,
                    eta_ms: t.eta_ms,
                })
                .collect(),
        }
    }
}

/// A progress report tagged with the id of the operation it belongs to (the app's event payload).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct OpProgress {
    pub op_id: String,
    pub progress: Progress,
}

/// The callback operations report progress to.
pub type ProgressFn<'a> = &'a (dyn Fn(Progress) + Send + Sync);

/// A progress callback that ignores everything.
pub fn no_progress() -> ProgressFn<'static> {
    &|_| {}
}

/// A cancellation handle: clone it, give one clone to `Branches::with_cancel`, call `cancel()`
/// on another. A running copy is cancelled on the server; nothing is left behind.
#[derive(Clone, Debug)]
pub struct Cancel(Arc<watch::Sender<bool>>);

impl Default for Cancel {
    fn default() -> Self {
        Cancel(Arc::new(watch::channel(false).0))
    }
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }
    /// Resolves once `cancel()` has been called.
    pub async fn cancelled(&self) {
        let mut rx = self.0.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}

pub fn cancelled_error() -> ApiError {
    ApiError::new(
        ErrorCode::Cancelled,
        "cancelled; the branch tree is unchanged",
    )
}

/// A running operation: its name, start time and where its progress goes.
pub(crate) struct Op<'a> {
    pub name: &'static str,
    started: Instant,
    progress: ProgressFn<'a>,
    pub cancel: &'a Cancel,
}

impl<'a> Op<'a> {
    pub fn new(name: &'static str, progress: ProgressFn<'a>, cancel: &'a Cancel) -> Self {
        Op {
            name,
            started: Instant::now(),
            progress,
            cancel,
        }
    }

    pub fn report(&self, phase: &str, detail: Option<String>, bytes_total: Option<u64>) {
        self.report_copy(phase, detail, bytes_total, None)
    }

    /// A report that carries an online copy's counters.
    pub fn report_copy(
        &self,
        phase: &str,
        detail: Option<String>,
        bytes_total: Option<u64>,
        copy: Option<CopyStats>,
    ) {
        (self.progress)(Progress {
            op: self.name.to_string(),
            phase: phase.to_string(),
            detail,
            bytes_total,
            elapsed_ms: self.started.elapsed().as_millis().min(u32::MAX as u128) as u32,
            copy,
        });
    }

    pub fn phase(&self, phase: &str) {
        self.report(phase, None, None)
    }

    /// Fails with `Cancelled` if cancellation was asked for; called between phases.
    pub fn check(&self) -> Result<()> {
        if self.cancel.is_cancelled() {
            Err(cancelled_error())
        } else {
            Ok(())
        }
    }
}
