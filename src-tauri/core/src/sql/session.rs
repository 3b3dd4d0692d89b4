//! `SqlSession`: one long-lived connection per editor tab. SET, temporary tables and
//! transactions carry over between runs.
//!
//! Each statement of a script goes to the server as its own simple-protocol query, so values
//! arrive as text (exactly as the server prints them), rows stream with back-pressure (memory
//! stays flat however large the result), and errors, timing and notices belong to one statement.
//! The connection is driven here with `poll_message`, which hands us NOTICEs; column types,
//! command tags and the transaction status come from the stream tap (see `tap.rs`).
use super::split::{self, ScriptStatement};
use super::tap::{FieldDesc, Tap, TapEvent, TapShared};
use super::{
    history, tag_row_count, ColumnInfo, RunEvent, RunOptions, RunResult, RunSummary, SqlNotice,
    SqlRow, SqlTarget, TxStatus,
};
use crate::conn::{self, ConnectionFields, SslMode};
use crate::error::{ApiError, ErrorCode, Result};
use crate::store::Store;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, NoTls, SimpleQueryMessage, SimpleQueryRow};

/// How long a page of rows may wait for more rows before it is sent anyway.
const PAGE_LINGER: Duration = Duration::from_millis(50);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for an abandoned statement to finish after cancelling it.
const RECOVER_TIMEOUT: Duration = Duration::from_secs(30);

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
type BoxIo = Box<dyn Io>;

fn tls_err(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Tls, msg)
}

/// A socket to the server, TLS negotiated per `sslmode` (as libpq does; never over a Unix
/// socket).
async fn open_stream(f: &ConnectionFields) -> Result<BoxIo> {
    let unreachable = |e: std::io::Error| {
        ApiError::new(
            ErrorCode::Unreachable,
            format!("cannot reach {}:{}: {e}", f.host, f.port),
        )
    };
    #[cfg(unix)]
    if f.host.starts_with('/') {
        let path = format!("{}/.s.PGSQL.{}", f.host, f.port);
        let s = tokio::net::UnixStream::connect(&path)
            .await
            .map_err(unreachable)?;
        return Ok(Box::new(s));
    }
    let tcp = tokio::net::TcpStream::connect((f.host.as_str(), f.port))
        .await
        .map_err(unreachable)?;
    let _ = tcp.set_nodelay(true);
    let mut stream: BoxIo = Box::new(tcp);
    if f.sslmode == SslMode::Disable {
        return Ok(stream);
    }
    // SSLRequest: length 8, code 80877103.
    stream
        .write_all(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])
        .await
        .map_err(unreachable)?;
    let mut answer = [0u8; 1];
    stream.read_exact(&mut answer).await.map_err(unreachable)?;
    match answer[0] {
        b'S' => {
            let mut make = conn::tls_connector(f)?;
            let tls = MakeTlsConnect::<BoxIo>::make_tls_connect(&mut make, &f.host)
                .map_err(|e| tls_err(format!("TLS setup failed: {e}")))?;
            let s = TlsConnect::connect(tls, stream)
                .await
                .map_err(|e| tls_err(format!("TLS handshake with {} failed: {e}", f.host)))?;
            Ok(Box::new(s))
        }
        b'N' if f.sslmode == SslMode::Prefer => Ok(stream),
        b'N' => Err(tls_err(format!(
            "the server does not support SSL, but sslmode is {}",
            f.sslmode.as_str()
        ))),
        other => Err(tls_err(format!(
            "unexpected answer {other:#x} to the SSL request"
        ))),
    }
}

