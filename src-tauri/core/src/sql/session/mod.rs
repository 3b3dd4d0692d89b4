//! `SqlSession`: one long-lived connection per editor tab. SET, temporary tables and
//! transactions carry over between runs.
//!
//! Each statement of a script goes to the server as its own simple-protocol query, so values
//! arrive as text (exactly as the server prints them), rows stream with back-pressure (memory
//! stays flat however large the result), and errors, timing and notices belong to one statement.
//! The connection is driven with `poll_message`, which hands us NOTICEs (`connect.rs`); column
//! types, command tags and the transaction status come from the stream tap (see `tap.rs`).
//! `exec.rs` runs one statement.
mod connect;
mod exec;

use super::spill::{self, SqlResults};
use super::split;
use super::tap::{FieldDesc, Tap, TapEvent, TapShared};
use super::{
    history, ColumnInfo, RunEvent, RunOptions, RunResult, RunSummary, SqlNotice, SqlRow, SqlTarget,
    TxStatus,
};
use crate::conn::{self, ConnectionFields};
use crate::error::{ApiError, ErrorCode, Result};
use crate::store::Store;
use connect::open_stream;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_postgres::{NoTls, SimpleQueryMessage, SimpleQueryRow};

/// How long a page of rows may wait for more rows before it is sent anyway.
const PAGE_LINGER: Duration = Duration::from_millis(50);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for an abandoned statement to finish after cancelling it.
const RECOVER_TIMEOUT: Duration = Duration::from_secs(30);

/// Cancels what a session is running, from anywhere (it does not borrow the session).
#[derive(Clone)]
pub struct SqlCanceller {
    token: tokio_postgres::CancelToken,
    fields: ConnectionFields,
    requested: Arc<AtomicBool>,
}

impl SqlCanceller {
    /// Sends a PostgreSQL cancel request for the running statement and stops the rest of the
    /// script. Returns once the request is sent; the run then ends with SQLSTATE 57014.
    pub async fn cancel(&self) -> Result<()> {
        self.requested.store(true, Ordering::SeqCst);
        self.send_request().await
    }

    async fn send_request(&self) -> Result<()> {
        let stream = open_stream(&self.fields).await?;
        self.token
            .cancel_query_raw(stream, NoTls)
            .await
            .map_err(|e| ApiError::from(e).context("sending the cancel request"))
    }
}

/// An editor tab's connection. Not `Sync`-shared: put it behind a mutex and keep its
/// `canceller()` outside.
pub struct SqlSession {
    client: tokio_postgres::Client,
    tap: Arc<TapShared>,
    notices: mpsc::UnboundedReceiver<SqlNotice>,
    canceller: SqlCanceller,
    target: SqlTarget,
    history: Option<Store>,
    /// Queries sent; each ends with exactly one ReadyForQuery.
    sent: u64,
    /// A statement was sent and its result not read to the end (its future was dropped).
    in_flight: bool,
    /// format_type names by type OID.
    types: HashMap<u32, String>,
    types_loaded: bool,
    /// Before PostgreSQL 14 the server does not report default_transaction_read_only.
    read_only_set: bool,
    /// The latest run's rows, on local disk.
    results: SqlResults,
}

impl Drop for SqlSession {
    fn drop(&mut self) {
        // Dropping the client ends the connection once outstanding work is read; don't let an
        // abandoned statement run on.
        if self.in_flight {
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                let c = self.canceller.clone();
                rt.spawn(async move {
                    let _ = c.send_request().await;
                });
            }
        }
    }
}

