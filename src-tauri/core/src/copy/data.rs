//! The rows: `COPY … TO STDOUT` on the source piped into `COPY … FROM STDIN` on the target,
//! table by table (a big one in block ranges), by a bounded number of workers (one source session in the shared snapshot
//! and one target session each), biggest tables first. No intermediate files: each chunk the
//! source sends is handed to the target as it arrives. Binary format when both servers run
//! the same major version, text otherwise (binary representations may change between
//! majors; text is what pg_dump carries across them).
use super::plan::TableJob;
use super::progress::Tracker;
use super::queue::{Queue, Work};
use super::source::{self, Leader};
use super::{Endpoint, TableCopied};
use crate::conn::Session;
use crate::error::{ApiError, Result};
use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Bytes gathered into one message to the target.
const BATCH: usize = 64 << 10;

pub(super) struct DataJob<'a> {
    pub src: &'a Endpoint,
    pub dst: &'a Endpoint,
    pub dst_database: &'a str,
    pub leader: &'a Leader,
    pub tables: &'a [TableJob],
    pub workers: usize,
    pub binary: bool,
    /// Tables of more pages than this are copied in block ranges.
    pub split: Option<u64>,
}

/// Copies every table with `job.workers` row workers, while as many index workers build
/// each table's indexes and foreign keys once their rows are in; returns what was copied, in table order.
pub(super) async fn copy_all(job: &DataJob<'_>, tracker: &Tracker<'_>) -> Result<Vec<TableCopied>> {
    let queue = Queue::new(job.tables, job.workers, job.split);
    let n = job.workers.clamp(1, queue.chunks.len().max(1));
    let rows = futures_util::future::try_join_all((0..n).map(|_| row_worker(job, tracker, &queue)));
    let indexes = futures_util::future::try_join_all(
        (0..job.workers.max(1)).map(|_| index_worker(job, &queue)),
    );
    let ticker = async {
        let mut every = tokio::time::interval(super::progress::TICK);
        loop {
            every.tick().await;
            tracker.report("copying rows");
        }
    };
    let both = async { tokio::try_join!(rows, indexes) };
    let (done, _) = tokio::select! {
        r = both => r?,
        _ = ticker => unreachable!("the ticker never ends"),
    };
    let mut copied: Vec<TableCopied> = done.into_iter().flatten().collect();
    copied.sort_by(|a, b| a.table.cmp(&b.table));
    Ok(copied)
}

/// Runs the jobs (indexes, keys, foreign keys) whose prerequisites are met, until no table
/// is left to copy and no job to run.
async fn index_worker(job: &DataJob<'_>, queue: &Queue) -> Result<()> {
    let mut to: Option<Session> = None;
    loop {
        let changed = queue.listen();
        futures_util::pin_mut!(changed);
        changed.as_mut().enable();
        match queue.take_job() {
            Work::Wait => changed.await,
            Work::Job { job: j, parallel } => {
                let s = match &mut to {
                    Some(s) => s,
                    None => {
                        let s = source::open(job.dst, job.dst_database).await?;
                        // Sorts get room; nothing needs to survive a crash before publishing.
                        s.batch_execute(
                            "SET synchronous_commit = off; SET maintenance_work_mem = '256MB'",
                        )
                        .await?;
                        to.insert(s)
                    }
                };
                // Otherwise a parallel build would slow the tasks already using the cores.
                s.batch_execute(if parallel {
                    "RESET max_parallel_maintenance_workers"
                } else {
                    "SET max_parallel_maintenance_workers = 0"
                })
                .await?;
                let w = &queue.jobs[j];
                let table = &job.tables[w.table].name;
                tracing::debug!(%table, fk = w.foreign_key, job = j, parallel, "copy: job starts");
                s.batch_execute(&w.sql).await.map_err(|e| {
                    let what = if w.foreign_key {
                        "adding a foreign key"
                    } else {
                        "building an index"
                    };
                    ApiError::from(e).context(format!("{what} of {}", job.tables[w.table].name))
                })?;
                tracing::debug!(%table, job = j, "copy: job done");
                queue.job_done(j);
            }
            Work::Chunk(_) | Work::Done => return Ok(()),
        }
    }
}

