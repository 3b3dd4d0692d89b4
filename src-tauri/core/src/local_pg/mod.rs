//! Grove's own PostgreSQL: finding binaries, initdb, start/stop, recovery from a stale
//! `postmaster.pid` or an instance left running, and the copy-on-write probe that decides
//! `file_copy_method = clone`. The test harness uses exactly this code to run throwaway servers.
//!
//! - `types`: options and the status the UI shows
//! - `binaries`: finding server binaries
//! - `os_user`: the account the server runs as when Grove runs as root
//! - `start`: the cluster's private directory, initdb, adopting or recovering, `inspect`
//! - `process`: `pg_ctl` start/stop, the pid file, ports, the harness's watcher
//! - `config`: `grove.conf` and the superuser password
//! - `clone`: the reflink probe
mod binaries;
mod clone;
mod config;
mod os_user;
mod process;
mod start;
mod types;

pub use binaries::{find_binaries, Binaries};
pub use clone::probe_reflink;
pub use os_user::{run_as_for_current_user, RunAs};
pub use types::{CloneMode, LocalPgOptions, LocalState, LocalStatus};

use crate::conn::{ConnectOptions, ConnectionFields, Session, SslMode};
use crate::error::{ApiError, ErrorCode, Result};
use std::path::PathBuf;
use std::time::Duration;
use tokio::process::Command;

/// The superuser Grove creates in its own clusters.
pub const SUPERUSER: &str = "grove";

/// A running managed cluster.
#[derive(Debug, Clone)]
pub struct LocalPg {
    pub root: PathBuf,
    pub data_dir: PathBuf,
    pub bins: Binaries,
    pub port: u16,
    pub clone_mode: CloneMode,
    pub clone_detail: String,
    password: String,
    run_as: Option<RunAs>,
}

fn local_err(msg: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::LocalServer, msg)
}

impl LocalPg {
    fn command(&self, tool: &str) -> Command {
        os_user::command_as(&self.bins, tool, self.run_as.as_ref())
    }

    fn detect_clone_mode(&mut self) {
        (self.clone_mode, self.clone_detail) = clone::detect(self.bins.major, &self.data_dir);
    }

    pub fn fields(&self, database: &str) -> ConnectionFields {
        ConnectionFields {
            host: "127.0.0.1".into(),
            port: self.port,
            user: SUPERUSER.into(),
            database: database.into(),
            sslmode: SslMode::Disable,
            sslrootcert: None,
        }
    }

    /// The generated superuser password (kept in a 0600 file beside the data dir).
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn uri(&self, database: &str) -> String {
        self.fields(database).to_uri(Some(&self.password))
    }

    pub async fn connect(&self, database: &str) -> Result<Session> {
        crate::conn::connect(
            &self.fields(database),
            Some(&self.password),
            &ConnectOptions::default(),
        )
        .await
    }

    pub fn status(&self) -> LocalStatus {
        LocalStatus {
            state: if self.is_running() {
                LocalState::Running
            } else {
                LocalState::Stopped
            },
            version: Some(self.bins.version.clone()),
            port: Some(self.port),
            data_dir: self.data_dir.display().to_string(),
            bin_dir: Some(self.bins.bin_dir.display().to_string()),
            clone_mode: self.clone_mode,
            clone_detail: self.clone_detail.clone(),
            error: None,
        }
    }
}

/// Waits until `cond` holds or `timeout` passes.
pub async fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while std::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cond()
}