impl SqlSession {
    /// Connects to `target.fields.database`. Protected targets open with
    /// `default_transaction_read_only = on`. With `history`, every run is recorded there.
    pub async fn open(target: &SqlTarget, history: Option<Store>) -> Result<SqlSession> {
        let f = &target.fields;
        f.validate()?;
        let where_ = format!("{}@{}:{}/{}", f.user, f.host, f.port, f.database);
        let connecting = async {
            let stream = open_stream(f).await?;
            let tap = Arc::new(TapShared::default());
            let mut cfg = tokio_postgres::Config::new();
            cfg.user(&f.user)
                .dbname(&f.database)
                .application_name("grove sql")
                .ssl_mode(tokio_postgres::config::SslMode::Disable);
            if target.protected {
                cfg.options("-c default_transaction_read_only=on");
            }
            let password = target.password.clone().or_else(|| conn::pgpass_lookup(f));
            if let Some(p) = &password {
                cfg.password(p);
            }
            let (client, connection) = cfg
                .connect_raw(Tap::new(stream, tap.clone()), NoTls)
                .await
                .map_err(|e| {
                    let err = ApiError::from(e);
                    if err.sqlstate.is_some() || err.code == ErrorCode::AuthFailed {
                        err
                    } else {
                        err.context(format!("connecting to {where_}"))
                    }
                })?;
            Ok::<_, ApiError>((client, connection, tap))
        };
        let (client, connection, tap) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
            .await
            .map_err(|_| {
            ApiError::new(
                ErrorCode::Unreachable,
                format!("connecting to {where_} timed out"),
            )
        })??;
        let (tx, notices) = mpsc::unbounded_channel();
        connect::spawn_driver(connection, tap.clone(), tx);
        let sent = tap.lock().ready_count;
        let canceller = SqlCanceller {
            token: client.cancel_token(),
            fields: f.clone(),
            requested: Arc::new(AtomicBool::new(false)),
        };
        Ok(SqlSession {
            client,
            tap,
            notices,
            canceller,
            target: SqlTarget {
                password: None,
                ..target.clone()
            },
            history,
            sent,
            in_flight: false,
            types: HashMap::new(),
            types_loaded: false,
            read_only_set: target.protected,
            results: SqlResults::default(),
        })
    }

    /// What this session is connected to (without the password).
    pub fn target(&self) -> &SqlTarget {
        &self.target
    }

    pub fn canceller(&self) -> SqlCanceller {
        self.canceller.clone()
    }

    /// The latest run's stored rows, readable while the session is busy with the next one
    /// (each run replaces them).
    pub fn results(&self) -> SqlResults {
        self.results.clone()
    }

    /// Up to `limit` rows of statement `index` of the latest run, from row `offset`
    /// (0-based), read from local disk; fewer (or none) past the rows stored.
    pub fn fetch_rows(&self, index: u32, offset: u64, limit: usize) -> Result<Vec<SqlRow>> {
        self.results.fetch(index, offset, limit)
    }

    pub fn server_version(&self) -> Option<String> {
        self.tap.lock().server_version.clone()
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed() || self.tap.lock().closed
    }

    pub fn tx_status(&self) -> TxStatus {
        if self.is_closed() {
            return TxStatus::Closed;
        }
        match self.tap.lock().status {
            b'T' => TxStatus::InTransaction,
            b'E' => TxStatus::Failed,
            _ => TxStatus::Idle,
        }
    }

    /// Whether new transactions are read-only (as the server reports it, so a user's own
    /// `SET default_transaction_read_only` shows too).
    pub fn read_only(&self) -> bool {
        self.tap.lock().read_only.unwrap_or(self.read_only_set)
    }

