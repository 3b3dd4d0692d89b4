//! The target's disk full: Grove's server keeps its databases (`base/`) on a small tmpfs (its
//! WAL stays on the normal disk, so the server does not PANIC), filled up to a few MB; adding
//! or refreshing a source bigger than that fails saying the disk is full, the old root is
//! intact, and nothing is left on either server.
use crate::branches::{assert_consistent, close, database_exists, unique};
use crate::harness::{self, fresh_db};
use crate::sources::{add, copy_sessions, count, ctx, target};
use grove_core::api::RefreshSource;
use grove_core::branch::OnBusy;
use grove_core::copy::TableSelection;
use grove_core::local_pg::{LocalPg, LocalPgOptions};
use grove_core::paths::Paths;
use grove_core::{ConnectionDraft, ErrorCode, Grove};
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A size-limited tmpfs, unmounted (lazily: a server may still have files open) on drop.
struct Tmpfs {
    mount: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size},mode=0755"))
            .arg("tmpfs")
            .arg(at));
        Tmpfs {
            mount: at.to_path_buf(),
        }
    }

    fn free(&self) -> u64 {
        let out = run(Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(&self.mount));
        out.lines().nth(1).unwrap().trim().parse().unwrap()
    }

    /// Fills the filesystem (a file of root's) until `bytes` are free.
    fn leave_free(&self, bytes: u64) {
        let fill = self.free().saturating_sub(bytes);
        run(Command::new("fallocate")
            .args(["-l", &fill.to_string()])
            .arg(self.mount.join("ballast")));
    }

    fn unfill(&self) {
        std::fs::remove_file(self.mount.join("ballast")).unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}

/// A PostgreSQL 18 server of the test's own whose databases live on `fs`.
async fn server_on(fs: &Tmpfs, opts: &LocalPgOptions) -> LocalPg {
    let pg = LocalPg::start(opts).await.unwrap();
    pg.stop().await.unwrap();
    let base = opts.root.join("data/base");
    run(Command::new("cp").arg("-a").arg(&base).arg(&fs.mount));
    std::fs::remove_dir_all(&base).unwrap();
    std::os::unix::fs::symlink(fs.mount.join("base"), &base).unwrap();
    LocalPg::start(opts).await.unwrap()
}

/// Sessions of the online copy still on `pg` (a server of the test's own).
async fn copy_sessions_on(pg: &LocalPg) -> i64 {
    let s = pg.connect("postgres").await.unwrap();
    let sql = format!(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = {}",
        grove_core::ident::quote_literal(grove_core::copy::APP)
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let n = count(&s, &sql).await;
        if n == 0 || std::time::Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn source_add_and_refresh_on_a_full_disk_fail_clearly_and_leave_nothing() {
    let src = harness::server(15).await;
    let fs = Tmpfs::mount(&harness::scratch_dir("disk-full-fs").join("mnt"), "120m");
    let mut opts = harness::options(18, "disk-full");
    // Nothing but the copy writes to the full disk (no autovacuum dirtying pages meanwhile).
    opts.settings.push(("autovacuum".into(), "off".into()));
    let dst = server_on(&fs, &opts).await;
    let grove = Grove::open(Paths::at(
        harness::scratch_dir("disk-full-grove").join("state"),
    ))
    .await
    .unwrap();
    let (db, s) = fresh_db(src).await;
    s.batch_execute(
        "CREATE TABLE keep (id int PRIMARY KEY, v text);
         INSERT INTO keep SELECT g, md5(g::text) FROM generate_series(1, 1000) g;
         CREATE TABLE big (id int PRIMARY KEY, payload text);",
    )
    .await
    .unwrap();
    let conn = unique("disk-full");
    let draft = ConnectionDraft {
        name: conn.clone(),
        fields: src.fields(&db),
        password: Some(src.password().to_string()),
    };
    grove.save_connection(None, draft).await.unwrap();
    let root = unique("prod");
    grove
        .add_source(add(&root, &dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();

    // About 20 MB more on the source; room for an empty database and 4 MB on the target.
    s.batch_execute(
        "INSERT INTO big SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 150000) g",
    )
    .await
    .unwrap();
    close(src, s).await;
    let admin = dst.connect("postgres").await.unwrap();
    let empty: i64 = admin
        .query_one("SELECT pg_database_size('template0')", &[])
        .await
        .unwrap()
        .get(0);
    // The server's pages are on disk: it is the copy that fills it. (Dirty pages of other
    // databases that could not be written would make the checkpoint of DROP DATABASE fail
    // too: the temporary database would stay, half dropped, until an operation's repair
    // finds room to drop it.)
    admin.batch_execute("CHECKPOINT").await.unwrap();
    fs.leave_free(empty as u64 + 4_000_000);
    let rows = async |db: &str| {
        let c = dst.connect(db).await.unwrap();
        (
            count(&c, "SELECT * FROM keep").await,
            count(&c, "SELECT * FROM big").await,
        )
    };
    assert_eq!(rows(&root).await, (1000, 0));
    let full = |e: &grove_core::ApiError| {
        assert_eq!(e.code, ErrorCode::Storage, "{e:?}");
        assert!(e.message.contains("No space left on device"), "{e:?}");
        assert_eq!(e.sqlstate.as_deref(), Some("53100"), "{e:?}");
    };
    let nothing_left = async || {
        assert_eq!(rows(&root).await, (1000, 0), "the old root is intact");
        // Shown when an assertion fails: what the server ran into.
        let log = std::fs::read_to_string(opts.root.join("server.log")).unwrap_or_default();
        let notable = ["ERROR", "WARNING", "PANIC", "STATEMENT"];
        for l in log
            .lines()
            .filter(|l| notable.iter().any(|n| l.contains(n)))
        {
            eprintln!("server log: {l}");
        }
        assert_consistent(&dst).await; // no temporary or half-dropped database
        assert!(grove
            .list_snapshots(&target(&dst))
            .await
            .unwrap()
            .is_empty());
        assert_eq!(copy_sessions(src, &db).await, 0);
        assert_eq!(copy_sessions_on(&dst).await, 0);
    };

    let req = RefreshSource {
        server: target(&dst),
        root: root.clone(),
        on_busy: OnBusy::Fail,
    };
    let e = grove.refresh_source(req.clone(), &ctx()).await.unwrap_err();
    full(&e);
    assert!(e.message.contains(&root), "{e:?}");
    nothing_left().await;
    let at = grove_core::api::BranchRef {
        server: target(&dst),
        name: root.clone(),
    };
    let last = grove.show_source(at).await.unwrap().last_refresh.unwrap();
    assert_eq!(last.outcome, "failed");
    assert!(last.error.unwrap().contains("No space left on device"));

    let other = unique("prod2");
    let e = grove
        .add_source(add(&other, &dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap_err();
    full(&e);
    assert!(!database_exists(&dst, &other).await);
    nothing_left().await;

    // Space again: the server is fine, the refresh goes through.
    fs.unfill();
    let info = grove.refresh_source(req, &ctx()).await.unwrap();
    assert_eq!(info.last_refresh.unwrap().rows, Some(151000));
    assert_eq!(rows(&root).await, (1000, 150000));
    drop(admin);
    dst.stop().await.unwrap();
    drop(fs);
    src.connect("postgres")
        .await
        .unwrap()
        .batch_execute(&format!(
            "DROP DATABASE {} WITH (FORCE)",
            grove_core::ident::quote_ident(&db)
        ))
        .await
        .unwrap();
}
