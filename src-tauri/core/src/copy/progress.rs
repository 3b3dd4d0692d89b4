//! Progress of a copy: rows, bytes, rate and ETA per table, reported every tick.
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often the data phase reports.
pub const TICK: Duration = Duration::from_millis(500);

/// One table being copied (or copied).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableProgress {
    /// `"schema"."table"`.
    pub table: String,
    /// Rows so far (counted as they stream; exact once `done`).
    pub rows: u64,
    pub bytes: u64,
    /// `pg_class.reltuples` of the source, when it was analysed.
    pub rows_estimate: Option<u64>,
    pub bytes_per_sec: f64,
    /// Estimated time left, from the rate and the row estimate.
    pub eta_ms: Option<u64>,
    pub done: bool,
}

/// One progress report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopyProgress {
    /// "checking", "reading schema", "locking the tables", "creating schema", "copying rows",
    /// "setting sequences", "building indexes and constraints", "publishing", "done".
    pub phase: String,
    pub elapsed_ms: u64,
    pub tables_done: u32,
    pub tables_total: u32,
    pub rows: u64,
    pub bytes: u64,
    /// The tables being copied now.
    pub active: Vec<TableProgress>,
}

/// The callback a copy reports to.
pub type CopyProgressFn<'a> = &'a (dyn Fn(&CopyProgress) + Send + Sync);

/// Per-table counters, shared by the workers and the reporter.
pub(super) struct Slot {
    pub table: String,
    pub rows_estimate: Option<u64>,
    pub rows: AtomicU64,
    pub bytes: AtomicU64,
    /// Set when the worker starts (`started`) and when it is done (`ms`).
    pub started: Mutex<Option<Instant>>,
    pub ms: AtomicU64,
    pub done: std::sync::atomic::AtomicBool,
}

pub(super) struct Tracker<'a> {
    pub started: Instant,
    pub slots: Vec<Slot>,
    out: CopyProgressFn<'a>,
}

impl<'a> Tracker<'a> {
    pub fn new(out: CopyProgressFn<'a>) -> Self {
        Tracker {
            started: Instant::now(),
            slots: Vec::new(),
            out,
        }
    }

    pub fn set_tables(&mut self, tables: &[(String, Option<u64>)]) {
        self.slots = tables
            .iter()
            .map(|(t, est)| Slot {
                table: t.clone(),
                rows_estimate: *est,
                rows: AtomicU64::new(0),
                bytes: AtomicU64::new(0),
                started: Mutex::new(None),
                ms: AtomicU64::new(0),
                done: Default::default(),
            })
            .collect();
    }

    fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn phase(&self, phase: &str) {
        self.report(phase)
    }

    pub fn report(&self, phase: &str) {
        let mut p = CopyProgress {
            phase: phase.into(),
            elapsed_ms: self.elapsed_ms(),
            tables_done: 0,
            tables_total: self.slots.len() as u32,
            rows: 0,
            bytes: 0,
            active: Vec::new(),
        };
        for s in &self.slots {
            let (rows, bytes) = (
                s.rows.load(Ordering::Relaxed),
                s.bytes.load(Ordering::Relaxed),
            );
            p.rows += rows;
            p.bytes += bytes;
            if s.done.load(Ordering::Relaxed) {
                p.tables_done += 1;
                continue;
            }
            let Some(start) = *s.started.lock().unwrap_or_else(|e| e.into_inner()) else {
                continue;
            };
            let secs = start.elapsed().as_secs_f64().max(1e-3);
            let row_rate = rows as f64 / secs;
            let eta_ms = s.rows_estimate.and_then(|est| {
                (row_rate > 0.0)
                    .then(|| (est.saturating_sub(rows) as f64 / row_rate * 1000.0) as u64)
            });
            p.active.push(TableProgress {
                table: s.table.clone(),
                rows,
                bytes,
                rows_estimate: s.rows_estimate,
                bytes_per_sec: bytes as f64 / secs,
                eta_ms,
                done: false,
            });
        }
        (self.out)(&p);
    }
}
