//! The one error type that crosses every boundary: core → CLI, core → Tauri → UI.
use serde::Serialize;
use std::sync::Arc;
use ts_rs::TS;

/// What kind of failure this is; the UI and CLI branch on it, people read `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum ErrorCode {
    InvalidInput,
    NotFound,
    AlreadyExists,
    Unreachable,
    AuthFailed,
    Tls,
    ServerError,
    Keychain,
    LocalServer,
    MissingBinaries,
    Storage,
    Conflict,
    Cancelled,
    Internal,
}

/// `{code, message}` plus, for errors the server raised, its SQLSTATE, detail, hint and position:
/// what crosses to the UI and the CLI. The error it came from (a server, network, TLS, file or
/// local-state error) is kept as its `source()`, for logs and for callers that branch on it; it
/// is not serialized.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement, as the server reports it.
    pub position: Option<u32>,
    #[serde(skip)]
    #[ts(skip)]
    cause: Option<Cause>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|c| c as _)
    }
}

type Cause = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Two errors are equal when they say the same; where they came from does not matter.
impl PartialEq for ApiError {
    fn eq(&self, o: &Self) -> bool {
        (
            self.code,
            &self.message,
            &self.sqlstate,
            &self.detail,
            &self.hint,
            self.position,
        ) == (
            o.code,
            &o.message,
            &o.sqlstate,
            &o.detail,
            &o.hint,
            o.position,
        )
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            sqlstate: None,
            detail: None,
            hint: None,
            position: None,
            cause: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    /// Keeps `cause` as this error's source.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(cause));
        self
    }
    /// Says what we were doing in front of the message; code, server fields and source stay.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
    /// The first error of type `E` in the source chain (e.g. the `std::io::Error` of a failed
    /// connection).
    pub fn find_cause<E: std::error::Error + 'static>(&self) -> Option<&E> {
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            if let Some(found) = e.downcast_ref::<E>() {
                return Some(found);
            }
            next = e.source();
        }
        None
    }
}

/// The chain below `e`, each source's own text once ("a: b: c").
fn chain_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let more = s.to_string();
        if !text.ends_with(&more) {
            text = format!("{text}: {more}");
        }
        src = s.source();
    }
    text
}

/// Network failures: the server cannot be reached, or the connection broke.
fn io_code(kind: std::io::ErrorKind) -> ErrorCode {
    use std::io::ErrorKind as K;
    match kind {
        K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::BrokenPipe
        | K::TimedOut
        | K::UnexpectedEof => ErrorCode::Unreachable,
        K::NotFound => ErrorCode::NotFound,
        K::AlreadyExists => ErrorCode::AlreadyExists,
        K::PermissionDenied
        | K::ReadOnlyFilesystem
        | K::StorageFull
        | K::QuotaExceeded
        | K::FileTooLarge => ErrorCode::Storage,
        _ => ErrorCode::Internal,
    }
}

/// A client-side failure of tokio-postgres, by the types in its source chain: TLS errors, then
/// I/O errors (a socket or name lookup: the server is out of reach), then a closed connection.
fn client_error_code(e: &tokio_postgres::Error) -> ErrorCode {
    let mut next = std::error::Error::source(e);
    while let Some(s) = next {
        if s.is::<native_tls::Error>() {
            return ErrorCode::Tls;
        }
        if s.is::<std::io::Error>() {
            return ErrorCode::Unreachable;
        }
        next = s.source();
    }
    if e.is_closed() {
        ErrorCode::Unreachable
    } else {
        ErrorCode::ServerError
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            let code = client_error_code(&e);
            return ApiError::new(code, chain_text(&e)).caused_by(e);
        };
        let sqlstate = db.code().code().to_string();
        let code = match &sqlstate[..2] {
            "28" => ErrorCode::AuthFailed,
            "57" if sqlstate == "57014" => ErrorCode::Cancelled,
            // disk_full: "could not extend file …: No space left on device".
            "53" if sqlstate == "53100" => ErrorCode::Storage,
            _ => ErrorCode::ServerError,
        };
        let position = match db.position() {
            Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
            Some(tokio_postgres::error::ErrorPosition::Internal { position, .. }) => {
                Some(*position)
            }
            None => None,
        };
        ApiError {
            code,
            message: db.message().to_string(),
            sqlstate: Some(sqlstate),
            detail: db.detail().map(str::to_string),
            hint: db.hint().map(str::to_string),
            position,
            cause: None,
        }
        .caused_by(e)
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::new(io_code(e.kind()), e.to_string()).caused_by(e)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::new(ErrorCode::Storage, format!("local state database: {e}")).caused_by(e)
    }
}

impl From<sqlx::migrate::MigrateError> for ApiError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        ApiError::new(ErrorCode::Storage, format!("local state migration: {e}")).caused_by(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn io_errors_are_classified_by_kind_and_kept_as_source() {
        let e = ApiError::from(Error::new(ErrorKind::StorageFull, "disk full"));
        assert_eq!(e.code, ErrorCode::Storage);
        assert_eq!(
            e.find_cause::<Error>().map(Error::kind),
            Some(ErrorKind::StorageFull)
        );
        let e = ApiError::from(Error::from(ErrorKind::ConnectionRefused)).context("connecting");
        assert_eq!(e.code, ErrorCode::Unreachable);
        assert!(e.message.starts_with("connecting: "), "{}", e.message);
        assert!(
            e.find_cause::<Error>().is_some(),
            "context keeps the source"
        );
        assert_eq!(
            ApiError::from(Error::from(ErrorKind::NotFound)).code,
            ErrorCode::NotFound
        );
    }

    #[test]
    fn the_source_is_not_serialized_and_does_not_affect_equality() {
        let with = ApiError::invalid("x").caused_by(Error::other("secret detail"));
        let json = serde_json::to_string(&with).unwrap();
        assert!(!json.contains("secret detail"), "{json}");
        assert_eq!(with, ApiError::invalid("x"));
    }

    #[tokio::test]
    async fn a_refused_connection_is_unreachable_by_its_io_error() {
        // A port nothing listens on: bind one, note it, close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={port} user=x connect_timeout=5"),
            tokio_postgres::NoTls,
        )
        .await
        .err()
        .expect("nothing listens there");
        let e = ApiError::from(e);
        assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
        assert_eq!(
            e.find_cause::<Error>().map(Error::kind),
            Some(ErrorKind::ConnectionRefused)
        );
    }
}
