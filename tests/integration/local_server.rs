//! The managed local Postgres: start, stop, recovery, clone mode, and clear errors.
use crate::harness::{self, options, Btrfs};
use grove_core::local_pg::{run_as_for_current_user, CloneMode, LocalPg, LocalState};
use grove_core::paths::Paths;
use grove_core::{ErrorCode, Grove};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[tokio::test]
async fn starts_stops_and_restarts_on_the_same_data() {
    for major in harness::VERSIONS {
        let opts = options(major, &format!("restart{major}"));
        let pg = LocalPg::start(&opts).await.unwrap();
        assert_eq!(pg.bins.major, major);
        let s = pg.connect("postgres").await.unwrap();
        s.batch_execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)")
            .await
            .unwrap();
        drop(s);
        assert!(pg.is_running());
        pg.stop().await.unwrap();
        assert!(!pg.is_running());
        assert_eq!(LocalPg::inspect(&opts).await.state, LocalState::Stopped);

        let again = LocalPg::start(&opts).await.unwrap();
        let s = again.connect("postgres").await.unwrap();
        let v: i32 = s.query_one("SELECT x FROM kept", &[]).await.unwrap().get(0);
        assert_eq!(v, 42, "data survives a restart");
        assert_eq!(LocalPg::inspect(&opts).await.state, LocalState::Running);
        again.stop().await.unwrap();
    }
}

#[tokio::test]
async fn adopts_an_instance_left_running() {
    let opts = options(18, "adopt");
    let first = LocalPg::start(&opts).await.unwrap();
    let pid = first.pid().unwrap();
    // A second Grove (or a restarted one) finds it running and uses it instead of failing.
    let second = LocalPg::start(&opts).await.unwrap();
    assert_eq!(second.port, first.port);
    assert_eq!(second.pid(), Some(pid));
    second.connect("postgres").await.unwrap();
    second.stop().await.unwrap();
}

#[tokio::test]
async fn recovers_from_a_killed_server_and_a_stale_pid_file() {
    let opts = options(18, "stale");
    let pg = LocalPg::start(&opts).await.unwrap();
    let pid = pg.pid().unwrap();
    // SAFETY: plain kill(2) on a pid we started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(
        grove_core::local_pg::wait_until(std::time::Duration::from_secs(10), || {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        })
        .await
    );
    assert!(
        pg.data_dir.join("postmaster.pid").exists(),
        "kill -9 leaves the pid file behind"
    );
    // Make the stale file name a live non-postgres process (pid reuse): it must still recover.
    let text = std::fs::read_to_string(pg.data_dir.join("postmaster.pid")).unwrap();
    let rest: Vec<&str> = text.lines().skip(1).collect();
    std::fs::write(
        pg.data_dir.join("postmaster.pid"),
        format!("{}\n{}\n", std::process::id(), rest.join("\n")),
    )
    .unwrap();
    // Orphaned backends of the killed postmaster may hold shared memory for a moment: retry
    // until the start succeeds, however long that moment is on this machine (within reason).
    let deadline = Instant::now() + Duration::from_secs(60);
    let last = loop {
        match LocalPg::start(&opts).await {
            Ok(again) => {
                again.connect("postgres").await.unwrap();
                again.stop().await.unwrap();
                return;
            }
            Err(e) if Instant::now() >= deadline => break e,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    panic!("did not recover: {last:?}");
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut opts = options(18, "port");
    opts.port = Some(port);
    let e = LocalPg::start(&opts).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::LocalServer);
    assert!(
        e.message
            .contains(&format!("port {port} is already in use")),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn missing_binaries_are_a_clear_error() {
    let mut opts = options(18, "nobin");
    opts.bin_dir = Some("/nonexistent/pg/bin".into());
    let e = LocalPg::start(&opts).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::MissingBinaries);
    assert!(e.message.contains("/nonexistent/pg/bin"), "{}", e.message);
}

#[tokio::test]
async fn an_unwritable_data_dir_is_a_clear_error() {
    // A path below a regular file cannot be created, even by root.
    let file = harness::scratch_dir("unwritable").join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let mut opts = options(18, "unwritable2");
    opts.root = file.join("cluster");
    let e = LocalPg::start(&opts).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::LocalServer);
    assert!(e.message.contains("cannot create"), "{}", e.message);

    let e = grove_core::paths::Paths::at(file.join("state"))
        .ensure()
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Storage);
}

#[tokio::test]
async fn postgres_15_copies_files() {
    let pg = harness::server(15).await;
    assert_eq!(pg.clone_mode, CloneMode::Copy);
    assert!(pg.clone_detail.contains("18"), "{}", pg.clone_detail);
}

