//! The postmaster process: `pg_ctl` start and stop, its pid file, whether it runs, free
//! ports, and the watcher that stops a test harness's server with the test process.
#[cfg(unix)]
use super::os_user::chown;
use super::{local_err, LocalPg, LocalPgOptions};
use crate::error::Result;
use crate::private_fs::{open_private, restrict, PRIVATE_FILE};
use std::path::{Path, PathBuf};

pub(super) fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

pub(super) fn any_free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| local_err(format!("no free loopback port: {e}")))?;
    Ok(l.local_addr()?.port())
}

fn pid_alive(pid: i32) -> bool {
    #[cfg(unix)]
    {
        use nix::errno::Errno;
        // Signal 0 only checks for existence/permission.
        match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
            Ok(()) | Err(Errno::EPERM) => true,
            Err(_) => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Is `pid` a postgres process? (A stale pid file may name an unrelated, reused pid.)
pub(super) fn pid_is_postgres(pid: i32) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => String::from_utf8_lossy(&cmd).contains("postgres"),
        Err(_) => !cfg!(target_os = "linux"),
    }
}

/// (pid, port) from `postmaster.pid`.
pub(super) fn read_pid_file(data_dir: &Path) -> Option<(i32, u16)> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let port = lines.nth(2)?.trim().parse().ok()?;
    Some((pid, port))
}

impl LocalPg {
    pub(super) fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    /// The server log holds error details: it is created 0600 before `pg_ctl` appends to it
    /// (Grove runs without the logging collector, so `log_file_mode` does not apply), an
    /// older one is tightened, and under root it belongs to the server's account.
    fn prepare_log(&self) -> Result<PathBuf> {
        let log = self.log_file();
        open_private(&log, false)
            .and_then(|_| restrict(&log, PRIVATE_FILE))
            .map_err(|e| local_err(format!("cannot create {}: {e}", log.display())))?;
        #[cfg(unix)]
        if let Some(u) = &self.run_as {
            chown(&log, u)?;
        }
        Ok(log)
    }

    pub(super) async fn pg_ctl_start(&self) -> Result<()> {
        let log = self.prepare_log()?;
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-s", "start"])
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|e| local_err(format!("cannot run pg_ctl: {e}")))?;
        if !out.status.success() {
            let tail = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .rev()
                .filter(|l| l.contains("FATAL") || l.contains("ERROR") || l.contains("LOG"))
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            return Err(local_err(format!(
                "PostgreSQL did not start: {}{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                if tail.is_empty() {
                    String::new()
                } else {
                    format!("\n{tail}")
                }
            ))
            .with_hint(format!("see {}", log.display())));
        }
        Ok(())
    }

    /// Harness mode: a watcher process stops the server when this process ends, however it ends.
    pub(super) fn watch_process(&self, opts: &LocalPgOptions) {
        if !opts.stop_with_process || !cfg!(unix) {
            return;
        }
        let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; \
                      pid=$(head -n1 \"$2/postmaster.pid\" 2>/dev/null) && kill -INT \"$pid\"";
        let _ = std::process::Command::new("sh")
            .args(["-c", script, "grove-pg-watch"])
            .arg(std::process::id().to_string())
            .arg(&self.data_dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }

    /// Fast shutdown (disconnects sessions, no recovery needed on next start).
    pub async fn stop(&self) -> Result<()> {
        if read_pid_file(&self.data_dir).is_none() {
            return Ok(());
        }
        let out = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "fast", "-w", "-t", "60", "-s", "stop"])
            .output()
            .await
            .map_err(|e| local_err(format!("cannot run pg_ctl: {e}")))?;
        if !out.status.success() && read_pid_file(&self.data_dir).is_some() {
            return Err(local_err(format!(
                "PostgreSQL did not stop: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    /// Is the postmaster still there?
    pub fn is_running(&self) -> bool {
        read_pid_file(&self.data_dir).is_some_and(|(pid, _)| pid_is_postgres(pid))
    }

    /// The postmaster's pid (fault-injection tests kill it).
    pub fn pid(&self) -> Option<i32> {
        read_pid_file(&self.data_dir).map(|(pid, _)| pid)
    }
}
