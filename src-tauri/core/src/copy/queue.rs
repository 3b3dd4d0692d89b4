//! The work the copy's workers share: the tables' rows in chunks (a huge table in block
//! ranges, so that several workers share it), biggest tables first, for the row workers; the
//! statements building indexes, keys and foreign keys, for the index workers, who run each
//! as soon as its prerequisites are met, while other tables still copy.
//!
//! A job's prerequisites: tables whose rows are all in, and jobs done before it. A table's
//! indexes and keys need its rows; a foreign key needs the rows of both its tables and every
//! index and key of both (the referenced key exists, and it waits for no `CREATE INDEX`).
//! Running jobs hold tables: no two foreign keys that share a table run at once. `ADD FOREIGN
//! KEY` locks both its tables; with nothing else running on them (rows, indexes and other
//! foreign keys all done or held off), no two sessions wait for each other's locks.
use super::plan::TableJob;
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

/// A statement for the index workers.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Job {
    /// The table it builds on.
    pub table: usize,
    pub sql: String,
    pub foreign_key: bool,
    /// Tables whose rows must all be in first.
    pub rows_of: Vec<usize>,
    /// Jobs that must be done first.
    pub after: Vec<usize>,
    /// Tables no other running job may hold while it runs.
    pub holds: Vec<usize>,
}

/// The index workers' jobs: each table's index statements, then its foreign keys.
pub(super) fn jobs(tables: &[TableJob]) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut of_table: Vec<Vec<usize>> = vec![Vec::new(); tables.len()];
    for (t, tab) in tables.iter().enumerate() {
        for sql in &tab.indexes {
            of_table[t].push(jobs.len());
            jobs.push(Job {
                table: t,
                sql: sql.clone(),
                foreign_key: false,
                rows_of: vec![t],
                after: Vec::new(),
                holds: Vec::new(),
            });
        }
    }
    for (t, tab) in tables.iter().enumerate() {
        for (r, sql) in &tab.foreign_keys {
            let mut both = vec![t, *r];
            both.dedup();
            jobs.push(Job {
                table: t,
                sql: sql.clone(),
                foreign_key: true,
                after: both.iter().flat_map(|x| of_table[*x].clone()).collect(),
                holds: both.clone(),
                rows_of: both,
            });
        }
    }
    jobs
}

pub(super) enum Work {
    Chunk(usize),
    /// A job of `Queue::jobs`; `parallel`: fewer tasks than workers run, so the server may
    /// spend spare cores on it (a parallel index build costs more CPU in all: measured on PG
    /// 15, three indexes of a 225 MB table took 4.5 s of CPU in parallel, 3.3 s without).
    Job {
        job: usize,
        parallel: bool,
    },
    /// No job now, but chunks still to copy or jobs running will bring some.
    Wait,
    Done,
}

pub(super) struct Queue {
    pub chunks: Vec<Chunk>,
    /// Row workers; as many index workers run beside them.
    workers: usize,
    pub jobs: Vec<Job>,
    /// Per table, the jobs needing its rows; per job, the jobs after it.
    needs_rows: Vec<Vec<usize>>,
    dependents: Vec<Vec<usize>>,
    state: Mutex<State>,
    changed: Notify,
}

struct State {
    next_chunk: usize,
    copying: usize,
    /// Per job: prerequisites not met yet.
    blockers: Vec<usize>,
    /// Jobs whose prerequisites are met, in that order; jobs running; tables they hold.
    ready: Vec<usize>,
    running: usize,
    held: Vec<bool>,
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
        let jobs = jobs(tables);
        let mut needs_rows = vec![Vec::new(); tables.len()];
        let mut dependents = vec![Vec::new(); jobs.len()];
        for (j, job) in jobs.iter().enumerate() {
            job.rows_of.iter().for_each(|&t| needs_rows[t].push(j));
            job.after.iter().for_each(|&a| dependents[a].push(j));
        }
        let blockers: Vec<usize> = jobs
            .iter()
            .map(|j| j.rows_of.len() + j.after.len())
            .collect();
        Queue {
            chunks,
            workers,
            state: Mutex::new(State {
                next_chunk: 0,
                copying: 0,
                ready: (0..jobs.len()).filter(|&j| blockers[j] == 0).collect(),
                blockers,
                running: 0,
                held: vec![false; tables.len()],
                rows: vec![0; tables.len()],
                bytes: vec![0; tables.len()],
                left,
            }),
            jobs,
            needs_rows,
            dependents,
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

    /// For an index worker: a ready job whose tables no running job holds, `Wait`, or `Done`.
    /// Foreign keys go first, then the jobs they wait for: a long foreign key validated alone
    /// at the end leaves cores idle, while other tables' indexes can fill any gap. Report the
    /// job's end with `job_done`.
    pub fn take_job(&self) -> Work {
        let mut s = self.state();
        let rank = |j: usize| match (self.jobs[j].foreign_key, self.dependents[j].is_empty()) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        };
        let free = |s: &State, j: usize| self.jobs[j].holds.iter().all(|&t| !s.held[t]);
        let pick = (0..s.ready.len())
            .filter(|&k| free(&s, s.ready[k]))
            .min_by_key(|&k| rank(s.ready[k]));
        if let Some(k) = pick {
            let j = s.ready.remove(k);
            self.jobs[j].holds.iter().for_each(|&t| s.held[t] = true);
            s.running += 1;
            Work::Job {
                job: j,
                parallel: s.running + s.copying < self.workers,
            }
        } else if s.running > 0 || s.copying > 0 || s.next_chunk < self.chunks.len() {
            Work::Wait
        } else {
            Work::Done
        }
    }