fn notice_of(db: &tokio_postgres::error::DbError) -> SqlNotice {
    SqlNotice {
        severity: db.severity().to_string(),
        sqlstate: db.code().code().to_string(),
        message: db.message().to_string(),
        detail: db.detail().map(str::to_string),
        hint: db.hint().map(str::to_string),
    }
}

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
        let driver_tap = tap.clone();
        tokio::spawn(async move {
            let mut connection = connection;
            loop {
                match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                    Some(Ok(AsyncMessage::Notice(db))) => {
                        let _ = tx.send(notice_of(&db));
                    }
                    Some(Ok(AsyncMessage::Notification(n))) => {
                        let _ = tx.send(SqlNotice {
                            severity: "NOTIFY".into(),
                            sqlstate: String::new(),
                            message: format!(
                                "asynchronous notification \"{}\" with payload \"{}\" received from server process with PID {}",
                                n.channel(),
                                n.payload(),
                                n.process_id()
                            ),
                            detail: None,
                            hint: None,
                        });
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!("sql session connection closed: {e}");
                        break;
                    }
                    None => break,
                }
            }
            driver_tap.lock().closed = true;
            driver_tap.ready.notify_waiters();
        });
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
        })
    }

    /// What this session is connected to (without the password).
    pub fn target(&self) -> &SqlTarget {
        &self.target
    }

    pub fn canceller(&self) -> SqlCanceller {
        self.canceller.clone()
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

    /// Runs one statement; returns the rows it returned or affected.
    async fn exec<F>(
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
        let mut stream = std::pin::pin!(stream);

        let page_size = opts.page_size.clamp(1, 100_000) as usize;
        let cap = opts.max_rows.map_or(u64::MAX, u64::from);
        let mut page: Vec<SqlRow> = Vec::with_capacity(page_size.min(4096));
        let mut forwarded = 0u64;
        let mut truncated = false;
        let mut fields: Vec<FieldDesc> = Vec::new();
        let mut error: Option<tokio_postgres::Error> = None;
        let linger = tokio::time::sleep(Duration::from_secs(86400));
        let mut linger = std::pin::pin!(linger);
        let mut lingering = false;

        // Sends an event; on the sink's first "stop", cancels the statement.
        macro_rules! emit {
            ($ev:expr) => {
                if !sink($ev) && !*stop {
                    *stop = true;
                    let _ = self.canceller.send_request().await;
                }
            };
        }
        macro_rules! flush {
            () => {
                if !page.is_empty() {
                    let rows =
                        std::mem::replace(&mut page, Vec::with_capacity(page_size.min(4096)));
                    emit!(RunEvent::Rows { index, rows });
                }
                lingering = false;
            };
        }

        loop {
            tokio::select! {
                biased;
                Some(notice) = self.notices.recv() => {
                    emit!(RunEvent::Notice { index, notice });
                }
                _ = &mut linger, if lingering => {
                    flush!();
                }
                msg = stream.next() => match msg {
                    None => break,
                    Some(Ok(SimpleQueryMessage::Row(row))) => {
                        if forwarded < cap && !*stop {
                            forwarded += 1;
                            page.push(cells(&row));
                            if page.len() >= page_size {
                                flush!();
                            } else if !lingering {
                                linger.as_mut().reset(tokio::time::Instant::now() + PAGE_LINGER);
                                lingering = true;
                            }
                        } else if forwarded >= cap {
                            truncated = true;
                        }
                    }
                    Some(Ok(SimpleQueryMessage::RowDescription(_))) => {
                        flush!();
                        let desc = {
                            let mut tap = self.tap.lock();
                            let mut found = None;
                            while let Some(ev) = tap.events.pop_front() {
                                if let TapEvent::RowDescription(d) = ev {
                                    found = Some(d);
                                    break;
                                }
                            }
                            found.unwrap_or_default()
                        };
                        fields = desc;
                        let columns = self.columns_of(&fields);
                        emit!(RunEvent::Columns { index, columns });
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
        if !*stop && !page.is_empty() {
            emit!(RunEvent::Rows { index, rows: page });
        }
        // Every notice of this statement arrived before its ReadyForQuery.
        while let Ok(notice) = self.notices.try_recv() {
            emit!(RunEvent::Notice { index, notice });
        }
        let duration_ms = ms(started.elapsed());
        if let Some(e) = error {
            if e.as_db_error().is_some() {
                self.in_flight = false;
            }
            return Err(statement_error(e, st));
        }
        self.in_flight = false;
        let (tag, status) = {
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
        };
        // New user-defined types: look their names up now that the statement is done.
        let mut unknown: Vec<u32> = fields
            .iter()
            .map(|f| f.type_oid)
            .filter(|oid| !self.types.contains_key(oid))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() && status != b'E' {
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
                    let columns = self.columns_of(&fields);
                    emit!(RunEvent::Columns { index, columns });
                }
                Err(e) => tracing::debug!("could not look up type names: {}", e.message),
            }
        }
        if is_ddl(&tag) {
            // Types may have been dropped, renamed or replaced.
            self.types.retain(|oid, _| *oid < 16384);
        }
        let rows_affected = tag_row_count(&tag).map(|n| n as f64);
        emit!(RunEvent::StatementDone {
            index,
            tag,
            rows_affected,
            duration_ms,
            truncated,
        });
        Ok(rows_affected.unwrap_or(0.0))
    }
}

fn is_ddl(tag: &str) -> bool {
    ["CREATE", "ALTER", "DROP"]
        .iter()
        .any(|w| tag.starts_with(w))
}

fn cells(row: &SimpleQueryRow) -> SqlRow {
    (0..row.len())
        .map(|i| match row.try_get(i) {
            Ok(v) => v.map(str::to_owned),
            // Only possible for bytes that are not UTF-8 (SQL_ASCII databases).
            Err(_) => Some("\u{FFFD}".to_owned()),
        })
        .collect()
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
