//! The socket to the server (TLS negotiated as libpq does) and the task that drives a
//! session's connection, handing its NOTICEs and notifications over.
use super::super::tap::TapShared;
use super::super::SqlNotice;
use crate::conn::{self, ConnectionFields, SslMode};
use crate::error::{ApiError, ErrorCode, Result};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::AsyncMessage;

pub(super) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}
pub(super) type BoxIo = Box<dyn Io>;

fn tls_err(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Tls, msg)
}

/// A socket to the server, TLS negotiated per `sslmode` (as libpq does; never over a Unix
/// socket).
pub(super) async fn open_stream(f: &ConnectionFields) -> Result<BoxIo> {
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

/// Drives `connection` until it closes: NOTICEs and notifications go to `notices`; at the end
/// the tap is marked closed and its waiters woken.
pub(super) fn spawn_driver<S, T>(
    connection: tokio_postgres::Connection<S, T>,
    tap: Arc<TapShared>,
    notices: mpsc::UnboundedSender<SqlNotice>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let mut connection = connection;
        loop {
            match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                Some(Ok(AsyncMessage::Notice(db))) => {
                    let _ = notices.send(notice_of(&db));
                }
                Some(Ok(AsyncMessage::Notification(n))) => {
                    let _ = notices.send(SqlNotice {
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
        tap.lock().closed = true;
        tap.ready.notify_waiters();
    });
}
