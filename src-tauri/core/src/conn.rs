//! Server connections: parsing URIs and libpq key=value strings, libpq conventions (PG* env
//! vars, ~/.pgpass, DATABASE_URL), TLS modes, and opening a tokio-postgres client.
use crate::error::{ApiError, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "disable" => SslMode::Disable,
            // libpq's allow behaves like prefer for our purposes.
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown sslmode \"{other}\" (expected disable, prefer, require, verify-ca or verify-full)"
                )))
            }
        })
    }
}

/// Everything needed to reach a server, except the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ConnectionFields {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub database: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
}

/// A parsed connection string: the fields, and the password if the string carried one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ParsedUri {
    pub fields: ConnectionFields,
    pub password: Option<String>,
}

/// The result of a successful connection test.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct TestResult {
    pub server_version: String,
    pub latency_ms: u32,
}

fn default_user() -> String {
    std::env::var("PGUSER")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "postgres".into())
        })
}

impl ConnectionFields {
    /// libpq's defaults, taking PG* environment variables into account.
    pub fn from_env_defaults() -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|s| !s.is_empty());
        let user = default_user();
        ConnectionFields {
            host: env("PGHOST").unwrap_or_else(|| "localhost".into()),
            port: env("PGPORT").and_then(|p| p.parse().ok()).unwrap_or(5432),
            database: env("PGDATABASE").unwrap_or_else(|| user.clone()),
            user,
            sslmode: env("PGSSLMODE")
                .and_then(|m| SslMode::parse(&m).ok())
                .unwrap_or(SslMode::Prefer),
            sslrootcert: env("PGSSLROOTCERT"),
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.host.trim().is_empty() {
            return Err(ApiError::invalid("host is empty"));
        }
        if self.port == 0 {
            return Err(ApiError::invalid("port must be between 1 and 65535"));
        }
        if self.user.trim().is_empty() {
            return Err(ApiError::invalid("user is empty"));
        }
        if self.database.trim().is_empty() {
            return Err(ApiError::invalid("database is empty"));
        }
        if matches!(self.sslmode, SslMode::VerifyCa | SslMode::VerifyFull) {
            match &self.sslrootcert {
                None => {
                    return Err(ApiError::invalid(format!(
                        "sslmode {} needs a CA certificate file (sslrootcert)",
                        self.sslmode.as_str()
                    )))
                }
                Some(p) if !Path::new(p).is_file() => {
                    return Err(ApiError::invalid(format!(
                        "CA certificate file not found: {p}"
                    )))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A postgres:// URI for these fields, with an optional password (for handing to tools).
    pub fn to_uri(&self, password: Option<&str>) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let auth = match password {
            Some(p) => format!("{}:{}", enc(&self.user), enc(p)),
            None => enc(&self.user),
        };
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let mut uri = format!(
            "postgresql://{auth}@{host}:{}/{}",
            self.port,
            enc(&self.database)
        );
        uri.push_str(&format!("?sslmode={}", self.sslmode.as_str()));
        if let Some(ca) = &self.sslrootcert {
            uri.push_str(&format!("&sslrootcert={}", enc(ca)));
        }
        uri
    }

    /// The same server, another database (branches are databases).
    pub fn with_database(&self, database: &str) -> Self {
        ConnectionFields {
            database: database.to_string(),
            ..self.clone()
        }
    }
}

/// Parses a `postgres://` / `postgresql://` URI or a libpq `key=value` string. Missing parts
/// fall back to libpq's defaults and PG* environment variables.
pub fn parse_connection_string(input: &str) -> Result<ParsedUri> {
    let s = input.trim();
    if s.is_empty() {
        return Err(ApiError::invalid("the connection string is empty"));
    }
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        parse_uri(s)
    } else if s.contains('=') {
        parse_keyword_value(s)
    } else {
        Err(ApiError::invalid(
            "not a connection string: expected postgresql://user@host:port/database or host=… port=… key=value pairs",
        ))
    }
}

fn parse_uri(s: &str) -> Result<ParsedUri> {
    let url = url::Url::parse(s)
        .map_err(|e| ApiError::invalid(format!("malformed connection URI: {e}")))?;
    let decode = |v: &str| -> Result<String> {
        percent_encoding::percent_decode_str(v)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| ApiError::invalid("connection URI has invalid percent-encoding"))
    };
    let mut fields = ConnectionFields::from_env_defaults();
    if let Some(host) = url.host_str().filter(|h| !h.is_empty()) {
        fields.host = decode(host.trim_start_matches('[').trim_end_matches(']'))?;
    }
    if let Some(port) = url.port() {
        if port == 0 {
            return Err(ApiError::invalid("port must be between 1 and 65535"));
        }
        fields.port = port;
    }
    if !url.username().is_empty() {
        fields.user = decode(url.username())?;
    }
    let path = url.path().trim_start_matches('/');
    if !path.is_empty() {
        fields.database = decode(path)?;
    } else if url.username().is_empty() {
        // no user and no database in the URI: libpq's default database is the user name
    } else {
        fields.database = fields.user.clone();
    }
    let mut password = url.password().map(decode).transpose()?;
    for (k, v) in url.query_pairs() {
        apply_param(&mut fields, &mut password, &k, &v)?;
    }
    fields.validate_shape()?;
    Ok(ParsedUri { fields, password })
}

