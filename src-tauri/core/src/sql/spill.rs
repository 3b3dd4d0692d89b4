//! Every row of a run's statements, kept on local disk so the editor can show any range of a
//! result however large it is, while memory stays flat.
//!
//! One anonymous temporary file per run (`tempfile::tempfile`: unlinked at once, so only this
//! process can read it and nothing is left behind). Statements run one after another, so each
//! one's rows are a contiguous stretch of the file. A row is its cell count then, per cell, a
//! varint that is 0 for NULL or the byte length + 1, then the bytes. A sparse index (the file
//! offset of every `INDEX_EVERY`th row) lets a range be read with one seek and a short skip.
//!
//! Writing never fails a run: on an I/O error (a full disk) or past the size limit the store
//! stops taking rows, keeps what it has and says why (`Segment::stopped`).
use super::SqlRow;
use crate::error::{ApiError, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// One index entry per this many rows: 1M rows cost 4k offsets (32 KB).
pub(crate) const INDEX_EVERY: u64 = 256;
/// Encoded rows are written out in chunks of about this size.
const CHUNK: usize = 64 * 1024;
/// The most a run stores on disk; past it rows are dropped (`truncated`).
pub(crate) const DEFAULT_LIMIT: u64 = 16 << 30;

/// One statement's rows in the file.
#[derive(Debug, Default)]
struct Segment {
    /// File offset of row `k * INDEX_EVERY`, for every k up to the rows stored.
    index: Vec<u64>,
    /// Rows safely in the file (or in the write buffer, which belongs to the latest segment).
    rows: u64,
    /// Why the store stopped taking this statement's rows, if it did.
    stopped: Option<String>,
}

/// A run's rows on disk (see the module docs).
#[derive(Debug)]
pub struct SpillStore {
    /// Created on the first write: most runs never fill a chunk and never fetch.
    file: Option<File>,
    /// Bytes in the file.
    file_len: u64,
    /// Encoded rows of the latest segment not yet written out.
    buf: Vec<u8>,
    /// Rows of the latest segment in `buf`.
    buf_rows: u64,
    limit: u64,
    segments: BTreeMap<u32, Segment>,
    current: Option<u32>,
    /// A store that failed to write takes no more rows, for any statement.
    failed: Option<String>,
}

impl SpillStore {
    /// An empty store that keeps at most `limit` bytes.
    pub fn new(limit: u64) -> SpillStore {
        SpillStore {
            file: None,
            file_len: 0,
            buf: Vec::new(),
            buf_rows: 0,
            limit,
            segments: BTreeMap::new(),
            current: None,
            failed: None,
        }
    }

    /// Starts storing statement `index`'s rows.
    pub fn begin(&mut self, index: u32) {
        self.write_out();
        self.segments.insert(index, Segment::default());
        self.current = Some(index);
    }

    /// Stores a row of the current statement. False once the store takes no more rows.
    pub fn push<'a>(&mut self, cells: impl ExactSizeIterator<Item = Option<&'a str>>) -> bool {
        let Some(index) = self.current else {
            return false;
        };
        if let Some(why) = &self.failed {
            let why = why.clone();
            let seg = self.segments.get_mut(&index).expect("current segment");
            seg.stopped.get_or_insert(why);
            return false;
        }
        if self.segments[&index].stopped.is_some() {
            return false;
        }
        let at = self.file_len + self.buf.len() as u64;
        let mark = self.buf.len();
        put_varint(&mut self.buf, cells.len() as u64);
        for c in cells {
            match c {
                None => put_varint(&mut self.buf, 0),
                Some(s) => {
                    put_varint(&mut self.buf, s.len() as u64 + 1);
                    self.buf.extend_from_slice(s.as_bytes());
                }
            }
        }
        let seg = self.segments.get_mut(&index).expect("current segment");
        if self.file_len + self.buf.len() as u64 > self.limit {
            self.buf.truncate(mark);
            seg.stopped = Some(format!(
                "the rows stored on local disk reached the limit of {} MB",
                self.limit >> 20
            ));
            return false;
        }
        if seg.rows.is_multiple_of(INDEX_EVERY) {
            seg.index.push(at);
        }
        seg.rows += 1;
        self.buf_rows += 1;
        if self.buf.len() >= CHUNK {
            self.write_out();
        }
        self.segments[&index].stopped.is_none()
    }

    /// Rows stored for statement `index` (0 for a statement that stored none).
    pub fn rows(&self, index: u32) -> u64 {
        self.segments.get(&index).map_or(0, |s| s.rows)
    }

    /// Why statement `index`'s rows stopped being stored, if they did.
    pub fn stopped(&self, index: u32) -> Option<&str> {
        self.segments.get(&index)?.stopped.as_deref()
    }

    /// The index entries kept, over every statement (to check memory stays small).
    pub fn index_len(&self) -> usize {
        self.segments.values().map(|s| s.index.len()).sum()
    }

    /// Up to `limit` rows of statement `index` from row `offset` (0-based); fewer at the end.
    pub fn read(&mut self, index: u32, offset: u64, limit: usize) -> Result<Vec<SqlRow>> {
        self.write_out();
        let Some(seg) = self.segments.get(&index) else {
            return Ok(Vec::new());
        };
        if offset >= seg.rows || limit == 0 {
            return Ok(Vec::new());
        }
        let want = (seg.rows - offset).min(limit as u64) as usize;
        let start = seg.index[(offset / INDEX_EVERY) as usize];
        let skip = offset % INDEX_EVERY;
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| ApiError::internal("the stored rows are gone"))?;
        let io = |e: std::io::Error| ApiError::internal(format!("reading stored rows: {e}"));
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut r = BufReader::with_capacity(CHUNK, &mut *file);
        for _ in 0..skip {
            read_row(&mut r).map_err(io)?;
        }
        let mut out = Vec::with_capacity(want);
        for _ in 0..want {
            out.push(read_row(&mut r).map_err(io)?);
        }
        drop(r);
        // Appends continue at the end.
        file.seek(SeekFrom::Start(self.file_len)).map_err(io)?;
        Ok(out)
    }

    /// Writes the buffered rows to the file. On failure the store keeps what it has, drops
    /// those rows, and takes no more.
    fn write_out(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let written = (|| -> std::io::Result<()> {
            if self.file.is_none() {
                self.file = Some(tempfile::tempfile()?);
            }
            self.file.as_mut().expect("just set").write_all(&self.buf)
        })();
        match written {
            Ok(()) => self.file_len += self.buf.len() as u64,
            Err(e) => self.fail(format!("could not store more rows on local disk: {e}")),
        }
        self.buf.clear();
        self.buf_rows = 0;
    }

    /// Forgets the rows in `buf` (the file may hold part of them; they are never read).
    fn fail(&mut self, why: String) {
        tracing::warn!("{why}");
        if let Some(seg) = self.current.and_then(|i| self.segments.get_mut(&i)) {
            seg.rows -= self.buf_rows;
            seg.index.truncate(seg.rows.div_ceil(INDEX_EVERY) as usize);
            seg.stopped.get_or_insert_with(|| why.clone());
        }
        if let Some(f) = &mut self.file {
            // A partial write moved the cursor; later reads seek anyway.
            let _ = f.seek(SeekFrom::Start(self.file_len));
        }
        self.failed = Some(why);
    }

    /// Makes the next write fail, as a full disk would, keeping what is stored readable
    /// (tests): the file is swapped for a read-only copy.
    #[cfg(test)]
    fn break_disk(&mut self, dir: &std::path::Path) {
        use std::io::Read;
        self.write_out();
        let mut bytes = Vec::new();
        let f = self.file.as_mut().expect("a file");
        f.seek(SeekFrom::Start(0)).unwrap();
        f.read_to_end(&mut bytes).unwrap();
        let path = dir.join("read-only");
        std::fs::write(&path, bytes).expect("copy");
        let mut ro = File::open(&path).expect("open read-only");
        ro.seek(SeekFrom::End(0)).unwrap();
        self.file = Some(ro);
    }
}

