//! Which server a request is about. Parsed in one place, from what the CLI's `--server` and
//! the app's `server` argument carry: nothing (the embedded local server), a postgres:// URL
//! or libpq key=value string, or a saved connection's name or id.
use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub enum ServerRef {
    /// The embedded local server, started on demand.
    #[default]
    Local,
    /// A saved connection, by name or id (its password comes from the keychain).
    Saved(String),
    /// A connection string given directly; it may carry a password.
    Url(String),
}

impl ServerRef {
    /// None = the local server; a string with `://` or `=` is a connection string, anything
    /// else names a saved connection.
    pub fn parse(server: Option<&str>) -> ServerRef {
        match server {
            None => ServerRef::Local,
            Some(s) if is_connection_string(s) => ServerRef::Url(s.to_string()),
            Some(s) => ServerRef::Saved(s.to_string()),
        }
    }
}

impl From<Option<&str>> for ServerRef {
    fn from(server: Option<&str>) -> Self {
        ServerRef::parse(server)
    }
}

impl From<Option<String>> for ServerRef {
    fn from(server: Option<String>) -> Self {
        ServerRef::parse(server.as_deref())
    }
}

/// Whether `s` is a postgres:// URL or a key=value string rather than a name.
pub fn is_connection_string(s: &str) -> bool {
    s.contains("://") || s.contains('=')
}

/// For logs and messages: a URL is shown without its password.
impl fmt::Display for ServerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerRef::Local => f.write_str("local"),
            ServerRef::Saved(name) => f.write_str(name),
            ServerRef::Url(url) => match crate::conn::parse_connection_string(url) {
                Ok(p) => f.write_str(&p.fields.to_uri(None)),
                Err(_) => f.write_str("(a connection string)"),
            },
        }
    }
}

impl fmt::Debug for ServerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerRef({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_form() {
        assert_eq!(ServerRef::parse(None), ServerRef::Local);
        assert_eq!(
            ServerRef::parse(Some("staging")),
            ServerRef::Saved("staging".into())
        );
        for url in ["postgres://u@h/db", "host=h user=u"] {
            assert_eq!(ServerRef::parse(Some(url)), ServerRef::Url(url.into()));
        }
    }

    #[test]
    fn display_hides_the_password() {
        let r = ServerRef::parse(Some("postgres://alice:s3cret@db.example:5433/app"));
        let shown = format!("{r} {r:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.example"), "{shown}");
    }
}
