//! Where Grove keeps its files. `GROVE_DATA_DIR` overrides the platform data dir (tests, CI,
//! portable installs).
use crate::error::{ApiError, Result};
use crate::private_fs::{create_private_dir, open_private, restrict, PRIVATE_DIR, PRIVATE_FILE};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_dir: PathBuf,
    /// The embedded cluster's directory; see `from_env` for why it may live elsewhere.
    pub local_pg_root: PathBuf,
}

impl Paths {
    pub fn from_env() -> Result<Self> {
        if let Some(dir) = std::env::var_os("GROVE_DATA_DIR").filter(|v| !v.is_empty()) {
            return Ok(Paths::at(dir));
        }
        let dirs = directories::ProjectDirs::from("dev", "grove", "Grove").ok_or_else(|| {
            ApiError::internal("cannot determine the platform data directory (no home directory?)")
        })?;
        let mut paths = Paths::at(dirs.data_dir());
        // As root, Postgres runs as an unprivileged user who cannot enter root's home.
        #[cfg(unix)]
        if nix::unistd::geteuid().is_root() {
            paths.local_pg_root = PathBuf::from("/var/lib/grove/local-pg");
        }
        Ok(paths)
    }

    pub fn at(dir: impl AsRef<Path>) -> Self {
        let data_dir = dir.as_ref().to_path_buf();
        Paths {
            local_pg_root: data_dir.join("local-pg"),
            data_dir,
        }
    }

    pub fn state_db(&self) -> PathBuf {
        self.data_dir.join("state.sqlite")
    }
    pub fn log_file(&self) -> PathBuf {
        self.data_dir.join("grove.log")
    }

    /// Creates the data dir (0700), with a clear error when it cannot be written, and makes
    /// an existing one and Grove's files in it private: older versions left them readable by
    /// every local user, and they hold query history, saved queries and logs.
    pub fn ensure(&self) -> Result<()> {
        create_private_dir(&self.data_dir).map_err(|e| {
            ApiError::new(
                crate::error::ErrorCode::Storage,
                format!(
                    "cannot create the data directory {}: {e}",
                    self.data_dir.display()
                ),
            )
        })?;
        self.tighten();
        let probe = self.data_dir.join(".write-probe");
        std::fs::write(&probe, b"ok").map_err(|e| {
            ApiError::new(
                crate::error::ErrorCode::Storage,
                format!(
                    "the data directory {} is not writable: {e}",
                    self.data_dir.display()
                ),
            )
            .with_hint("set GROVE_DATA_DIR to a writable directory")
        })?;
        let _ = std::fs::remove_file(probe);
        Ok(())
    }

    /// Opens grove.log for appending, creating it (and the data dir) private.
    pub fn open_log_file(&self) -> std::io::Result<std::fs::File> {
        create_private_dir(&self.data_dir)?;
        let file = open_private(&self.log_file(), false)?;
        restrict(&self.log_file(), PRIVATE_FILE)?;
        Ok(file)
    }

    /// Owner-only modes for the data dir and the files Grove keeps there. A failure is only
    /// logged: a directory Grove may write but not chmod (someone else's) still works.
    fn tighten(&self) {
        let state = self.state_db();
        let mut targets = vec![(self.data_dir.clone(), self.data_dir_mode())];
        for file in crate::store::sqlite_files(&state)
            .into_iter()
            .chain([self.log_file()])
        {
            targets.push((file, PRIVATE_FILE));
        }
        for (path, mode) in targets {
            if let Err(e) = restrict(&path, mode) {
                tracing::warn!("cannot make {} private: {e}", path.display());
            }
        }
    }

    /// 0700, except when Grove runs as root with the embedded cluster inside the data dir
    /// (`GROVE_DATA_DIR`): the account the cluster runs as must pass through then, so the
    /// directory goes to that account's group with mode 0710 (enter, not list). Its files stay
    /// 0600, the cluster's directory belongs to that account alone.
    fn data_dir_mode(&self) -> u32 {
        #[cfg(unix)]
        if self.local_pg_root.starts_with(&self.data_dir) {
            if let Ok(Some(user)) = crate::local_pg::run_as_for_current_user() {
                match std::os::unix::fs::chown(&self.data_dir, None, Some(user.gid)) {
                    Ok(()) => return 0o710,
                    Err(e) => tracing::warn!(
                        "cannot give {} to group {}: {e}",
                        self.data_dir.display(),
                        user.gid
                    ),
                }
            }
        }
        PRIVATE_DIR
    }
}

/// Where exports go by default: the user's Downloads folder, else the home directory.
pub fn downloads_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| {
            u.download_dir()
                .map(Path::to_path_buf)
                .or_else(|| Some(u.home_dir().to_path_buf()))
        })
        .unwrap_or_else(std::env::temp_dir)
}

/// Writes a file the user asked for (an exported script), atomically: a temp file then rename,
/// so a failure (full disk) never leaves a half-written file under the chosen name.
pub fn write_user_file(path: &Path, contents: &str) -> Result<()> {
    let err = |e: std::io::Error| {
        ApiError::new(
            crate::error::ErrorCode::Storage,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    if path.as_os_str().is_empty() {
        return Err(ApiError::invalid("no file name given"));
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".part");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, contents).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}