/// A session's latest run's stored rows, shared so they can be read while the next statement
/// runs or while the session is busy (the app reads them without locking the session).
#[derive(Clone, Debug)]
pub struct SqlResults(Arc<Mutex<SpillStore>>);

impl Default for SqlResults {
    fn default() -> Self {
        SqlResults(Arc::new(Mutex::new(SpillStore::new(DEFAULT_LIMIT))))
    }
}

impl SqlResults {
    pub(crate) fn lock(&self) -> MutexGuard<'_, SpillStore> {
        // A poisoned lock only means a panic elsewhere; the store stays consistent.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Forgets the previous run's rows (and closes its file).
    pub(crate) fn reset(&self, limit: u64) {
        *self.lock() = SpillStore::new(limit);
    }

    /// Up to `limit` rows of statement `index` of the latest run, from row `offset`.
    pub fn fetch(&self, index: u32, offset: u64, limit: usize) -> Result<Vec<SqlRow>> {
        self.lock().read(index, offset, limit)
    }

    /// Rows of statement `index` of the latest run that `fetch` can read.
    pub fn stored(&self, index: u32) -> u64 {
        self.lock().rows(index)
    }
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn get_varint(r: &mut impl BufRead) -> std::io::Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let mut b = [0u8];
        r.read_exact(&mut b)?;
        v |= u64::from(b[0] & 0x7f) << shift;
        if b[0] < 0x80 {
            return Ok(v);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "bad length in stored rows",
    ))
}