fn parse_keyword_value(s: &str) -> Result<ParsedUri> {
    let mut fields = ConnectionFields::from_env_defaults();
    let mut password = None;
    let mut user_set = false;
    let mut db_set = false;
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && chars[i] != '=' && !chars[i].is_whitespace() {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() || chars[i] != '=' {
            return Err(ApiError::invalid(format!(
                "missing \"=\" after \"{key}\" in connection string"
            )));
        }
        i += 1;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    '\'' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(ApiError::invalid(
                    "unterminated quoted string in connection string",
                ));
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                value.push(chars[i]);
                i += 1;
            }
        }
        match key.as_str() {
            "user" => {
                user_set = true;
                fields.user = value
            }
            "dbname" => {
                db_set = true;
                fields.database = value
            }
            _ => apply_param(&mut fields, &mut password, &key, &value)?,
        }
    }
    if user_set && !db_set && std::env::var("PGDATABASE").is_err() {
        fields.database = fields.user.clone();
    }
    fields.validate_shape()?;
    Ok(ParsedUri { fields, password })
}

fn apply_param(
    fields: &mut ConnectionFields,
    password: &mut Option<String>,
    key: &str,
    value: &str,
) -> Result<()> {
    match key {
        "host" => fields.host = value.to_string(),
        "port" => {
            fields.port = value
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| ApiError::invalid(format!("invalid port \"{value}\"")))?
        }
        "user" => fields.user = value.to_string(),
        "dbname" => fields.database = value.to_string(),
        "password" => *password = Some(value.to_string()),
        "sslmode" => fields.sslmode = SslMode::parse(value)?,
        "sslrootcert" => fields.sslrootcert = Some(value.to_string()),
        // Accepted and ignored: they do not change where or as whom we connect.
        "application_name"
        | "connect_timeout"
        | "options"
        | "target_session_attrs"
        | "channel_binding" => {}
        other => {
            return Err(ApiError::invalid(format!(
                "unsupported connection parameter \"{other}\""
            )))
        }
    }
    Ok(())
}

impl ConnectionFields {
    /// Shape checks only (no file-system checks), for parsing.
    fn validate_shape(&self) -> Result<()> {
        if self.host.trim().is_empty() {
            return Err(ApiError::invalid("host is empty"));
        }
        if self.host.contains(',') {
            return Err(ApiError::invalid(
                "multiple hosts in one connection string are not supported",
            ));
        }
        Ok(())
    }
}

/// What the environment says about a server: `DATABASE_URL` first, then PG* variables.
/// Passwords from `PGPASSWORD` or `~/.pgpass` are filled in when found.
pub fn import_from_env() -> Result<Option<ParsedUri>> {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        if !url.trim().is_empty() {
            let mut parsed =
                parse_connection_string(&url).map_err(|e| e.context("DATABASE_URL"))?;
            if parsed.password.is_none() {
                parsed.password = pgpass_lookup(&parsed.fields);
            }
            return Ok(Some(parsed));
        }
    }
    let any_pg = ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD"]
        .iter()
        .any(|k| std::env::var(k).map(|v| !v.is_empty()).unwrap_or(false));
    if !any_pg {
        return Ok(None);
    }
    let fields = ConnectionFields::from_env_defaults();
    let password = std::env::var("PGPASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| pgpass_lookup(&fields));
    Ok(Some(ParsedUri { fields, password }))
}

fn pgpass_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE") {
        return Some(PathBuf::from(p));
    }
    directories::BaseDirs::new().map(|d| {
        if cfg!(windows) {
            d.config_dir().join("postgresql").join("pgpass.conf")
        } else {
            d.home_dir().join(".pgpass")
        }
    })
}

/// Looks the password up in the libpq password file (PGPASSFILE or ~/.pgpass).
pub fn pgpass_lookup(fields: &ConnectionFields) -> Option<String> {
    let path = pgpass_path()?;
    #[cfg(unix)]
    {
        // libpq ignores a password file that others can read; so do we.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "ignoring {} because its permissions are looser than 0600",
                path.display()
            );
            return None;
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    pgpass_match(&text, fields)
}

