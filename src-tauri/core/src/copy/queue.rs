//! The work the copy's workers share: the tables' rows in chunks (a huge table in block
//! ranges, so that several workers share it), biggest tables first, for the row workers; the
//! index statements of tables whose rows are all in, for the index workers, who build them
//! while other tables still copy.
use super::plan::TableJob;
use std::collections::VecDeque;
use std::sync::Mutex;
use tokio::sync::futures::Notified;
use tokio::sync::Notify;

/// By default, a table of more pages than this is copied in block ranges (when the source
/// can scan a range of blocks: PostgreSQL 14 and later). Not smaller: sessions loading one
/// table contend for its extension lock (measured: 4 GB with 128 MB ranges took 18% more
/// server CPU than whole tables).
pub const SPLIT_PAGES: u64 = 256 << 10; // 2 GB

/// Part of a table's rows.
pub(super) struct Chunk {
    pub table: usize,
    /// Blocks `[from, to)`; `to` of the last range is open, for pages added since the size
    /// was read. `None`: the whole table.
    pub blocks: Option<(u64, Option<u64>)>,
}

pub(super) enum Work {
    Chunk(usize),
    /// A table's index statement.
    Index(usize, String),
    /// No index statement now, but chunks still to copy will bring some.
    Wait,
    Done,
}

pub(super) struct Queue {
    pub chunks: Vec<Chunk>,
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    next_chunk: usize,
    copying: usize,
    ready: VecDeque<(usize, String)>,
    /// Per table: chunks not copied yet, and rows and bytes copied so far.
    left: Vec<usize>,
    rows: Vec<u64>,
    bytes: Vec<u64>,
}

impl Queue {
    /// `split`: tables of more pages than this are split, in as many ranges as workers.
    pub fn new(tables: &[TableJob], workers: usize, split: Option<u64>) -> Queue {
        let mut chunks = Vec::new();
        let mut left = Vec::with_capacity(tables.len());
        for (i, t) in tables.iter().enumerate() {
            let parts = match split {
                Some(above) if t.pages > above => {
                    (t.pages / above.max(1)).clamp(1, workers.max(1) as u64)
                }
                _ => 1,
            };
            left.push(parts as usize);
            if parts == 1 {
                chunks.push(Chunk {
                    table: i,
                    blocks: None,
                });
                continue;
            }
            for k in 0..parts {
                let from = t.pages * k / parts;
                let to = (k + 1 < parts).then(|| t.pages * (k + 1) / parts);
                chunks.push(Chunk {
                    table: i,
                    blocks: Some((from, to)),
                });
            }
        }
        Queue {
            chunks,
            state: Mutex::new(State {
                next_chunk: 0,
                copying: 0,
                ready: VecDeque::new(),
                rows: vec![0; tables.len()],
                bytes: vec![0; tables.len()],
                left,
            }),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A future that resolves at the next change; create it (and `enable` it) before `take`,
    /// so that a change in between is not missed.
    pub fn listen(&self) -> Notified<'_> {
        self.changed.notified()
    }

    /// For a row worker: the next chunk, or `Done`.
    pub fn take_chunk(&self) -> Work {
        let mut s = self.state();
        if s.next_chunk < self.chunks.len() {
            s.next_chunk += 1;
            s.copying += 1;
            Work::Chunk(s.next_chunk - 1)
        } else {
            Work::Done
        }
    }

    /// For an index worker: the next index statement, `Wait`, or `Done`.
    pub fn take_index(&self) -> Work {
        let mut s = self.state();
        if let Some((t, sql)) = s.ready.pop_front() {
            Work::Index(t, sql)
        } else if s.copying > 0 || s.next_chunk < self.chunks.len() {
            Work::Wait
        } else {
            Work::Done
        }
    }

    /// Chunk `c` is in with `rows` and `bytes`. When it was its table's last, the table's
    /// index statements become ready and its totals are returned.
    pub fn chunk_done(
        &self,
        c: usize,
        rows: u64,
        bytes: u64,
        indexes: &[String],
    ) -> Option<(u64, u64)> {
        let t = self.chunks[c].table;
        let mut s = self.state();
        s.copying -= 1;
        s.rows[t] += rows;
        s.bytes[t] += bytes;
        s.left[t] -= 1;
        let done = (s.left[t] == 0).then(|| (s.rows[t], s.bytes[t]));
        if done.is_some() {
            s.ready.extend(indexes.iter().map(|sql| (t, sql.clone())));
        }
        drop(s);
        self.changed.notify_waiters();
        done
    }
}