/// Copies chunks of rows from the shared queue until none is left.
async fn row_worker(
    job: &DataJob<'_>,
    tracker: &Tracker<'_>,
    queue: &Queue,
) -> Result<Vec<TableCopied>> {
    let (from, to) = tokio::try_join!(
        source::follower(job.src, &job.leader.snapshot),
        source::open(job.dst, job.dst_database)
    )?;
    // Nothing here needs to survive a crash before the copy is published.
    to.batch_execute("SET synchronous_commit = off").await?;
    let mut out = Vec::new();
    while let Work::Chunk(c) = queue.take_chunk() {
        let chunk = &queue.chunks[c];
        let t = &job.tables[chunk.table];
        let slot = &tracker.slots[chunk.table];
        slot.started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(Instant::now);
        source::lock_for_worker(&from, &t.name).await?;
        tracing::debug!(table = %t.name, blocks = ?chunk.blocks, "copy: rows start");
        let (rows, bytes) = copy_table(&from, &to, t, chunk.blocks, job.binary, slot)
            .await
            .map_err(|e| e.context(format!("copying the rows of {}", t.name)))?;
        tracing::debug!(table = %t.name, rows, "copy: rows done");
        let Some((rows, bytes)) = queue.chunk_done(c, rows, bytes) else {
            continue;
        };
        let started = *slot.started.lock().unwrap_or_else(|e| e.into_inner());
        let ms = started.map_or(0, |s| s.elapsed().as_millis() as u64);
        slot.rows.store(rows, Ordering::Relaxed);
        slot.bytes.store(bytes, Ordering::Relaxed);
        slot.ms.store(ms, Ordering::Relaxed);
        slot.done.store(true, Ordering::Relaxed);
        out.push(TableCopied {
            table: t.name.clone(),
            rows,
            bytes,
            ms,
        });
    }
    // The snapshot is no longer needed on this session.
    let _ = from.batch_execute("COMMIT").await;
    Ok(out)
}

/// Streams one table; returns (rows, bytes).
async fn copy_table(
    from: &Session,
    to: &Session,
    t: &TableJob,
    blocks: Option<(u64, Option<u64>)>,
    binary: bool,
    slot: &super::progress::Slot,
) -> Result<(u64, u64)> {
    let cols = if t.columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.columns.join(", "))
    };
    // A whole table is emptied and loaded in one transaction, so COPY can write its rows
    // frozen and all-visible: the index builds then set no hint bits, the first VACUUM has
    // nothing to do, and a target with wal_level = minimal writes no WAL for them.
    let whole = blocks.is_none();
    let options: Vec<&str> = [binary.then_some("FORMAT binary"), whole.then_some("FREEZE")]
        .into_iter()
        .flatten()
        .collect();
    let format = if binary { " (FORMAT binary)" } else { "" };
    // The user's condition (run on the source in the read-only snapshot transaction) and the
    // chunk's block range (numbers).
    let mut conditions: Vec<String> = t.filter.iter().map(|c| format!("({c})")).collect();
    if let Some((lo, hi)) = blocks {
        conditions.push(format!("ctid >= '({lo},0)'::tid"));
        if let Some(hi) = hi {
            conditions.push(format!("ctid < '({hi},0)'::tid"));
        }
    }
    let out_sql = if conditions.is_empty() {
        format!("COPY {}{cols} TO STDOUT{format}", t.name)
    } else {
        let list = if t.columns.is_empty() {
            "*".to_string()
        } else {
            t.columns.join(", ")
        };
        format!(
            "COPY (SELECT {list} FROM {} WHERE {}) TO STDOUT{format}",
            t.name,
            conditions.join(" AND ")
        )
    };
    let in_sql = if options.is_empty() {
        format!("COPY {}{cols} FROM STDIN", t.name)
    } else {
        format!("COPY {}{cols} FROM STDIN ({})", t.name, options.join(", "))
    };
    if whole {
        to.batch_execute(&format!("BEGIN; TRUNCATE ONLY {}", t.name))
            .await?;
    }
    let (stream, sink) = tokio::try_join!(
        async { from.copy_out(&out_sql).await.map_err(|e| from.error(e)) },
        async { to.copy_in(&in_sql).await.map_err(|e| to.error(e)) }
    )?;
    futures_util::pin_mut!(stream);
    futures_util::pin_mut!(sink);
    // The rows go on in messages of about 64 kB: COPY's input is a byte stream, and a message
    // per row (as the source sends them) costs this process and the target per row.
    let mut batch = BytesMut::with_capacity(BATCH + 8192);
    let (mut bytes, mut messages, mut reported) = (0u64, 0u64, (0u64, 0u64));
    let write = |e| ApiError::from(e).context("writing to the target");
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| from.error(e).context("reading from the source"))?;
        bytes += chunk.len() as u64;
        // One message per row (and, in binary, a header and a trailer).
        messages += 1;
        batch.extend_from_slice(&chunk);
        if batch.len() >= BATCH {
            // Other chunks of the table may count into the same slot.
            slot.rows
                .fetch_add(messages - reported.0, Ordering::Relaxed);
            slot.bytes.fetch_add(bytes - reported.1, Ordering::Relaxed);
            reported = (messages, bytes);
            sink.feed(batch.split().freeze()).await.map_err(write)?;
        }
    }
    if !batch.is_empty() {
        sink.feed(batch.split().freeze()).await.map_err(write)?;
    }
    let rows = sink.as_mut().finish().await.map_err(write)?;
    if whole {
        to.batch_execute("COMMIT").await.map_err(write)?;
    }
    Ok((rows, bytes))
}
