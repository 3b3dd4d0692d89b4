//! The rows: `COPY … TO STDOUT` on the source piped into `COPY … FROM STDIN` on the target,
//! table by table, by a bounded number of workers (one source session in the shared snapshot
//! and one target session each), biggest tables first. No intermediate files: each chunk the
//! source sends is handed to the target as it arrives. Binary format when both servers run
//! the same major version, text otherwise (binary representations may change between
//! majors; text is what pg_dump carries across them).
use super::plan::TableJob;
use super::progress::Tracker;
use super::source::{self, Leader};
use super::{Endpoint, TableCopied};
use crate::conn::Session;
use crate::error::{ApiError, Result};
use futures_util::{SinkExt, StreamExt};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;
use tokio::sync::Notify;

pub(super) struct DataJob<'a> {
    pub src: &'a Endpoint,
    pub dst: &'a Endpoint,
    pub dst_database: &'a str,
    pub leader: &'a Leader,
    pub tables: &'a [TableJob],
    pub workers: usize,
    pub binary: bool,
}

/// Copies every table; returns what each worker copied, in table order.
pub(super) async fn copy_all(job: &DataJob<'_>, tracker: &Tracker<'_>) -> Result<Vec<TableCopied>> {
    let queue = Queue::default();
    let n = job.workers.clamp(1, job.tables.len().max(1));
    let workers = (0..n).map(|_| worker(job, tracker, &queue));
    let ticker = async {
        let mut every = tokio::time::interval(super::progress::TICK);
        loop {
            every.tick().await;
            tracker.report("copying rows");
        }
    };
    let all = futures_util::future::try_join_all(workers);
    let done = tokio::select! {
        r = all => r?,
        _ = ticker => unreachable!("the ticker never ends"),
    };
    let mut copied: Vec<TableCopied> = done.into_iter().flatten().collect();
    copied.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(copied)
}

/// The work the workers share: tables to copy, in order, and the index statements of tables
/// whose rows are in (taken first, so a big table's indexes build while others copy).
#[derive(Default)]
struct Queue {
    state: Mutex<QueueState>,
    changed: Notify,
}

#[derive(Default)]
struct QueueState {
    next_table: usize,
    copying: usize,
    ready: VecDeque<(usize, String)>,
}

enum Work {
    Table(usize),
    Index(usize, String),
    Wait,
    Done,
}

impl Queue {
    fn take(&self, tables: usize) -> Work {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, sql)) = s.ready.pop_front() {
            Work::Index(t, sql)
        } else if s.next_table < tables {
            s.next_table += 1;
            s.copying += 1;
            Work::Table(s.next_table - 1)
        } else if s.copying > 0 {
            Work::Wait
        } else {
            Work::Done
        }
    }

    fn copied(&self, table: usize, indexes: &[String]) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.copying -= 1;
        s.ready
            .extend(indexes.iter().map(|sql| (table, sql.clone())));
        drop(s);
        self.changed.notify_waiters();
    }
}

/// One worker: its two sessions, then work from the shared queue until none is left.
async fn worker(
    job: &DataJob<'_>,
    tracker: &Tracker<'_>,
    queue: &Queue,
) -> Result<Vec<TableCopied>> {
    let (from, to) = tokio::try_join!(
        source::follower(job.src, &job.leader.snapshot),
        source::open(job.dst, job.dst_database)
    )?;
    // Nothing here needs to survive a crash before the copy is published; sorts for the
    // index builds get room.
    to.batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'")
        .await?;
    let mut out = Vec::new();
    loop {
        let changed = queue.changed.notified();
        futures_util::pin_mut!(changed);
        changed.as_mut().enable();
        match queue.take(job.tables.len()) {
            Work::Done => break,
            Work::Wait => changed.await,
            Work::Index(i, sql) => {
                to.batch_execute(&sql).await.map_err(|e| {
                    ApiError::from(e)
                        .context(format!("building an index of {}", job.tables[i].name))
                })?;
            }
            Work::Table(i) => {
                let t = &job.tables[i];
                let slot = &tracker.slots[i];
                *slot.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
                let started = Instant::now();
                source::lock_for_worker(&from, &t.name).await?;
                let copied = copy_table(&from, &to, t, job.binary, slot).await;
                let (rows, bytes) = match copied {
                    Ok(r) => r,
                    Err(e) => {
                        queue.copied(i, &[]);
                        return Err(e.context(format!("copying the rows of {}", t.name)));
                    }
                };
                let ms = started.elapsed().as_millis() as u64;
                slot.rows.store(rows, Ordering::Relaxed);
                slot.ms.store(ms, Ordering::Relaxed);
                slot.done.store(true, Ordering::Relaxed);
                queue.copied(i, &t.indexes);
                out.push(TableCopied {
                    table: t.name.clone(),
                    rows,
                    bytes,
                    ms,
                });
            }
        }
    }
    let _ = from.batch_execute("COMMIT").await;
    Ok(out)
}

/// Streams one table; returns (rows, bytes).
async fn copy_table(
    from: &Session,
    to: &Session,
    t: &TableJob,
    binary: bool,
    slot: &super::progress::Slot,
) -> Result<(u64, u64)> {
    let cols = if t.columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.columns.join(", "))
    };
    let format = if binary { " (FORMAT binary)" } else { "" };
    let out_sql = match &t.filter {
        // The user's condition, run on the source in the read-only snapshot transaction.
        Some(cond) => {
            let list = if t.columns.is_empty() {
                "*".to_string()
            } else {
                t.columns.join(", ")
            };
            format!(
                "COPY (SELECT {list} FROM {} WHERE ({cond})) TO STDOUT{format}",
                t.name
            )
        }
        None => format!("COPY {}{cols} TO STDOUT{format}", t.name),
    };
    let in_sql = format!("COPY {}{cols} FROM STDIN{format}", t.name);
    let (stream, sink) =
        tokio::try_join!(from.copy_out(&out_sql), to.copy_in(&in_sql)).map_err(ApiError::from)?;
    futures_util::pin_mut!(stream);
    futures_util::pin_mut!(sink);
    let mut bytes = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::from(e).context("reading from the source"))?;
        bytes += chunk.len() as u64;
        // The source sends one message per row (and, in binary, a header and a trailer).
        slot.rows.fetch_add(1, Ordering::Relaxed);
        slot.bytes.store(bytes, Ordering::Relaxed);
        sink.feed(chunk)
            .await
            .map_err(|e| ApiError::from(e).context("writing to the target"))?;
    }
    let rows = sink
        .as_mut()
        .finish()
        .await
        .map_err(|e| ApiError::from(e).context("writing to the target"))?;
    Ok((rows, bytes))
}