/// The first matching line of a pgpass file (fields host:port:db:user:password, `*` wildcards,
/// `\:` and `\\` escapes).
pub fn pgpass_match(text: &str, f: &ConnectionFields) -> Option<String> {
    let port = f.port.to_string();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n)
                    }
                }
                ':' if parts.len() < 4 => parts.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        parts.push(cur);
        if parts.len() != 5 {
            continue;
        }
        let host_ok = parts[0] == "*"
            || parts[0] == f.host
            || (parts[0] == "localhost" && (f.host == "127.0.0.1" || f.host.starts_with('/')));
        let ok = |pat: &str, v: &str| pat == "*" || pat == v;
        if host_ok && ok(&parts[1], &port) && ok(&parts[2], &f.database) && ok(&parts[3], &f.user) {
            return Some(parts[4].clone());
        }
    }
    None
}

pub(crate) fn tls_connector(
    fields: &ConnectionFields,
) -> Result<postgres_native_tls::MakeTlsConnector> {
    let mut b = native_tls::TlsConnector::builder();
    match fields.sslmode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => {
            // libpq does not verify the certificate in these modes.
            b.danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true);
        }
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let path = fields.sslrootcert.as_deref().unwrap_or_default();
            let pem = std::fs::read(path).map_err(|e| {
                ApiError::new(
                    ErrorCode::Tls,
                    format!("cannot read CA certificate {path}: {e}"),
                )
            })?;
            let cert = native_tls::Certificate::from_pem(&pem).map_err(|e| {
                ApiError::new(
                    ErrorCode::Tls,
                    format!("invalid CA certificate {path}: {e}"),
                )
            })?;
            b.add_root_certificate(cert).disable_built_in_roots(true);
            if fields.sslmode == SslMode::VerifyCa {
                b.danger_accept_invalid_hostnames(true);
            }
        }
    }
    let connector = b
        .build()
        .map_err(|e| ApiError::new(ErrorCode::Tls, format!("TLS setup failed: {e}")))?;
    Ok(postgres_native_tls::MakeTlsConnector::new(connector))
}