    /// Lifts the read-only protection of a protected branch for this session (or puts it
    /// back). Only between transactions: inside one, a ROLLBACK would undo it.
    pub async fn set_read_only(&mut self, read_only: bool) -> Result<()> {
        match self.tx_status() {
            TxStatus::Idle => {}
            TxStatus::Closed => return Err(closed_error()),
            _ => {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    "finish the open transaction (COMMIT or ROLLBACK) first",
                ))
            }
        }
        let value = if read_only { "on" } else { "off" };
        self.internal(&format!("SET default_transaction_read_only = {value}"))
            .await?;
        self.read_only_set = read_only;
        Ok(())
    }

    /// Turns read-only protection off for this session.
    pub async fn unlock(&mut self) -> Result<()> {
        self.set_read_only(false).await
    }

    pub(super) fn client(&self) -> &tokio_postgres::Client {
        &self.client
    }

    /// Waits (briefly) for a command tag starting with `prefix` from a query run directly on
    /// `client()` (export's COPY), and returns it.
    pub(super) async fn wait_for_tag(&self, prefix: &str) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let notified = self.tap.ready.notified();
            {
                let tap = self.tap.lock();
                let tag = tap.events.iter().rev().find_map(|e| match e {
                    TapEvent::CommandComplete(t) if t.starts_with(prefix) => Some(t.clone()),
                    _ => None,
                });
                if tag.is_some() || tap.closed {
                    return tag;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Runs a script, statement by statement, sending events to `sink` as they happen. The
    /// first failing statement stops the script. `sink` returns false to stop: the running
    /// statement is cancelled and the rest skipped. Records the run in history.
    pub async fn run<F>(&mut self, script: &str, opts: &RunOptions, mut sink: F) -> RunSummary
    where
        F: FnMut(RunEvent) -> bool + Send,
    {
        let started = Instant::now();
        let started_at = chrono::Utc::now();
        let statements = split::split_statements(script);
        let mut summary = RunSummary {
            statements_done: 0,
            statements_total: statements.len() as u32,
            rows: 0.0,
            duration_ms: 0.0,
            tx_status: TxStatus::Idle,
            error: None,
        };
        let mut stop = false;
        self.results.reset(spill::DEFAULT_LIMIT);
        // A cancel from here on stops this run, even one that lands between statements.
        self.canceller.requested.store(false, Ordering::SeqCst);
        let prepared = self.prepare_run().await;
        for (i, st) in statements.iter().enumerate() {
            let index = i as u32;
            let failure = if let Err(e) = &prepared {
                Some(e.clone())
            } else if stop || self.canceller.requested.load(Ordering::SeqCst) {
                Some(ApiError::new(
                    ErrorCode::Cancelled,
                    "cancelled; the rest of the script did not run",
                ))
            } else {
                split::unsupported(&st.sql).map(|msg| {
                    let mut e = ApiError::invalid(msg);
                    e.position = Some(st.char_offset + 1);
                    e
                })
            };
            if let Some(error) = failure {
                sink(RunEvent::Error {
                    index,
                    error: error.clone(),
                });
                summary.error = Some(error);
                break;
            }
            stop |= !sink(RunEvent::StatementStarted {
                index,
                sql_offset: st.char_offset,
                sql_length: st.char_len,
            });
            match self.exec(index, st, opts, &mut sink, &mut stop).await {
                Ok(rows) => {
                    summary.statements_done += 1;
                    summary.rows += rows;
                }
                Err(error) => {
                    sink(RunEvent::Error {
                        index,
                        error: error.clone(),
                    });
                    summary.error = Some(error);
                    break;
                }
            }
        }
        summary.tx_status = self.tx_status();
        summary.duration_ms = ms(started.elapsed());
        sink(RunEvent::Finished {
            tx_status: summary.tx_status,
            read_only: self.read_only(),
            duration_ms: summary.duration_ms,
        });
        if let Some(store) = &self.history {
            if !statements.is_empty() {
                let entry = history::NewHistoryEntry {
                    server_id: &self.target.server_id,
                    branch: &self.target.branch,
                    sql: script.trim(),
                    started_at,
                    duration_ms: summary.duration_ms,
                    row_count: Some(summary.rows),
                    error: summary.error.as_ref().map(|e| e.message.as_str()),
                };
                if let Err(e) = history::record(store, &entry).await {
                    tracing::warn!("could not record query history: {}", e.message);
                }
            }
        }
        summary
    }

    /// Runs a script and gathers everything (up to `opts.max_rows` rows per statement).
    pub async fn run_collect(&mut self, script: &str, opts: &RunOptions) -> RunResult {
        let mut result = RunResult::collect([]);
        self.run(script, opts, |ev| {
            result.push(ev);
            true
        })
        .await;
        result
    }

    /// Before a run: recovers from an abandoned statement, loads built-in type names once.
    async fn prepare_run(&mut self) -> Result<()> {
        if self.is_closed() {
            return Err(closed_error());
        }
        if self.in_flight {
            // The previous run's future was dropped mid-statement: stop that statement and
            // read its result away before sending anything else.
            let _ = self.canceller.send_request().await;
            self.wait_quiet(RECOVER_TIMEOUT).await?;
            self.in_flight = false;
            while self.notices.try_recv().is_ok() {}
        }
        if !self.types_loaded {
            self.types_loaded = true;
            match self
                .internal("SELECT oid::int8, format_type(oid, NULL) FROM pg_type WHERE oid < 16384")
                .await
            {
                Ok(rows) => self.remember_types(&rows),
                Err(e) => tracing::debug!("could not load type names: {}", e.message),
            }
        }
        Ok(())
    }

    fn remember_types(&mut self, rows: &[SimpleQueryRow]) {
        for r in rows {
            if let (Some(oid), Some(name)) =
                (r.get(0).and_then(|o| o.parse::<u32>().ok()), r.get(1))
            {
                self.types.insert(oid, name.to_string());
            }
        }
    }

    /// Waits until every query sent has been answered, then forgets the tap's events.
    async fn wait_quiet(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.tap.ready.notified();
            {
                let mut st = self.tap.lock();
                if st.ready_count >= self.sent {
                    st.events.clear();
                    return Ok(());
                }
                if st.closed {
                    return Err(closed_error());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, notified).await.is_err() {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    "the session is still busy with an earlier statement; open a new one",
                ));
            }
        }
    }

    /// A query of our own (simple protocol, text results), keeping the tap in step.
    async fn internal(&mut self, sql: &str) -> Result<Vec<SimpleQueryRow>> {
        self.wait_quiet(RECOVER_TIMEOUT).await?;
        self.sent += 1;
        let stream = self.client.simple_query_raw(sql).await?;
        let mut stream = std::pin::pin!(stream);
        let mut rows = Vec::new();
        let mut error = None;
        while let Some(m) = stream.next().await {
            match m {
                Ok(SimpleQueryMessage::Row(r)) => rows.push(r),
                Ok(_) => {}
                Err(e) => {
                    let fatal = e.as_db_error().is_none();
                    error.get_or_insert(e);
                    if fatal {
                        break;
                    }
                }
            }
        }
        match error {
            Some(e) => Err(e.into()),
            None => Ok(rows),
        }
    }

    fn columns_of(&self, fields: &[FieldDesc]) -> Vec<ColumnInfo> {
        fields
            .iter()
            .map(|f| ColumnInfo {
                name: f.name.clone(),
                type_name: self.types.get(&f.type_oid).cloned().unwrap_or_default(),
                type_oid: f.type_oid,
                table_oid: (f.table_oid != 0).then_some(f.table_oid),
                column_attnum: (f.column_id > 0).then_some(f.column_id as u32),
            })
            .collect()
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

fn closed_error() -> ApiError {
    ApiError::new(
        ErrorCode::Unreachable,
        "the connection to the server was lost; open a new session",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Tauri shell runs these in async commands, which need `Send` futures.
    #[allow(dead_code)]
    fn futures_are_send(s: &mut SqlSession, t: &SqlTarget) {
        fn send<T: Send>(_: T) {}
        send(s.run("", &RunOptions::default(), |_| true));
        send(s.run_collect("", &RunOptions::default()));
        send(s.set_read_only(false));
        send(s.canceller().cancel());
        send(SqlSession::open(t, None));
        send(super::super::export_query(
            t,
            "",
            super::super::ExportFormat::Csv,
            std::path::Path::new(""),
            |_| true,
        ));
        send(super::super::load_schema(t, false));
    }
}
