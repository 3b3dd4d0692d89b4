//! `Grove`: the application's state and operations, shared by the desktop app and the CLI.
use crate::conn::{self, ConnectionFields, ParsedUri, TestResult};
use crate::error::{ApiError, ErrorCode, Result};
use crate::local_pg::{CloneMode, LocalPg, LocalPgOptions, LocalState, LocalStatus};
use crate::paths::Paths;
use crate::secrets::Secrets;
use crate::server_ref::ServerRef;
use crate::store::{SavedConnection, Store};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::{watch, Mutex};
use ts_rs::TS;

/// What the user typed in the connection dialog (or the CLI parsed).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct ConnectionDraft {
    pub name: String,
    pub fields: ConnectionFields,
    /// None when editing means "keep the stored password".
    pub password: Option<String>,
}

/// The embedded server: at most one start/stop at a time, status published to watchers.
pub struct LocalServer {
    opts: LocalPgOptions,
    running: Mutex<Option<LocalPg>>,
    status: watch::Sender<LocalStatus>,
}

impl LocalServer {
    pub fn new(opts: LocalPgOptions) -> Self {
        let initial = LocalStatus {
            state: LocalState::Stopped,
            version: None,
            port: None,
            data_dir: opts.root.join("data").display().to_string(),
            bin_dir: None,
            clone_mode: CloneMode::Unknown,
            clone_detail: "not started yet".into(),
            error: None,
        };
        LocalServer {
            opts,
            running: Mutex::new(None),
            status: watch::channel(initial).0,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<LocalStatus> {
        self.status.subscribe()
    }

    /// The current status; notices a server that died under us.
    pub async fn status(&self) -> LocalStatus {
        let running = self.running.lock().await;
        if let Some(pg) = running.as_ref() {
            let now = pg.status();
            if now.state != self.status.borrow().state {
                self.status.send_replace(now);
            }
        }
        self.status.borrow().clone()
    }

    /// Starts the server (idempotent) and returns it.
    pub async fn ensure_started(&self) -> Result<LocalPg> {
        let mut running = self.running.lock().await;
        if let Some(pg) = running.as_ref() {
            if pg.is_running() {
                return Ok(pg.clone());
            }
        }
        self.status.send_modify(|s| {
            s.state = LocalState::Starting;
            s.error = None;
        });
        match LocalPg::start(&self.opts).await {
            Ok(pg) => {
                self.status.send_replace(pg.status());
                *running = Some(pg.clone());
                Ok(pg)
            }
            Err(e) => {
                self.status.send_modify(|s| {
                    s.state = LocalState::Error;
                    s.error = Some(e.clone());
                });
                Err(e)
            }
        }
    }

    pub async fn stop(&self) -> Result<()> {
        let mut running = self.running.lock().await;
        if let Some(pg) = running.take() {
            if let Err(e) = pg.stop().await {
                *running = Some(pg);
                return Err(e);
            }
        }
        self.status.send_modify(|s| {
            s.state = LocalState::Stopped;
            s.port = None;
        });
        Ok(())
    }

    /// The running server, if any, without starting it.
    pub async fn current(&self) -> Option<LocalPg> {
        self.running.lock().await.clone()
    }
}

/// A server picked by the user, ready to connect to.
#[derive(Debug, Clone)]
pub struct ServerAccess {
    /// "local", a saved connection's id, or "url" for a URL given directly.
    pub id: String,
    /// Connection fields, `database` being the server's maintenance database.
    pub fields: ConnectionFields,
    pub password: Option<String>,
}

/// An editor tab's session as the UI sees it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SqlTabInfo {
    pub server_version: Option<String>,
    /// New transactions are read-only (a protected branch, until unlocked).
    pub read_only: bool,
    pub tx_status: crate::sql::TxStatus,
}

/// A `RunEvent` of the run `run_id` in editor tab `tab_id` (the app's event payload).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SqlRunEvent {
    pub tab_id: String,
    pub run_id: String,
    pub event: crate::sql::RunEvent,
}

/// Closes Grove's own sessions (the desktop app's editor tabs) on a branch of a server.
pub type ReleaseSessions = Arc<dyn Fn(&ServerRef, &str) + Send + Sync>;

pub struct Grove {
    pub paths: Paths,
    pub store: Store,
    pub secrets: Secrets,
    pub local: Arc<LocalServer>,
    /// Set by the desktop app: closes its own sessions on a branch before an operation that
    /// the core starts by itself (a scheduled refresh) or that must rename the branch.
    release_sessions: std::sync::RwLock<Option<ReleaseSessions>>,
}

impl Grove {
    /// Opens local state under `paths` (creating it), without starting the local server.
    pub async fn open(paths: Paths) -> Result<Grove> {
        paths.ensure()?;
        let store = Store::open(&paths.state_db()).await?;
        let local = Arc::new(LocalServer::new(LocalPgOptions::new(
            paths.local_pg_root.clone(),
        )));
        Ok(Grove {
            paths,
            store,
            secrets: Secrets::default(),
            local,
            release_sessions: std::sync::RwLock::new(None),
        })
    }

