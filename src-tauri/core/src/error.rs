//! The one error type that crosses every boundary: core → CLI, core → Tauri → UI.
use serde::Serialize;
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

/// `{code, message}` plus, for errors the server raised, its SQLSTATE, detail, hint and position.
#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub sqlstate: Option<String>,
    pub detail: Option<String>,
    pub hint: Option<String>,
    /// 1-based character position in the statement, as the server reports it.
    pub position: Option<u32>,
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
    /// Prefix the message with what we were doing, keeping everything else.
    pub fn context(mut self, what: impl std::fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        if let Some(db) = e.as_db_error() {
            let sqlstate = db.code().code().to_string();
            let code = match &sqlstate[..2] {
                "28" => ErrorCode::AuthFailed,
                "57" if sqlstate == "57014" => ErrorCode::Cancelled,
                _ => ErrorCode::ServerError,
            };
            let position = match db.position() {
                Some(tokio_postgres::error::ErrorPosition::Original(p)) => Some(*p),
                Some(tokio_postgres::error::ErrorPosition::Internal { position, .. }) => {
                    Some(*position)
                }
                None => None,
            };
            return ApiError {
                code,
                message: db.message().to_string(),
                sqlstate: Some(sqlstate),
                detail: db.detail().map(str::to_string),
                hint: db.hint().map(str::to_string),
                position,
            };
        }
        // Not a server error: walk the source chain for the most useful text.
        let mut text = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            text = format!("{text}: {s}");
            src = s.source();
        }
        let lower = text.to_lowercase();
        let code =
            if lower.contains("tls") || lower.contains("ssl") || lower.contains("certificate") {
                ErrorCode::Tls
            } else if e.is_closed()
                || lower.contains("refused")
                || lower.contains("timed out")
                || lower.contains("timeout")
                || lower.contains("lookup")
                || lower.contains("resolve")
                || lower.contains("unreachable")
                || lower.contains("error connecting")
            {
                ErrorCode::Unreachable
            } else {
                ErrorCode::ServerError
            };
        ApiError::new(code, text)
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::new(ErrorCode::Internal, e.to_string())
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::new(ErrorCode::Storage, format!("local state database: {e}"))
    }
}

impl From<sqlx::migrate::MigrateError> for ApiError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        ApiError::new(ErrorCode::Storage, format!("local state migration: {e}"))
    }
}
