//! Bringing a cluster up: its private directory, initdb the first time, adopting an instance
//! left running, recovering from a stale pid file, picking a port; and `inspect`, which tells
//! what is there without starting anything.
use super::binaries::{find_binaries, Binaries};
use super::config::{include_grove_conf, random_password};
#[cfg(unix)]
use super::os_user::{chown, reachable_by};
use super::os_user::{run_as_for_current_user, RunAs};
use super::process::{any_free_port, pid_is_postgres, port_free, read_pid_file};
use super::types::{CloneMode, LocalPgOptions, LocalState, LocalStatus};
use super::{clone, local_err, LocalPg, SUPERUSER};
use crate::error::Result;
use crate::private_fs::{create_private_dir, restrict, write_private, PRIVATE_DIR, PRIVATE_FILE};
use std::path::Path;

/// Creates the cluster's directory 0700 and tightens an older one and Grove's files in it
/// (the password, the last port). Under root the directory belongs to the account the server
/// runs as, who must be able to reach it and the binaries.
fn prepare_root(root: &Path, bins: &Binaries, run_as: Option<&RunAs>) -> Result<()> {
    create_private_dir(root).map_err(|e| {
        local_err(format!("cannot create {}: {e}", root.display()))
            .with_hint("check that the data directory is writable")
    })?;
    for (path, mode) in [
        (root.to_path_buf(), PRIVATE_DIR),
        (root.join("superuser.pw"), PRIVATE_FILE),
        (root.join("port"), PRIVATE_FILE),
    ] {
        if let Err(e) = restrict(&path, mode) {
            tracing::warn!("cannot make {} private: {e}", path.display());
        }
    }
    #[cfg(unix)]
    if let Some(u) = run_as {
        if !reachable_by(root, u) {
            return Err(local_err(format!(
                "running as root, PostgreSQL runs as user \"{}\", who cannot reach {}",
                u.name,
                root.display()
            ))
            .with_hint(
                "set GROVE_DATA_DIR to a directory outside root's home, e.g. /var/lib/grove",
            ));
        }
        if !reachable_by(&bins.tool("postgres"), u) {
            return Err(local_err(format!(
                "user \"{}\" cannot run the binaries in {}",
                u.name,
                bins.bin_dir.display()
            )));
        }
        chown(root, u)?;
    }
    let _ = (bins, run_as);
    Ok(())
}

impl LocalPg {
    /// Initialises (first time), recovers (stale pid file, instance left running) and starts.
    pub async fn start(opts: &LocalPgOptions) -> Result<LocalPg> {
        let run_as = run_as_for_current_user()?;
        let bins = find_binaries(opts.bin_dir.as_deref()).await?;
        let root = opts.root.clone();
        prepare_root(&root, &bins, run_as.as_ref())?;
        let data_dir = root.join("data");
        let pw_file = root.join("superuser.pw");
        let mut pg = LocalPg {
            root: root.clone(),
            data_dir: data_dir.clone(),
            bins,
            port: 0,
            clone_mode: CloneMode::Unknown,
            clone_detail: String::new(),
            password: String::new(),
            run_as,
        };

        if !data_dir.join("PG_VERSION").is_file() || !pw_file.is_file() {
            pg.initdb(&pw_file).await?;
        }
        pg.password = std::fs::read_to_string(&pw_file)?.trim().to_string();
        let data_major: u32 = std::fs::read_to_string(data_dir.join("PG_VERSION"))?
            .trim()
            .parse()
            .unwrap_or(0);
        if data_major != pg.bins.major {
            return Err(local_err(format!(
                "the data directory {} was created by PostgreSQL {data_major}, but the binaries are PostgreSQL {}",
                data_dir.display(),
                pg.bins.version
            ))
            .with_hint("point GROVE_PG_BIN at matching binaries, or move the data directory away to start fresh"));
        }

        pg.detect_clone_mode();

        // An instance left running (by a crashed Grove or another window): adopt it.
        if let Some((pid, port)) = read_pid_file(&data_dir) {
            if pid_is_postgres(pid) {
                pg.port = port;
                if pg.connect("postgres").await.is_ok() {
                    tracing::info!("adopted running local PostgreSQL (pid {pid}, port {port})");
                    pg.watch_process(opts);
                    return Ok(pg);
                }
                return Err(local_err(format!(
                    "a PostgreSQL (pid {pid}) is running on {} but does not accept Grove's connection on port {port}",
                    data_dir.display()
                )));
            }
            tracing::warn!("removing stale postmaster.pid (pid {pid} is not running)");
            std::fs::remove_file(data_dir.join("postmaster.pid"))?;
        }

        pg.port = pick_port(opts, &root)?;
        pg.write_conf(opts)?;
        pg.pg_ctl_start().await?;
        write_private(&root.join("port"), &pg.port.to_string())?;
        pg.watch_process(opts);
        Ok(pg)
    }

    async fn initdb(&self, pw_file: &Path) -> Result<()> {
        let _ = std::fs::remove_dir_all(&self.data_dir);
        let password = random_password();
        // initdb reads the password from a file the server's user can read; it is removed after.
        let tmp_pw = self.root.join(".initdb-pw");
        write_private(&tmp_pw, &password)?;
        #[cfg(unix)]
        if let Some(u) = &self.run_as {
            chown(&tmp_pw, u)?;
        }
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .arg(format!("--pwfile={}", tmp_pw.display()))
            .output()
            .await;
        let _ = std::fs::remove_file(&tmp_pw);
        let out = out.map_err(|e| local_err(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&self.data_dir);
            return Err(local_err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or("unknown error")
            )));
        }
        include_grove_conf(&self.data_dir)?;
        write_private(pw_file, &password)?;
        Ok(())
    }

    /// What is known without starting anything: binaries, whether a server is running on the
    /// data dir, and the clone mode it would use.
    pub async fn inspect(opts: &LocalPgOptions) -> LocalStatus {
        let data_dir = opts.root.join("data");
        let mut status = LocalStatus {
            state: LocalState::Stopped,
            version: None,
            port: None,
            data_dir: data_dir.display().to_string(),
            bin_dir: None,
            clone_mode: CloneMode::Unknown,
            clone_detail: "not initialised yet".into(),
            error: None,
        };
        match find_binaries(opts.bin_dir.as_deref()).await {
            Ok(bins) => {
                status.version = Some(bins.version.clone());
                status.bin_dir = Some(bins.bin_dir.display().to_string());
                if data_dir.is_dir() {
                    (status.clone_mode, status.clone_detail) = clone::detect(bins.major, &data_dir);
                }
            }
            Err(e) => {
                status.state = LocalState::Error;
                status.error = Some(e);
            }
        }
        if let Some((pid, port)) = read_pid_file(&data_dir) {
            if pid_is_postgres(pid) {
                status.state = LocalState::Running;
                status.port = Some(port);
            }
        }
        status
    }
}

/// A fixed port must be free; otherwise the last one if it still is, else any free port.
fn pick_port(opts: &LocalPgOptions, root: &Path) -> Result<u16> {
    Ok(match opts.port {
        Some(p) if !port_free(p) => {
            return Err(
                local_err(format!("port {p} is already in use on 127.0.0.1"))
                    .with_hint("choose another port, or leave it empty to pick a free one"),
            )
        }
        Some(p) => p,
        None => {
            let last = std::fs::read_to_string(root.join("port"))
                .ok()
                .and_then(|s| s.trim().parse().ok());
            match last {
                Some(p) if port_free(p) => p,
                _ => any_free_port()?,
            }
        }
    })
}
