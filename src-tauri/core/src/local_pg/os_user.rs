//! The OS account the server runs as. Postgres refuses to run as root, so when Grove runs as
//! root the cluster belongs to an unprivileged user, and every tool runs as that user.
use super::binaries::Binaries;
use super::local_err;
use crate::error::{ApiError, ErrorCode, Result};
#[cfg(unix)]
use std::path::Path;
use tokio::process::Command;

/// The unprivileged account Postgres runs as when Grove itself runs as root.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// The account named `name`, from the user database (thread-safe `getpwnam_r`).
#[cfg(unix)]
fn lookup_user(name: &str) -> Option<RunAs> {
    let user = nix::unistd::User::from_name(name).ok()??;
    Some(RunAs {
        name: name.to_string(),
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    })
}

/// Postgres refuses to run as root: pick `GROVE_PG_OS_USER`, else `postgres`, else `nobody`.
#[cfg(unix)]
pub fn run_as_for_current_user() -> Result<Option<RunAs>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    if let Ok(name) = std::env::var("GROVE_PG_OS_USER") {
        return lookup_user(&name).map(Some).ok_or_else(|| {
            ApiError::new(
                ErrorCode::LocalServer,
                format!("GROVE_PG_OS_USER: no such user \"{name}\""),
            )
        });
    }
    for name in ["postgres", "nobody"] {
        if let Some(u) = lookup_user(name) {
            return Ok(Some(u));
        }
    }
    Err(ApiError::new(
        ErrorCode::LocalServer,
        "running as root and no unprivileged user (postgres, nobody) exists to run PostgreSQL",
    )
    .with_hint("set GROVE_PG_OS_USER to an unprivileged account"))
}

#[cfg(not(unix))]
pub fn run_as_for_current_user() -> Result<Option<RunAs>> {
    Ok(None)
}

/// Whether `user` can reach `path` (every ancestor searchable). Root's home usually is not.
#[cfg(unix)]
pub(super) fn reachable_by(path: &Path, user: &RunAs) -> bool {
    use std::os::unix::fs::MetadataExt;
    for anc in path.ancestors().skip(1) {
        let Ok(m) = std::fs::metadata(anc) else {
            continue;
        };
        let mode = m.mode();
        let ok = if m.uid() == user.uid {
            mode & 0o100 != 0
        } else if m.gid() == user.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(unix)]
pub(super) fn chown(path: &Path, user: &RunAs) -> Result<()> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).map_err(|e| {
        local_err(format!(
            "cannot hand {} to user {}: {e}",
            path.display(),
            user.name
        ))
    })
}

/// A server tool (`initdb`, `pg_ctl`) with a clean environment, run as `run_as` if given.
pub(super) fn command_as(bins: &Binaries, tool: &str, run_as: Option<&RunAs>) -> Command {
    let mut cmd = Command::new(bins.tool(tool));
    cmd.env("LC_ALL", "C")
        .env_remove("PGDATA")
        .env_remove("PGPORT")
        .env_remove("PGHOST");
    cmd.kill_on_drop(false);
    #[cfg(unix)]
    if let Some(u) = run_as {
        cmd.uid(u.uid).gid(u.gid);
        // Postgres resolves its home-less user fine, but some tools read HOME.
        cmd.env("HOME", "/tmp");
    }
    let _ = run_as;
    cmd
}