fn read_row(r: &mut impl BufRead) -> std::io::Result<SqlRow> {
    let n = get_varint(r)?;
    let mut row = Vec::with_capacity(n.min(4096) as usize);
    for _ in 0..n {
        match get_varint(r)? {
            0 => row.push(None),
            len => {
                let mut bytes = vec![0u8; (len - 1) as usize];
                r.read_exact(&mut bytes)?;
                // Stored from &str: always UTF-8.
                let s = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                row.push(Some(s));
            }
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn push(s: &mut SpillStore, row: &[Option<&str>]) -> bool {
        s.push(row.iter().copied())
    }

    fn owned(row: &[Option<&str>]) -> SqlRow {
        row.iter().map(|c| c.map(str::to_owned)).collect()
    }

    #[test]
    fn values_round_trip_exactly() {
        let big = "x".repeat(3 * CHUNK);
        let rows: Vec<Vec<Option<&str>>> = vec![
            vec![None, Some(""), Some("NULL")],
            vec![Some("héllo wörld ✓ 🌳"), None, Some("\0\n\t")],
            vec![Some(&big), Some("a"), None],
            vec![],
            vec![Some("last"), Some(""), Some("")],
        ];
        let mut s = SpillStore::new(DEFAULT_LIMIT);
        s.begin(0);
        for r in &rows {
            assert!(push(&mut s, r));
        }
        assert_eq!(s.rows(0), 5);
        let back = s.read(0, 0, 100).unwrap();
        assert_eq!(back, rows.iter().map(|r| owned(r)).collect::<Vec<_>>());
        assert_eq!(s.read(0, 4, 10).unwrap(), vec![owned(&rows[4])]);
        assert!(s.read(0, 5, 10).unwrap().is_empty());
        assert!(
            s.read(7, 0, 10).unwrap().is_empty(),
            "an unknown statement has no rows"
        );
    }

    #[test]
    fn random_ranges_of_several_statements_read_back() {
        let mut s = SpillStore::new(DEFAULT_LIMIT);
        let counts = [10_000u64, 0, 3, 777];
        for (i, n) in counts.iter().enumerate() {
            s.begin(i as u32);
            for r in 0..*n {
                let v = format!("{i}:{r}");
                let cells = [Some(v.as_str()), r.is_multiple_of(3).then_some("third")];
                assert!(push(&mut s, &cells));
            }
        }
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..300 {
            let i = rng.gen_range(0..counts.len());
            let n = s.rows(i as u32);
            let offset = rng.gen_range(0..=n + 2);
            let limit = rng.gen_range(0..1200usize);
            let got = s.read(i as u32, offset, limit).unwrap();
            let expect = n.saturating_sub(offset).min(limit as u64);
            assert_eq!(
                got.len() as u64,
                expect,
                "stmt {i} offset {offset} limit {limit}"
            );
            for (k, row) in got.iter().enumerate() {
                let r = offset + k as u64;
                assert_eq!(row[0].as_deref(), Some(format!("{i}:{r}").as_str()));
                assert_eq!(row[1].is_some(), r.is_multiple_of(3));
            }
            // Reading in between does not disturb the rows still being written.
            if i == counts.len() - 1 {
                let v = format!("{i}:{}", s.rows(i as u32));
                let r = s.rows(i as u32);
                let third = r.is_multiple_of(3).then_some("third");
                assert!(push(&mut s, &[Some(v.as_str()), third]));
            }
        }
    }

    #[test]
    fn a_million_rows_keep_memory_flat() {
        let mut s = SpillStore::new(DEFAULT_LIMIT);
        s.begin(0);
        for r in 0..1_000_000u64 {
            let v = r.to_string();
            assert!(s.push([Some(v.as_str())].into_iter()));
        }
        assert_eq!(s.rows(0), 1_000_000);
        // What stays in memory: one offset per 256 rows and at most one chunk of rows.
        assert_eq!(s.index_len() as u64, 1_000_000u64.div_ceil(INDEX_EVERY));
        assert!(s.buf.capacity() <= 2 * CHUNK, "{}", s.buf.capacity());
        let tail = s.read(0, 999_950, 100).unwrap();
        assert_eq!(tail.len(), 50);
        assert_eq!(tail[49][0].as_deref(), Some("999999"));
        assert_eq!(
            s.read(0, 123_456, 1).unwrap()[0][0].as_deref(),
            Some("123456")
        );
    }

    #[test]
    fn the_size_limit_keeps_what_fits_and_says_so() {
        let mut s = SpillStore::new(1000);
        s.begin(0);
        let mut stored = 0;
        while push(&mut s, &[Some("0123456789")]) {
            stored += 1;
            assert!(stored < 1000, "the limit never stopped the store");
        }
        assert_eq!(stored, 1000 / 12);
        assert_eq!(s.rows(0), stored);
        assert!(
            s.stopped(0).unwrap().contains("limit"),
            "{:?}",
            s.stopped(0)
        );
        assert_eq!(s.read(0, stored - 1, 5).unwrap().len(), 1);
    }

    #[test]
    fn a_failed_write_keeps_the_rows_stored_before_it() {
        let mut s = SpillStore::new(DEFAULT_LIMIT);
        s.begin(0);
        let big = "y".repeat(1000);
        for _ in 0..100 {
            assert!(push(&mut s, &[Some(&big)]));
        }
        let before = s.rows(0);
        let dir = tempfile::tempdir().unwrap();
        s.break_disk(dir.path());
        let on_disk = s.file_len;
        let mut more = 0;
        while push(&mut s, &[Some(&big)]) {
            more += 1;
            assert!(more < 1000, "the store never noticed the failed write");
        }
        assert!(s.stopped(0).unwrap().contains("could not store"));
        assert_eq!(s.file_len, on_disk);
        let kept = s.rows(0);
        assert_eq!(kept, before);
        assert_eq!(s.read(0, 0, usize::MAX).unwrap().len() as u64, kept);
        // Later statements store nothing and say why.
        s.begin(1);
        assert!(!push(&mut s, &[Some("z")]));
        assert!(s.stopped(1).is_some());
        assert_eq!(s.rows(1), 0);
    }
}
