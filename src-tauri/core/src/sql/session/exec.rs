//! Running one statement of a script: rows stream in pages (a page waits at most
//! `PAGE_LINGER` for more rows), notices and column descriptions go out as they arrive, and the
//! command tag and transaction status come from the tap once the statement is done.
use super::super::spill::SqlResults;
use super::super::split::ScriptStatement;
use super::super::tap::{FieldDesc, TapEvent};
use super::super::{tag_row_count, RunEvent, RunOptions, SqlNotice, SqlRow};
use super::{closed_error, ms, SqlCanceller, SqlSession, PAGE_LINGER, RECOVER_TIMEOUT};
use crate::error::{ApiError, Result};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio_postgres::{SimpleQueryMessage, SimpleQueryRow, SimpleQueryStream};

/// Where one statement's events go. On the sink's first "stop" the statement is cancelled.
struct Events<'a, F> {
    index: u32,
    sink: &'a mut F,
    stop: &'a mut bool,
    canceller: SqlCanceller,
}

impl<F> Events<'_, F>
where
    F: FnMut(RunEvent) -> bool + Send,
{
    async fn emit(&mut self, ev: RunEvent) {
        if !(self.sink)(ev) && !*self.stop {
            *self.stop = true;
            let _ = self.canceller.send_request().await;
        }
    }

    fn stopped(&self) -> bool {
        *self.stop
    }
}

/// Rows waiting to go out as one page.
struct Pager {
    rows: Vec<SqlRow>,
    size: usize,
    /// `max_rows`: rows past it are not sent (only stored).
    cap: u64,
    forwarded: u64,
    /// Where every row also goes (when `max_rows` is set), while it takes them.
    spill: Option<SqlResults>,
    /// The linger timer runs for the rows in `rows`.
    lingering: bool,
}

impl Pager {
    fn new(opts: &RunOptions, spill: Option<SqlResults>) -> Pager {
        let size = opts.page_size.clamp(1, 100_000) as usize;
        Pager {
            rows: Vec::with_capacity(size.min(4096)),
            size,
            cap: opts.max_rows.map_or(u64::MAX, u64::from),
            forwarded: 0,
            spill,
            lingering: false,
        }
    }

    /// Stores the row; stops storing once the store refuses one (it says why).
    fn store(&mut self, row: &SimpleQueryRow) {
        if let Some(spill) = &self.spill {
            if !spill.lock().push((0..row.len()).map(|i| cell(row, i))) {
                self.spill = None;
            }
        }
    }

    async fn flush<F>(&mut self, events: &mut Events<'_, F>)
    where
        F: FnMut(RunEvent) -> bool + Send,
    {
        if !self.rows.is_empty() {
            let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(self.size.min(4096)));
            let index = events.index;
            events.emit(RunEvent::Rows { index, rows }).await;
        }
        self.lingering = false;
    }
}

/// What reading a statement's results found.
struct Outcome {
    fields: Vec<FieldDesc>,
    error: Option<tokio_postgres::Error>,
}

impl SqlSession {
    /// Runs one statement; returns the rows it returned or affected.
    pub(super) async fn exec<F>(
        &mut self,
        index: u32,
        st: &ScriptStatement,
        opts: &RunOptions,
        sink: &mut F,
        stop: &mut bool,
    ) -> Result<f64>
    where
        F: FnMut(RunEvent) -> bool + Send,
    {
        self.wait_quiet(RECOVER_TIMEOUT).await?;
        let started = Instant::now();
        self.sent += 1;
        self.in_flight = true;
        let stream = self
            .client
            .simple_query_raw(&st.sql)
            .await
            .map_err(|e| statement_error(e, st))?;
        let mut events = Events {
            index,
            sink,
            stop,
            canceller: self.canceller.clone(),
        };
        let spill = opts.max_rows.is_some().then(|| self.results.clone());
        if let Some(s) = &spill {
            s.lock().begin(index);
        }
        let outcome = self.read_results(stream, opts, spill, &mut events).await;
        let (rows_stored, stopped) = {
            let store = self.results.lock();
            (store.rows(index), store.stopped(index).map(str::to_owned))
        };
        if let (Some(why), Some(_)) = (&stopped, opts.max_rows) {
            let notice = SqlNotice {
                severity: "WARNING".into(),
                sqlstate: String::new(),
                message: format!("Grove kept only the first {rows_stored} rows: {why}"),
                detail: None,
                hint: Some("Export writes every row to a file.".into()),
            };
            events.emit(RunEvent::Notice { index, notice }).await;
        }
        // Every notice of this statement arrived before its ReadyForQuery.
        while let Ok(notice) = self.notices.try_recv() {
            events.emit(RunEvent::Notice { index, notice }).await;
        }
        let duration_ms = ms(started.elapsed());
        if let Some(e) = outcome.error {
            if e.as_db_error().is_some() {
                self.in_flight = false;
            }
            return Err(statement_error(e, st));
        }
        self.in_flight = false;
        let (tag, status) = self.take_completion();
        if status != b'E' {
            self.name_new_types(&outcome.fields, &mut events).await;
        }
        if is_ddl(&tag) {
            // Types may have been dropped, renamed or replaced.
            self.types.retain(|oid, _| *oid < 16384);
        }
        let rows_affected = tag_row_count(&tag).map(|n| n as f64);
        events
            .emit(RunEvent::StatementDone {
                index,
                tag,
                rows_affected,
                duration_ms,
                rows_stored: if opts.max_rows.is_some() {
                    rows_stored as f64
                } else {
                    0.0
                },
                truncated: opts.max_rows.is_some() && stopped.is_some(),
            })
            .await;
        Ok(rows_affected.unwrap_or(0.0))
    }

