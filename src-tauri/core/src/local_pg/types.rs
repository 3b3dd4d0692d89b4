//! What the embedded server reports (state, clone mode, status) and how to run one cluster.
use crate::error::ApiError;
use serde::Serialize;
use std::path::PathBuf;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum LocalState {
    Stopped,
    Starting,
    Running,
    Error,
}

/// How `CREATE DATABASE … STRATEGY FILE_COPY` copies files on this server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum CloneMode {
    /// PostgreSQL 18+ with `file_copy_method = clone` on a copy-on-write filesystem.
    Clone,
    /// A plain file copy.
    Copy,
    Unknown,
}

/// What the UI shows about the embedded server.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct LocalStatus {
    pub state: LocalState,
    pub version: Option<String>,
    pub port: Option<u16>,
    pub data_dir: String,
    pub bin_dir: Option<String>,
    pub clone_mode: CloneMode,
    pub clone_detail: String,
    pub error: Option<ApiError>,
}

/// How to run one managed cluster.
#[derive(Debug, Clone)]
pub struct LocalPgOptions {
    /// The cluster's own directory: `data/`, `server.log`, `superuser.pw`, `port`.
    pub root: PathBuf,
    /// Bin dir to use instead of the search (tests pin versions this way).
    pub bin_dir: Option<PathBuf>,
    /// A fixed port; an error if it is taken. None: reuse the last port if free, else any.
    pub port: Option<u16>,
    /// Stop the server when this process exits (test harness). The app stops it on quit.
    pub stop_with_process: bool,
    /// Extra `name = value` settings for grove.conf.
    pub settings: Vec<(String, String)>,
}

impl LocalPgOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalPgOptions {
            root: root.into(),
            bin_dir: None,
            port: None,
            stop_with_process: false,
            settings: Vec::new(),
        }
    }
}
