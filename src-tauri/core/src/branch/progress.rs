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
        (self.progress)(Progress {
            op: self.name.to_string(),
            phase: phase.to_string(),
            detail,
            bytes_total,
            elapsed_ms: self.started.elapsed().as_millis().min(u32::MAX as u128) as u32,
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