/// Options for opening a session.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub application_name: String,
    pub connect_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            application_name: "grove".into(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// An open session; the connection task runs until the client is dropped.
pub struct Session {
    pub client: tokio_postgres::Client,
    pub cancel: tokio_postgres::CancelToken,
    task: tokio::task::JoinHandle<()>,
    /// Why the server ended the session, when it said so between statements (e.g.
    /// "terminating connection due to administrator command").
    last_words: LastWords,
}

type LastWords = std::sync::Arc<std::sync::OnceLock<String>>;

impl Session {
    /// `e` as an `ApiError`; "connection closed" gets the server's reason when it gave one
    /// (tokio-postgres reports a session ended between statements only as closed).
    pub fn error(&self, e: tokio_postgres::Error) -> ApiError {
        let closed = e.is_closed();
        let mut err = ApiError::from(e);
        if let Some(words) = self.last_words.get().filter(|_| closed) {
            err.message = format!("the server closed the connection: {words}");
        }
        err
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl std::ops::Deref for Session {
    type Target = tokio_postgres::Client;
    fn deref(&self) -> &Self::Target {
        &self.client
    }
}

/// Opens a session. A `None` password falls back to `~/.pgpass`.
pub async fn connect(
    fields: &ConnectionFields,
    password: Option<&str>,
    opts: &ConnectOptions,
) -> Result<Session> {
    fields.validate()?;
    let mut cfg = tokio_postgres::Config::new();
    cfg.host(&fields.host)
        .port(fields.port)
        .user(&fields.user)
        .dbname(&fields.database)
        .application_name(&opts.application_name)
        .connect_timeout(opts.connect_timeout)
        .ssl_mode(match fields.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        });
    let pgpass;
    match password {
        Some(p) => {
            cfg.password(p);
        }
        None => {
            pgpass = pgpass_lookup(fields);
            if let Some(p) = &pgpass {
                cfg.password(p);
            }
        }
    }
    let where_ = format!(
        "{}@{}:{}/{}",
        fields.user, fields.host, fields.port, fields.database
    );
    let last_words = LastWords::default();
    let result = if fields.sslmode == SslMode::Disable {
        cfg.connect(tokio_postgres::NoTls)
            .await
            .map(|(c, conn)| (c, spawn_conn(conn, &last_words)))
    } else {
        let tls = tls_connector(fields)?;
        cfg.connect(tls)
            .await
            .map(|(c, conn)| (c, spawn_conn(conn, &last_words)))
    };
    let (client, task) = result.map_err(|e| {
        let mut err = ApiError::from(e);
        // A client-side failure that is neither network nor certificate, while negotiating TLS
        // (e.g. the server does not support it), is a TLS failure.
        if err.code == ErrorCode::ServerError
            && err.sqlstate.is_none()
            && fields.sslmode != SslMode::Disable
        {
            err.code = ErrorCode::Tls;
        }
        if err.code == ErrorCode::Unreachable {
            err.context(format!("cannot reach {}:{}", fields.host, fields.port))
        } else if err.code == ErrorCode::AuthFailed || err.sqlstate.is_some() {
            err
        } else {
            err.context(format!("connecting to {where_}"))
        }
    })?;
    let cancel = client.cancel_token();
    Ok(Session {
        client,
        cancel,
        task,
        last_words,
    })
}

fn spawn_conn<S, T>(
    mut conn: tokio_postgres::Connection<S, T>,
    last_words: &LastWords,
) -> tokio::task::JoinHandle<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let last_words = last_words.clone();
    tokio::spawn(async move {
        if let Err(e) = (&mut conn).await {
            tracing::debug!("connection closed: {e}");
            if let Some(db) = e.as_db_error() {
                let _ = last_words.set(db.message().to_string());
            }
        }
        // Only now do waiting requests learn that the connection is closed: the words first.
        drop(conn);
    })
}

/// Connects, asks the server's version, and reports the round trip.
pub async fn test_connection(
    fields: &ConnectionFields,
    password: Option<&str>,
) -> Result<TestResult> {
    let started = Instant::now();
    let session = connect(
        fields,
        password,
        &ConnectOptions {
            connect_timeout: Duration::from_secs(8),
            ..Default::default()
        },
    )
    .await?;
    let row = session
        .query_one("SELECT current_setting('server_version')", &[])
        .await?;
    Ok(TestResult {
        server_version: row.get(0),
        latency_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uris() {
        let p = parse_connection_string(
            "postgresql://al%40ice:p%3Ass@db.example.com:6543/my%20db?sslmode=require",
        )
        .unwrap();
        assert_eq!(p.fields.host, "db.example.com");
        assert_eq!(p.fields.port, 6543);
        assert_eq!(p.fields.user, "al@ice");
        assert_eq!(p.fields.database, "my db");
        assert_eq!(p.fields.sslmode, SslMode::Require);
        assert_eq!(p.password.as_deref(), Some("p:ss"));
        let back = parse_connection_string(&p.fields.to_uri(p.password.as_deref())).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn parses_keyword_value() {
        let p = parse_connection_string("host=h port=5433 user=u dbname='a b' password='it\\'s' sslmode=verify-full sslrootcert=/ca.pem").unwrap();
        assert_eq!(
            (
                p.fields.host.as_str(),
                p.fields.port,
                p.fields.database.as_str()
            ),
            ("h", 5433, "a b")
        );
        assert_eq!(p.password.as_deref(), Some("it's"));
        assert_eq!(p.fields.sslmode, SslMode::VerifyFull);
        assert_eq!(p.fields.sslrootcert.as_deref(), Some("/ca.pem"));
    }

    #[test]
    fn rejects_bad_strings() {
        for bad in [
            "",
            "mysql://x",
            "postgresql://u@h:notaport/db",
            "postgresql://u@h:0/db",
            "postgresql://u@h/db?sslmode=sometimes",
            "postgresql://u@h/db?frobnicate=1",
            "host=h port",
            "host='unterminated",
            "postgresql://h1,h2/db",
        ] {
            let e = parse_connection_string(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{bad}: {e}");
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn verify_full_needs_a_ca_file() {
        let mut f = parse_connection_string("postgresql://u@h/db?sslmode=verify-full")
            .unwrap()
            .fields;
        assert!(f.validate().unwrap_err().message.contains("CA certificate"));
        f.sslrootcert = Some("/nonexistent/ca.pem".into());
        assert!(f.validate().unwrap_err().message.contains("not found"));
    }

    #[test]
    fn pgpass_matching() {
        let f = ConnectionFields {
            host: "db".into(),
            port: 5432,
            user: "alice".into(),
            database: "app".into(),
            sslmode: SslMode::Prefer,
            sslrootcert: None,
        };
        let text = "# comment\nother:5432:*:*:nope\ndb:5432:app:bob:nope2\ndb:*:app:alice:se\\:cr\\\\et\n*:*:*:*:fallback\n";
        assert_eq!(pgpass_match(text, &f).as_deref(), Some("se:cr\\et"));
        let g = f.with_database("other");
        assert_eq!(pgpass_match(text, &g).as_deref(), Some("fallback"));
    }
}