#[tokio::test]
async fn postgres_18_on_btrfs_clones_files() {
    let fs = Btrfs::create("clone", "1G");
    let mut opts = options(18, "clone-unused");
    opts.root = fs.mount.join("cluster");
    let pg = LocalPg::start(&opts).await.unwrap();
    assert_eq!(pg.clone_mode, CloneMode::Clone, "{}", pg.clone_detail);
    let s = pg.connect("postgres").await.unwrap();
    let method: String = s
        .query_one("SHOW file_copy_method", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(method, "clone");
    s.batch_execute("CREATE DATABASE src; ").await.unwrap();
    s.batch_execute("CREATE DATABASE copy TEMPLATE src STRATEGY FILE_COPY")
        .await
        .unwrap();
    drop(s);
    pg.stop().await.unwrap();

    // The same binaries on an ordinary directory fall back to copying.
    let plain = harness::server(18).await;
    let fs_type = std::process::Command::new("stat")
        .args(["-f", "-c", "%T"])
        .arg(&plain.data_dir)
        .output()
        .unwrap();
    let fs_type = String::from_utf8_lossy(&fs_type.stdout).trim().to_string();
    if fs_type != "btrfs" && fs_type != "xfs" {
        assert_eq!(
            plain.clone_mode,
            CloneMode::Copy,
            "{fs_type}: {}",
            plain.clone_detail
        );
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Grove's local state and embedded server on `paths`, as the app starts them: the data dir
/// and state database (`Grove::open`), the log file, and the cluster.
async fn start_grove(paths: &Paths) -> (Grove, LocalPg) {
    let grove = Grove::open(paths.clone()).await.unwrap();
    // A write, so SQLite's WAL and shared-memory files exist too.
    grove.store.set_setting("probe", "x").await.unwrap();
    drop(paths.open_log_file().unwrap());
    let mut opts = options(18, "private-unused");
    opts.root = paths.local_pg_root.clone();
    let pg = LocalPg::start(&opts).await.unwrap();
    (grove, pg)
}

/// Every directory and file that holds user data, with the mode it must have.
fn private_files(paths: &Paths) -> Vec<(PathBuf, u32)> {
    // Under root with the cluster inside the data dir, the cluster's account (through its
    // group) may pass through the data dir, but not list it.
    let data_dir_mode = match run_as_for_current_user().unwrap() {
        Some(_) => 0o710,
        None => 0o700,
    };
    let state = paths.state_db().display().to_string();
    let pg = &paths.local_pg_root;
    vec![
        (paths.data_dir.clone(), data_dir_mode),
        (paths.state_db(), 0o600),
        (format!("{state}-wal").into(), 0o600),
        (format!("{state}-shm").into(), 0o600),
        (paths.log_file(), 0o600),
        (pg.clone(), 0o700),
        (pg.join("server.log"), 0o600),
        (pg.join("superuser.pw"), 0o600),
        (pg.join("port"), 0o600),
    ]
}

fn assert_private(paths: &Paths) {
    let wrong: Vec<String> = private_files(paths)
        .into_iter()
        .filter(|(path, want)| mode(path) != *want)
        .map(|(path, want)| format!("{}: {:o}, want {want:o}", path.display(), mode(&path)))
        .collect();
    assert!(wrong.is_empty(), "readable by others: {wrong:#?}");
    if let Some(u) = run_as_for_current_user().unwrap() {
        let data = std::fs::metadata(&paths.data_dir).unwrap();
        assert_eq!(data.gid(), u.gid, "the data dir's group is the cluster's");
        let root = std::fs::metadata(&paths.local_pg_root).unwrap();
        assert_eq!(
            root.uid(),
            u.uid,
            "the cluster's dir belongs to its account"
        );
    }
}

#[tokio::test]
async fn the_data_dir_and_server_files_are_created_private() {
    let paths = Paths::at(harness::scratch_dir("private-new").join("grove"));
    assert!(!paths.data_dir.exists());
    let (grove, pg) = start_grove(&paths).await;
    assert_private(&paths);
    pg.stop().await.unwrap();
    grove.store.close().await;
}

#[tokio::test]
async fn existing_data_dirs_and_files_are_made_private_on_start() {
    let paths = Paths::at(harness::scratch_dir("private-old").join("grove"));
    let (grove, pg) = start_grove(&paths).await;
    pg.stop().await.unwrap();
    grove.store.close().await;
    // As an older Grove left them: everything readable by every local user.
    for ext in ["sqlite-wal", "sqlite-shm"] {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(paths.state_db().with_extension(ext))
            .unwrap();
    }
    for (path, want) in private_files(&paths) {
        let old = if want == 0o600 { 0o644 } else { 0o755 };
        harness::set_mode(&path, old);
        assert_eq!(mode(&path), old);
    }

    let (grove, pg) = start_grove(&paths).await;
    assert_private(&paths);
    pg.stop().await.unwrap();
    grove.store.close().await;
}