    /// Job `j` is done: its tables are free, the jobs after it may be ready.
    pub fn job_done(&self, j: usize) {
        let mut s = self.state();
        s.running -= 1;
        self.jobs[j].holds.iter().for_each(|&t| s.held[t] = false);
        for &d in &self.dependents[j] {
            s.unblock(d);
        }
        drop(s);
        self.changed.notify_waiters();
    }

    /// Chunk `c` is in with `rows` and `bytes`. When it was its table's last, the jobs
    /// needing the table's rows may be ready, and its totals are returned.
    pub fn chunk_done(&self, c: usize, rows: u64, bytes: u64) -> Option<(u64, u64)> {
        let t = self.chunks[c].table;
        let mut s = self.state();
        s.copying -= 1;
        s.rows[t] += rows;
        s.bytes[t] += bytes;
        s.left[t] -= 1;
        let done = (s.left[t] == 0).then(|| (s.rows[t], s.bytes[t]));
        if done.is_some() {
            for &j in &self.needs_rows[t] {
                s.unblock(j);
            }
        }
        drop(s);
        self.changed.notify_waiters();
        done
    }
}

impl State {
    fn unblock(&mut self, j: usize) {
        self.blockers[j] -= 1;
        if self.blockers[j] == 0 {
            self.ready.push(j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, indexes: &[&str], fks: &[(usize, &str)]) -> TableJob {
        TableJob {
            name: name.into(),
            columns: Vec::new(),
            estimated_rows: None,
            filter: None,
            indexes: indexes.iter().map(|s| s.to_string()).collect(),
            foreign_keys: fks.iter().map(|(r, s)| (*r, s.to_string())).collect(),
            pages: 0,
        }
    }

    fn job(q: &Queue) -> Option<&str> {
        match q.take_job() {
            Work::Job { job, .. } => Some(&q.jobs[job].sql),
            _ => None,
        }
    }

    fn id(q: &Queue, sql: &str) -> usize {
        q.jobs.iter().position(|j| j.sql == sql).unwrap()
    }

    #[test]
    fn a_foreign_key_waits_for_both_tables_rows_and_keys() {
        // a references b; b references itself.
        let q = Queue::new(
            &[
                table("a", &["a_pk"], &[(1, "a_b")]),
                table("b", &["b_pk", "b_x"], &[(1, "b_b")]),
            ],
            2,
            None,
        );
        assert!(matches!(q.take_chunk(), Work::Chunk(0)));
        assert!(matches!(q.take_job(), Work::Wait));
        q.chunk_done(0, 1, 1);
        assert_eq!(job(&q), Some("a_pk"));
        q.job_done(id(&q, "a_pk"));
        // b's rows are not in.
        assert!(matches!(q.take_job(), Work::Wait));
        assert!(matches!(q.take_chunk(), Work::Chunk(1)));
        q.chunk_done(1, 1, 1);
        assert_eq!(job(&q), Some("b_pk"));
        assert_eq!(job(&q), Some("b_x"));
        assert!(matches!(q.take_job(), Work::Wait));
        q.job_done(id(&q, "b_pk"));
        // b_x still running.
        assert!(matches!(q.take_job(), Work::Wait));
        q.job_done(id(&q, "b_x"));
        // Both foreign keys hold b: one at a time.
        assert_eq!(job(&q), Some("a_b"));
        assert!(matches!(q.take_job(), Work::Wait));
        q.job_done(id(&q, "a_b"));
        assert_eq!(job(&q), Some("b_b"));
        assert!(matches!(q.take_job(), Work::Wait));
        q.job_done(id(&q, "b_b"));
        assert!(matches!(q.take_job(), Work::Done));
    }

    #[test]
    fn foreign_keys_of_other_tables_run_together() {
        let q = Queue::new(
            &[
                table("a", &[], &[(1, "a_b")]),
                table("b", &[], &[]),
                table("c", &[], &[(3, "c_d")]),
                table("d", &[], &[(2, "d_c")]),
            ],
            1,
            None,
        );
        for c in 0..4 {
            assert!(matches!(q.take_chunk(), Work::Chunk(_)));
            q.chunk_done(c, 0, 0);
        }
        assert_eq!(job(&q), Some("a_b"));
        assert_eq!(job(&q), Some("c_d"));
        // d_c would lock c and d the other way round.
        assert!(matches!(q.take_job(), Work::Wait));
        q.job_done(id(&q, "c_d"));
        assert_eq!(job(&q), Some("d_c"));
        q.job_done(id(&q, "a_b"));
        q.job_done(id(&q, "d_c"));
        assert!(matches!(q.take_job(), Work::Done));
        assert!(matches!(q.take_chunk(), Work::Done));
    }

    #[test]
    fn foreign_keys_and_what_they_wait_for_go_first_and_only_a_lone_job_runs_in_parallel() {
        // a references b; c's index is ready first, and before the foreign key.
        let q = Queue::new(
            &[
                table("c", &["c_x"], &[]),
                table("a", &["a_x"], &[(2, "a_b")]),
                table("b", &["b_pk"], &[]),
            ],
            2,
            None,
        );
        for c in 0..3 {
            assert!(matches!(q.take_chunk(), Work::Chunk(_)));
            q.chunk_done(c, 0, 0);
        }
        let (first, parallel) = match q.take_job() {
            Work::Job { job, parallel } => (q.jobs[job].sql.as_str(), parallel),
            _ => panic!("a job is ready"),
        };
        assert_eq!((first, parallel), ("a_x", true));
        assert!(matches!(
            q.take_job(),
            Work::Job {
                parallel: false,
                ..
            }
        ));
        q.job_done(id(&q, "a_x"));
        q.job_done(id(&q, "b_pk"));
        assert_eq!(job(&q), Some("a_b"));
        assert_eq!(job(&q), Some("c_x"));
    }
}
