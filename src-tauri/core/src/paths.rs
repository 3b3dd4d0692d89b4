//! Where Grove keeps its files. `GROVE_DATA_DIR` overrides the platform data dir (tests, CI,
//! portable installs).
use crate::error::{ApiError, Result};
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
        // SAFETY: geteuid has no preconditions.
        #[cfg(unix)]
        if unsafe { libc::geteuid() } == 0 {
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

    /// Creates the data dir, with a clear error when it cannot be written.
    pub fn ensure(&self) -> Result<()> {
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            ApiError::new(
                crate::error::ErrorCode::Storage,
                format!(
                    "cannot create the data directory {}: {e}",
                    self.data_dir.display()
                ),
            )
        })?;
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