    /// Reads the statement's results to its end (or its first error), sending rows, columns
    /// and notices as they come.
    async fn read_results<F>(
        &mut self,
        stream: SimpleQueryStream,
        opts: &RunOptions,
        spill: Option<SqlResults>,
        events: &mut Events<'_, F>,
    ) -> Outcome
    where
        F: FnMut(RunEvent) -> bool + Send,
    {
        let index = events.index;
        let mut stream = std::pin::pin!(stream);
        let mut pager = Pager::new(opts, spill);
        let mut fields: Vec<FieldDesc> = Vec::new();
        let mut error: Option<tokio_postgres::Error> = None;
        let linger = tokio::time::sleep(Duration::from_secs(86400));
        let mut linger = std::pin::pin!(linger);

        loop {
            tokio::select! {
                biased;
                Some(notice) = self.notices.recv() => {
                    events.emit(RunEvent::Notice { index, notice }).await;
                }
                _ = &mut linger, if pager.lingering => {
                    pager.flush(events).await;
                }
                msg = stream.next() => match msg {
                    None => break,
                    Some(Ok(SimpleQueryMessage::Row(row))) => {
                        pager.store(&row);
                        if pager.forwarded < pager.cap && !events.stopped() {
                            pager.forwarded += 1;
                            pager.rows.push(cells(&row));
                            if pager.rows.len() >= pager.size {
                                pager.flush(events).await;
                            } else if !pager.lingering {
                                linger.as_mut().reset(tokio::time::Instant::now() + PAGE_LINGER);
                                pager.lingering = true;
                            }
                        }
                    }
                    Some(Ok(SimpleQueryMessage::RowDescription(_))) => {
                        pager.flush(events).await;
                        fields = self.take_row_description();
                        let columns = self.columns_of(&fields);
                        events.emit(RunEvent::Columns { index, columns }).await;
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        let fatal = e.as_db_error().is_none();
                        error = Some(e);
                        if !fatal {
                            // Read on to ReadyForQuery so the next query starts clean.
                            while let Some(m) = stream.next().await {
                                if m.is_err() {
                                    break;
                                }
                            }
                        }
                        break;
                    }
                }
            }
        }
        if !events.stopped() && !pager.rows.is_empty() {
            let rows = std::mem::take(&mut pager.rows);
            events.emit(RunEvent::Rows { index, rows }).await;
        }
        Outcome { fields, error }
    }

    /// The column descriptions the tap saw for the result set that just started.
    fn take_row_description(&self) -> Vec<FieldDesc> {
        let mut tap = self.tap.lock();
        while let Some(ev) = tap.events.pop_front() {
            if let TapEvent::RowDescription(d) = ev {
                return d;
            }
        }
        Vec::new()
    }

    /// The statement's command tag and the transaction status after it, from the tap.
    fn take_completion(&self) -> (String, u8) {
        let mut tap = self.tap.lock();
        let mut tag = String::new();
        let mut status = tap.status;
        while let Some(ev) = tap.events.pop_front() {
            match ev {
                TapEvent::CommandComplete(t) => tag = t,
                TapEvent::Ready(s) => {
                    status = s;
                    break;
                }
                _ => {}
            }
        }
        (tag, status)
    }

    /// New user-defined types: looks their names up now that the statement is done, and sends
    /// the columns again with them.
    async fn name_new_types<F>(&mut self, fields: &[FieldDesc], events: &mut Events<'_, F>)
    where
        F: FnMut(RunEvent) -> bool + Send,
    {
        let mut unknown: Vec<u32> = fields
            .iter()
            .map(|f| f.type_oid)
            .filter(|oid| !self.types.contains_key(oid))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if unknown.is_empty() {
            return;
        }
        let list = unknown
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        match self
            .internal(&format!(
                "SELECT oid::int8, format_type(oid, NULL) FROM pg_type WHERE oid IN ({list})"
            ))
            .await
        {
            Ok(rows) => {
                self.remember_types(&rows);
                let columns = self.columns_of(fields);
                let index = events.index;
                events.emit(RunEvent::Columns { index, columns }).await;
            }
            Err(e) => tracing::debug!("could not look up type names: {}", e.message),
        }
    }
}

fn is_ddl(tag: &str) -> bool {
    ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|w| tag.starts_with(w))
}

fn cell(row: &SimpleQueryRow, i: usize) -> Option<&str> {
    match row.try_get(i) {
        Ok(v) => v,
        // Only possible for bytes that are not UTF-8 (SQL_ASCII databases).
        Err(_) => Some("\u{FFFD}"),
    }
}

fn cells(row: &SimpleQueryRow) -> SqlRow {
    (0..row.len())
        .map(|i| cell(row, i).map(str::to_owned))
        .collect()
}

/// The server's error, with its position moved from the statement to the whole script.
fn statement_error(e: tokio_postgres::Error, st: &ScriptStatement) -> ApiError {
    let position = e.as_db_error().and_then(|db| match db.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
        // A position inside a function's internal query means nothing in the script.
        _ => None,
    });
    let closed = e.is_closed();
    let mut err = ApiError::from(e);
    if closed {
        err = closed_error();
    }
    err.position = position.map(|p| st.script_position(p));
    err
}