    /// Registers how Grove's own sessions on a branch are closed (the desktop app closes its
    /// editor tabs on it; they reopen on their next run). Operations that rename a branch the
    /// caller did not name itself, such as scheduled refreshes, call it first so that those
    /// sessions never block them.
    pub fn on_release_sessions(&self, release: ReleaseSessions) {
        *self
            .release_sessions
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(release);
    }

    /// Closes Grove's own sessions on `branch` of `server`, if a way to was registered.
    pub(crate) fn release_own_sessions(&self, server: &ServerRef, branch: &str) {
        let release = self
            .release_sessions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if let Some(release) = release {
            release(server, branch);
        }
    }

    /// Connection details of a server: the embedded local server is started on demand; a
    /// saved connection's password comes from the keychain.
    pub async fn server(&self, server: &ServerRef) -> Result<ServerAccess> {
        Ok(match server {
            ServerRef::Local => {
                let pg = self.local.ensure_started().await?;
                ServerAccess {
                    id: "local".into(),
                    fields: pg.fields("postgres"),
                    password: Some(pg.password().to_string()),
                }
            }
            ServerRef::Url(url) => {
                let p = conn::parse_connection_string(url)?;
                ServerAccess {
                    id: "url".into(),
                    fields: p.fields,
                    password: p.password,
                }
            }
            ServerRef::Saved(name) => {
                let c = self.find_connection(name).await?;
                let password = self.password_of(&c).await?;
                ServerAccess {
                    id: c.id,
                    fields: c.fields,
                    password,
                }
            }
        })
    }

    pub async fn list_connections(&self) -> Result<Vec<SavedConnection>> {
        self.store.list_connections().await
    }

    /// Saves a new connection (id None) or updates one. The password goes to the keychain
    /// before the row is written, so a keychain failure saves nothing.
    pub async fn save_connection(
        &self,
        id: Option<&str>,
        draft: ConnectionDraft,
    ) -> Result<SavedConnection> {
        let name = draft.name.trim();
        if name.is_empty() {
            return Err(ApiError::invalid("connection name is empty"));
        }
        if name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "connection name must be at most 100 printable characters",
            ));
        }
        draft.fields.validate()?;
        if let Some(other) = self.store.find_connection_by_name(name).await? {
            if Some(other.id.as_str()) != id {
                return Err(ApiError::new(
                    ErrorCode::AlreadyExists,
                    format!("a connection named \"{name}\" already exists"),
                ));
            }
        }
        let existing = match id {
            Some(id) => Some(self.store.get_connection(id).await?),
            None => None,
        };
        let id = existing
            .as_ref()
            .map(|c| c.id.clone())
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let has_password = match draft.password.as_deref() {
            Some("") => {
                self.secrets.delete(&id).await?;
                false
            }
            Some(p) => {
                self.secrets.set(&id, p).await?;
                true
            }
            None => existing.as_ref().is_some_and(|c| c.has_password),
        };
        let saved = SavedConnection {
            id,
            name: name.to_string(),
            fields: draft.fields,
            has_password,
            created_at: existing
                .map(|c| c.created_at)
                .unwrap_or_else(|| chrono::Utc::now().to_rfc3339()),
        };
        self.store.upsert_connection(&saved).await?;
        Ok(saved)
    }

    pub async fn remove_connection(&self, id: &str) -> Result<()> {
        let c = self.store.get_connection(id).await?;
        self.store.delete_connection(&c.id).await?;
        self.secrets.delete(&c.id).await?;
        Ok(())
    }

    /// Finds a saved connection by id or by name.
    pub async fn find_connection(&self, id_or_name: &str) -> Result<SavedConnection> {
        if let Some(c) = self.store.find_connection_by_name(id_or_name).await? {
            return Ok(c);
        }
        self.store
            .get_connection(id_or_name)
            .await
            .map_err(|_| ApiError::not_found(format!("no saved connection named \"{id_or_name}\"")))
    }

    /// The stored password of a saved connection, if it has one.
    pub async fn password_of(&self, c: &SavedConnection) -> Result<Option<String>> {
        if !c.has_password {
            return Ok(None);
        }
        match self.secrets.get(&c.id).await? {
            Some(p) => Ok(Some(p)),
            None => Err(ApiError::new(
                ErrorCode::Keychain,
                format!(
                    "the password of \"{}\" is missing from the OS keychain",
                    c.name
                ),
            )
            .with_hint("edit the connection and enter the password again")),
        }
    }

    /// Tests a draft; with `id` and no password in the draft, uses the stored password.
    pub async fn test_connection(
        &self,
        draft: &ConnectionDraft,
        id: Option<&str>,
    ) -> Result<TestResult> {
        let password = match (&draft.password, id) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(id)) => {
                let c = self.store.get_connection(id).await?;
                self.password_of(&c).await?
            }
            (None, None) => None,
        };
        conn::test_connection(&draft.fields, password.as_deref()).await
    }

    pub async fn test_saved_connection(&self, id_or_name: &str) -> Result<TestResult> {
        let c = self.find_connection(id_or_name).await?;
        let password = self.password_of(&c).await?;
        conn::test_connection(&c.fields, password.as_deref()).await
    }

    pub fn parse_connection_uri(&self, uri: &str) -> Result<ParsedUri> {
        conn::parse_connection_string(uri)
    }

    pub fn import_env_connection(&self) -> Result<Option<ParsedUri>> {
        conn::import_from_env()
    }
}
