//! How long creating a branch takes: `cargo bench --bench branches` (release build).
//!
//! Times Grove's real `Branches::create` of a generated database at several sizes
//!  (a) on a loop-mounted btrfs with PostgreSQL 18 cloning files (`file_copy_method = clone`),
//!  (b) on the ordinary filesystem with PostgreSQL 18 copying files,
//! next to a raw `cp -r --reflink=never` of the parent's `base/<oid>` on the same filesystem,
//! and a `pg_dump -Fc | pg_restore` of the same generated data. The dump runs on a PostgreSQL 15
//! cluster: Debian's pg_dump 15 only talks to a 15 server and the bundled 18 has no pg_dump.
//!
//! It prints figures and asserts nothing about time, but panics when any operation fails.
//! Needs root (loop mount), btrfs-progs, util-linux `fincore`, and PostgreSQL 15 (`make deps`).
//!
//! Environment:
//!   GROVE_BENCH_SIZES=100M,1G,4G   database sizes (binary units), default all three
//!   GROVE_BENCH_RUNS=5             timed creates and raw copies per size (median reported)
//!   GROVE_BENCH_DUMP_RUNS=1        timed dump/restores per size (the slow baseline)
//!   GROVE_BENCH_BTRFS_SIZE=20G     the sparse btrfs image
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::branch::{no_progress, Branches, OnBusy, Progress};
use grove_core::conn::Session;
use grove_core::ident::quote_ident;
use grove_core::local_pg::{CloneMode, LocalPg, LocalPgOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Rough size of one primary-key entry (bigint), to stop inserting before the index is built.
const INDEX_BYTES_PER_ROW: f64 = 22.0;
/// Rows per INSERT … SELECT at most (about 40 MB of heap).
const MAX_CHUNK: i64 = 200_000;
const PARENT_TABLE: &str = "items";

struct Config {
    sizes: Vec<(String, u64)>,
    runs: usize,
    dump_runs: usize,
    btrfs_size: String,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// "100M", "1G", "1.5GiB", "4096" (bytes): binary units.
fn parse_size(text: &str) -> u64 {
    let t = text.trim().to_ascii_uppercase();
    let t = t.trim_end_matches("IB").trim_end_matches('B');
    let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let n: f64 = num
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("GROVE_BENCH_SIZES: cannot read size {text:?}"));
    let mult = match unit {
        "" => 1u64,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        other => panic!("GROVE_BENCH_SIZES: unknown unit {other:?} in {text:?}"),
    };
    (n * mult as f64) as u64
}

fn config() -> Config {
    let count = |name: &str, default: &str| -> usize {
        let v = env_or(name, default);
        let n = v
            .parse()
            .unwrap_or_else(|_| panic!("{name}: not a number: {v:?}"));
        assert!(n > 0, "{name} must be at least 1");
        n
    };
    let sizes = env_or("GROVE_BENCH_SIZES", "100M,1G,4G")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| (s.to_string(), parse_size(s)))
        .collect::<Vec<_>>();
    assert!(!sizes.is_empty(), "GROVE_BENCH_SIZES names no size");
    Config {
        sizes,
        runs: count("GROVE_BENCH_RUNS", "5"),
        dump_runs: count("GROVE_BENCH_DUMP_RUNS", "1"),
        btrfs_size: env_or("GROVE_BENCH_BTRFS_SIZE", "20G"),
    }
}

// ----- small helpers -----

fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.2} GiB", b / (1u64 << 30) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

fn fmt_signed_bytes(b: i64) -> String {
    if b < 0 {
        format!("-{}", fmt_bytes(b.unsigned_abs()))
    } else {
        format!("+{}", fmt_bytes(b as u64))
    }
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.3} s")
    } else {
        format!("{s:.1} s")
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn fmt_ratio(r: f64) -> String {
    if r < 0.1 {
        format!("{r:.4}")
    } else {
        format!("{r:.2}")
    }
}

/// "12.3x faster" / "1.20x slower": `candidate` against `baseline`, for prose.
fn speed(candidate: Duration, baseline: Duration) -> String {
    let r = ratio(baseline, candidate);
    let fmt = |x: f64| {
        if x >= 10.0 {
            format!("{x:.1}x")
        } else {
            format!("{x:.2}x")
        }
    };
    if r >= 1.0 {
        format!("{} faster", fmt(r))
    } else {
        format!("{} slower", fmt(1.0 / r))
    }
}

fn median(v: &[Duration]) -> Duration {
    assert!(!v.is_empty());
    let mut s = v.to_vec();
    s.sort();
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

/// Runs a command, panicking with its stderr when it fails; returns stdout.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn load_average() -> String {
    let up = run(&mut Command::new("uptime"));
    up.split("load average:")
        .nth(1)
        .map(|l| format!("load average:{}", l.trim_end()))
        .unwrap_or_else(|| up.trim().to_string())
}

fn fs_type(path: &Path) -> String {
    let out = run(Command::new("df").arg("--output=fstype").arg(path));
    out.lines().nth(1).unwrap_or("?").trim().to_string()
}

fn log(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

// ----- PostgreSQL helpers -----

async fn connect(pg: &LocalPg, db: &str) -> Session {
    pg.connect(db)
        .await
        .unwrap_or_else(|e| panic!("connect to {db}: {e:?}"))
}

async fn exec(s: &Session, sql: &str) {
    s.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn query_i64(s: &Session, sql: &str) -> i64 {
    s.query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

async fn db_size(s: &Session) -> u64 {
    query_i64(s, "SELECT pg_database_size(current_database())").await as u64
}

/// Waits until no client session is connected to `db` (Grove refuses to copy a busy parent,
/// and a lingering backend would add its wait to the timing).
async fn wait_idle(pg: &LocalPg, db: &str) {
    let admin = connect(pg, "postgres").await;
    for _ in 0..200 {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1
                    AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                &[&db],
            )
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sessions on {db} did not go away");
}

/// Fills a new database `db` with about `target` bytes: one table (bigint id, three ints, a
/// 128–160 byte text), primary key on id, vacuumed and checkpointed. Returns (rows, size).
async fn generate(pg: &LocalPg, db: &str, target: u64) -> (i64, u64) {
    let started = Instant::now();
    let admin = connect(pg, "postgres").await;
    exec(&admin, &format!("CREATE DATABASE {}", quote_ident(db))).await;
    let s = connect(pg, db).await;
    exec(
        &s,
        &format!(
            "SET synchronous_commit = off;
             CREATE TABLE {PARENT_TABLE} (id bigint NOT NULL, a int NOT NULL, b int NOT NULL,
                                          c int NOT NULL, payload text NOT NULL)"
        ),
    )
    .await;
    let insert = format!(
        "INSERT INTO {PARENT_TABLE}
         SELECT g, (g % 1000)::int, ((g * 7919) % 100003)::int, (random() * 1e6)::int,
                repeat(md5(g::text), 4) || left(md5((-g)::text), (g % 33)::int)
           FROM generate_series($1::bigint, $2::bigint) g"
    );
    let base = db_size(&s).await;
    let mut rows: i64 = 0;
    let mut chunk: i64 = 20_000;
    let mut reported = Instant::now();
    loop {
        s.execute(&insert, &[&(rows + 1), &(rows + chunk)])
            .await
            .unwrap_or_else(|e| panic!("generating {db}: {e}"));
        rows += chunk;
        let size = db_size(&s).await;
        let per_row = (size - base) as f64 / rows as f64 + INDEX_BYTES_PER_ROW;
        let projected = size as f64 + rows as f64 * INDEX_BYTES_PER_ROW;
        let remaining = ((target as f64 - projected) / per_row).floor() as i64;
        if reported.elapsed() > Duration::from_secs(15) {
            log(format!(
                "  … {} of {} ({rows} rows, {:.0} s)",
                fmt_bytes(size),
                fmt_bytes(target),
                started.elapsed().as_secs_f64()
            ));
            reported = Instant::now();
        }
        if remaining <= 0 {
            break;
        }
        chunk = remaining.min(MAX_CHUNK);
    }
    exec(
        &s,
        &format!("ALTER TABLE {PARENT_TABLE} ADD PRIMARY KEY (id)"),
    )
    .await;
    // Hint bits and the visibility map set now, so no later read dirties the parent.
    exec(&s, &format!("VACUUM (ANALYZE) {PARENT_TABLE}")).await;
    exec(&s, "CHECKPOINT").await;
    let size = db_size(&s).await;
    drop(s);
    wait_idle(pg, db).await;
    log(format!(
        "  generated {db}: {rows} rows, {} in {:.0} s",
        fmt_bytes(size),
        started.elapsed().as_secs_f64()
    ));
    (rows, size)
}

/// max(id) of the generated table in `db`: the copy holds every row.
async fn check_rows(pg: &LocalPg, db: &str, rows: i64) {
    let s = connect(pg, db).await;
    let max = query_i64(&s, &format!("SELECT max(id) FROM {PARENT_TABLE}")).await;
    assert_eq!(max, rows, "{db} does not hold the parent's rows");
    drop(s);
    wait_idle(pg, db).await;
}

async fn drop_db(pg: &LocalPg, db: &str) {
    let admin = connect(pg, "postgres").await;
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(db)),
    )
    .await;
}

// ----- filesystem helpers -----

/// Bytes of the files under `dir` in the OS page cache (fincore), all their bytes, and how many
/// files there are.
fn cache_residency(dir: &Path) -> (u64, u64, usize) {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    let (mut resident, mut total) = (0u64, 0u64);
    for batch in files.chunks(500) {
        let out = run(Command::new("fincore")
            .args(["--bytes", "--noheadings", "--raw", "--output", "RES,SIZE"])
            .args(batch));
        for line in out.lines() {
            let mut f = line
                .split_whitespace()
                .map(|v| v.parse::<u64>().unwrap_or(0));
            resident += f.next().unwrap_or(0);
            total += f.next().unwrap_or(0);
        }
    }
    (resident, total, files.len())
}

/// fsync every file and directory under `dir` (what CREATE DATABASE does to its copy).
fn fsync_tree(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            fsync_tree(&p);
        } else {
            std::fs::File::open(&p).unwrap().sync_all().unwrap();
        }
    }
    std::fs::File::open(dir).unwrap().sync_all().unwrap();
}

/// Before each timed operation: writes left by the previous step (a copy, a dropped database)
/// go to disk first (syncfs of the filesystem holding `path`), then a short pause.
async fn settle(path: &Path) {
    run(Command::new("sync").arg("-f").arg(path));
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// How long an 8 KiB write + fsync takes in `dir` now (median of 5): this shared machine's disk
/// latency, which dominates small creates (CREATE DATABASE fsyncs every file and checkpoints).
fn fsync_probe(dir: &Path) -> Duration {
    use std::io::Write;
    let path = dir.join(".fsync-probe");
    let mut times = Vec::new();
    for i in 0..5u8 {
        let started = Instant::now();
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(&[i; 8192]).unwrap();
        f.sync_all().unwrap();
        times.push(started.elapsed());
    }
    std::fs::remove_file(&path).unwrap();
    median(&times)
}

/// Used bytes of a btrfs filesystem, after committing its pending transaction.
fn btrfs_used(mount: &Path) -> u64 {
    run(Command::new("btrfs")
        .args(["filesystem", "sync"])
        .arg(mount));
    let out = run(Command::new("df").args(["-B1", "--output=used"]).arg(mount));
    out.lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("unexpected df output: {out}"))
}

/// `btrfs filesystem du -s` of `dir`: (total, exclusive, shared).
fn btrfs_du(dir: &Path) -> (u64, u64, u64) {
    let out = run(Command::new("btrfs")
        .args(["filesystem", "du", "-s", "--raw"])
        .arg(dir));
    let line = out
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("unexpected btrfs du output: {out}"));
    let v: Vec<u64> = line
        .split_whitespace()
        .take(3)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    (v[0], v[1], v[2])
}

// ----- the clusters under test -----

struct Cluster {
    /// "btrfs, clone" / "ext4, copy".
    label: String,
    pg: LocalPg,
    engine: Branches,
    /// Scratch directory on the same filesystem as the data directory, for raw copies.
    copies: PathBuf,
    /// The btrfs mount, to report disk space.
    btrfs: Option<PathBuf>,
}

async fn show(pg: &LocalPg, setting: &str) -> String {
    let s = connect(pg, "postgres").await;
    s.query_one(&format!("SHOW {setting}"), &[])
        .await
        .unwrap()
        .get(0)
}

fn engine(pg: &LocalPg) -> Branches {
    Branches::new(pg.fields("postgres"), Some(pg.password().to_string())).with_client("bench")
}

/// One size on one cluster.
struct Row {
    size: String,
    fs: String,
    db_bytes: u64,
    creates: Vec<Duration>,
    copy_steps: Vec<Duration>,
    cps: Vec<Duration>,
    cp_syncs: Vec<Duration>,
    cached: (u64, u64, usize),
    /// The fsync probe just before each create.
    fsyncs: Vec<Duration>,
    space: Option<String>,
}

/// Grove's create of `parent` into `child`, timed; also how long its copying step took.
/// Also returns the fsync probe taken just before.
async fn timed_create(c: &Cluster, parent: &str, child: &str) -> (Duration, Duration, Duration) {
    wait_idle(&c.pg, parent).await;
    settle(&c.pg.data_dir).await;
    let probe = fsync_probe(&c.copies);
    let marks: Mutex<Vec<(Instant, String)>> = Mutex::new(Vec::new());
    let progress = |p: Progress| {
        let mut m = marks.lock().unwrap();
        if m.last().map(|l| l.1.as_str()) != Some(p.phase.as_str()) {
            m.push((Instant::now(), p.phase));
        }
    };
    let started = Instant::now();
    c.engine
        .create(child, parent, false, OnBusy::Fail, &progress)
        .await
        .unwrap_or_else(|e| panic!("create {child} from {parent} on {}: {e:?}", c.label));
    let total = started.elapsed();
    let marks = marks.into_inner().unwrap();
    let at = |phase: &str| {
        marks
            .iter()
            .find(|m| m.1 == phase)
            .unwrap_or_else(|| panic!("create reported no {phase:?} phase: {marks:?}"))
            .0
    };
    (total, at("publishing") - at("copying"), probe)
}

/// Deletes a child with the engine and lets housekeeping drop its snapshot at once.
async fn discard(c: &Cluster, child: &str) {
    c.engine
        .delete(child, false, OnBusy::Terminate, no_progress())
        .await
        .unwrap_or_else(|e| panic!("delete {child}: {e:?}"));
    let cat = connect(&c.pg, grove_core::branch::CATALOG_DB).await;
    let n = cat
        .execute(
            "UPDATE snapshots SET keep_until = now() WHERE branch_name = $1",
            &[&child],
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "no snapshot of deleted {child}");
    drop(cat);
    let report = c
        .engine
        .housekeeping(no_progress())
        .await
        .unwrap_or_else(|e| panic!("housekeeping: {e:?}"));
    assert_eq!(
        report.snapshots_dropped.len(),
        1,
        "housekeeping did not drop {child}'s snapshot: {report:?}"
    );
}

/// `cp -r --reflink=never` of the parent's files after a CHECKPOINT; then fsync of the copy.
/// Returns (cp, cp + fsync, page-cache residency of the source before copying).
async fn raw_copy(
    c: &Cluster,
    parent: &str,
    run_no: usize,
) -> (Duration, Duration, (u64, u64, usize)) {
    let admin = connect(&c.pg, "postgres").await;
    exec(&admin, "CHECKPOINT").await;
    let oid: u32 = admin
        .query_one("SELECT oid FROM pg_database WHERE datname = $1", &[&parent])
        .await
        .unwrap()
        .get(0);
    drop(admin);
    let src = c.pg.data_dir.join("base").join(oid.to_string());
    let cached = cache_residency(&src);
    let dst = c.copies.join(format!("{parent}-{run_no}"));
    settle(&c.copies).await;
    let started = Instant::now();
    run(Command::new("cp")
        .args(["-r", "--reflink=never"])
        .arg(&src)
        .arg(&dst));
    let cp = started.elapsed();
    fsync_tree(&dst);
    std::fs::File::open(&c.copies).unwrap().sync_all().unwrap();
    let cp_sync = started.elapsed();
    if let (Some(mount), 0) = (c.btrfs.as_deref(), run_no) {
        // A real copy: no extent shared with the parent.
        btrfs_used(mount);
        let (total, exclusive, _) = btrfs_du(&dst);
        assert!(
            exclusive as f64 >= 0.99 * total as f64,
            "cp --reflink=never shared extents on btrfs: total {total}, exclusive {exclusive}"
        );
    }
    std::fs::remove_dir_all(&dst).unwrap();
    (cp, cp_sync, cached)
}

async fn bench_cluster(c: &Cluster, size: &str, target: u64, runs: usize) -> Row {
    let parent = format!("bench_{}", size.to_ascii_lowercase().replace('.', "_"));
    log(format!(
        "{}: generating {size} ({})",
        c.label,
        fmt_bytes(target)
    ));
    let (rows, db_bytes) = generate(&c.pg, &parent, target).await;
    c.engine
        .import(&parent, None, no_progress())
        .await
        .unwrap_or_else(|e| panic!("import {parent}: {e:?}"));
    let mut row = Row {
        size: size.to_string(),
        fs: c.label.clone(),
        db_bytes,
        creates: Vec::new(),
        copy_steps: Vec::new(),
        cps: Vec::new(),
        cp_syncs: Vec::new(),
        cached: (0, 0, 0),
        fsyncs: Vec::new(),
        space: None,
    };
    for i in 0..runs {
        let child = format!("{parent}_child{i}");
        let (before, (total, copy, probe)) = match c.btrfs.as_deref() {
            Some(mount) => {
                wait_idle(&c.pg, &parent).await;
                settle(&c.pg.data_dir).await;
                (
                    Some(btrfs_used(mount)),
                    timed_create(c, &parent, &child).await,
                )
            }
            None => (None, timed_create(c, &parent, &child).await),
        };
        if let (Some(mount), Some(before), true) = (c.btrfs.as_deref(), before, i == 0) {
            let after = btrfs_used(mount);
            let (t, x, sh) = btrfs_du(&c.pg.data_dir.join("base"));
            row.space = Some(format!(
                "{size} on btrfs: df used {} before the clone, {} after ({}); \
                 `btrfs filesystem du -s base/` after: total {}, exclusive {}, shared {}",
                fmt_bytes(before),
                fmt_bytes(after),
                fmt_signed_bytes(after as i64 - before as i64),
                fmt_bytes(t),
                fmt_bytes(x),
                fmt_bytes(sh)
            ));
        }
        check_rows(&c.pg, &child, rows).await;
        discard(c, &child).await;
        log(format!(
            "  create #{}: {} (copy step {}; fsync probe {:.1} ms)",
            i + 1,
            fmt_dur(total),
            fmt_dur(copy),
            probe.as_secs_f64() * 1000.0
        ));
        row.fsyncs.push(probe);
        row.creates.push(total);
        row.copy_steps.push(copy);

        let (cp, cp_sync, cached) = raw_copy(c, &parent, i).await;
        log(format!(
            "  cp -r #{}: {} ({} with fsync; source {:.0}% in page cache)",
            i + 1,
            fmt_dur(cp),
            fmt_dur(cp_sync),
            100.0 * cached.0 as f64 / cached.1.max(1) as f64
        ));
        if i == 0 {
            row.cached = cached;
        }
        row.cps.push(cp);
        row.cp_syncs.push(cp_sync);
    }
    // The parent is a root branch: delete only untracks it.
    c.engine
        .delete(&parent, false, OnBusy::Fail, no_progress())
        .await
        .unwrap_or_else(|e| panic!("untrack {parent}: {e:?}"));
    drop_db(&c.pg, &parent).await;
    row
}

/// `pg_dump -Fc | pg_restore` of a generated database into a new one, on PostgreSQL 15.
async fn bench_dump(pg: &LocalPg, size: &str, target: u64, runs: usize) -> (u64, Vec<Duration>) {
    let parent = format!("bench_{}", size.to_ascii_lowercase().replace('.', "_"));
    log(format!("PostgreSQL 15: generating {size} for pg_dump"));
    let (rows, db_bytes) = generate(pg, &parent, target).await;
    let bin = harness::bin_dir(15);
    let mut times = Vec::new();
    for i in 0..runs {
        let target_db = format!("{parent}_restored{i}");
        wait_idle(pg, &parent).await;
        settle(&pg.data_dir).await;
        let started = Instant::now();
        let admin = connect(pg, "postgres").await;
        exec(
            &admin,
            &format!(
                "CREATE DATABASE {} TEMPLATE template0",
                quote_ident(&target_db)
            ),
        )
        .await;
        drop(admin);
        let client = |tool: &str| {
            let mut cmd = Command::new(bin.join(tool));
            cmd.env("PGPASSWORD", pg.password())
                .env("PGSSLMODE", "disable")
                .args(["-h", "127.0.0.1", "-p", &pg.port.to_string()])
                .args(["-U", grove_core::local_pg::SUPERUSER]);
            cmd
        };
        let mut dump = client("pg_dump")
            .args(["-Fc", "-d", &parent])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run pg_dump");
        let restore = client("pg_restore")
            .args(["--exit-on-error", "-d", &target_db])
            .stdin(dump.stdout.take().unwrap())
            .output()
            .expect("run pg_restore");
        let dumped = dump.wait_with_output().expect("wait for pg_dump");
        let took = started.elapsed();
        assert!(
            dumped.status.success(),
            "pg_dump failed: {}",
            String::from_utf8_lossy(&dumped.stderr)
        );
        assert!(
            restore.status.success(),
            "pg_restore failed: {}",
            String::from_utf8_lossy(&restore.stderr)
        );
        check_rows(pg, &target_db, rows).await;
        drop_db(pg, &target_db).await;
        log(format!(
            "  pg_dump | pg_restore #{}: {}",
            i + 1,
            fmt_dur(took)
        ));
        times.push(took);
    }
    drop_db(pg, &parent).await;
    (db_bytes, times)
}

fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap()
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        println!("  {}", parts.join("  ").trim_end());
    };
    line(header.to_vec());
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

#[tokio::main]
async fn main() {
    let cfg = config();
    let started = Instant::now();
    let load_start = load_average();
    log(format!(
        "sizes {:?}, {} runs, {} dump runs; {load_start}",
        cfg.sizes.iter().map(|s| &s.0).collect::<Vec<_>>(),
        cfg.runs,
        cfg.dump_runs
    ));
    for major in [15, 18] {
        assert!(
            harness::bin_dir(major).join("postgres").is_file(),
            "PostgreSQL {major} missing at {} (run `make deps`)",
            harness::bin_dir(major).display()
        );
    }

    // (a) btrfs with PostgreSQL 18 cloning.
    let fs = harness::Btrfs::create("bench", &cfg.btrfs_size);
    let mut opts = LocalPgOptions::new(fs.mount.join("cluster"));
    opts.bin_dir = Some(harness::bin_dir(18));
    opts.stop_with_process = true;
    let pg_btrfs = LocalPg::start(&opts)
        .await
        .unwrap_or_else(|e| panic!("start PostgreSQL 18 on btrfs: {e:?}"));
    assert_eq!(
        pg_btrfs.clone_mode,
        CloneMode::Clone,
        "{}",
        pg_btrfs.clone_detail
    );
    assert_eq!(show(&pg_btrfs, "file_copy_method").await, "clone");
    let btrfs_copies = fs.mount.join("copies");
    std::fs::create_dir_all(&btrfs_copies).unwrap();

    // (b) the ordinary filesystem with PostgreSQL 18 copying.
    let pg_plain = LocalPg::start(&harness::options(18, "bench-pg18"))
        .await
        .unwrap_or_else(|e| panic!("start PostgreSQL 18: {e:?}"));
    assert_eq!(
        pg_plain.clone_mode,
        CloneMode::Copy,
        "the scratch filesystem clones: {}",
        pg_plain.clone_detail
    );
    assert_eq!(show(&pg_plain, "file_copy_method").await, "copy");
    let plain_fs = fs_type(&pg_plain.data_dir);
    let plain_copies = harness::scratch_dir("bench-copies");

    // PostgreSQL 15 for pg_dump / pg_restore.
    let pg15 = LocalPg::start(&harness::options(15, "bench-pg15"))
        .await
        .unwrap_or_else(|e| panic!("start PostgreSQL 15: {e:?}"));
    assert_eq!(pg15.bins.major, 15);

    let clusters = [
        Cluster {
            label: format!("{}, clone", fs_type(&pg_btrfs.data_dir)),
            engine: engine(&pg_btrfs),
            pg: pg_btrfs.clone(),
            copies: btrfs_copies,
            btrfs: Some(fs.mount.clone()),
        },
        Cluster {
            label: format!("{plain_fs}, copy"),
            engine: engine(&pg_plain),
            pg: pg_plain.clone(),
            copies: plain_copies.clone(),
            btrfs: None,
        },
    ];

    let mut rows: Vec<Row> = Vec::new();
    let mut dumps: Vec<(u64, Vec<Duration>)> = Vec::new();
    let mut loads = Vec::new();
    for (size, target) in &cfg.sizes {
        for c in &clusters {
            rows.push(bench_cluster(c, size, *target, cfg.runs).await);
        }
        dumps.push(bench_dump(&pg15, size, *target, cfg.dump_runs).await);
        loads.push(format!("after {size}: {}", load_average()));
    }
    let load_end = load_average();

    // ----- report -----
    println!();
    println!("Grove branch creation benchmark (cargo bench --bench branches)");
    println!(
        "  machine: {} cores, {} RAM, kernel {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        fmt_bytes(
            std::fs::read_to_string("/proc/meminfo")
                .unwrap_or_default()
                .lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        ),
        run(Command::new("uname").arg("-r")).trim()
    );
    println!("  load at start: {load_start}");
    for l in &loads {
        println!("  load {l}");
    }
    println!("  load at end:   {load_end}");
    println!(
        "  (a) PostgreSQL {} (bundled) on a loop-mounted btrfs ({} sparse image), file_copy_method = clone",
        show(&pg_btrfs, "server_version").await,
        cfg.btrfs_size
    );
    println!(
        "  (b) PostgreSQL {} (bundled) on {plain_fs} ({}), file_copy_method = copy",
        show(&pg_plain, "server_version").await,
        pg_plain.root.display()
    );
    println!(
        "  dump/restore: PostgreSQL {} on {} with its own pg_dump -Fc (default compression) | pg_restore (one job, from a pipe; Debian's pg_dump 15 \
         cannot dump an 18 server and the bundled 18 has no pg_dump), same generated data; timed from CREATE DATABASE of the empty target to the end of pg_restore",
        show(&pg15, "server_version").await,
        fs_type(&pg15.data_dir)
    );
    println!(
        "  create = Branches::create (lock, checks, CREATE DATABASE … STRATEGY FILE_COPY, schema \
         fingerprint, publish); copy step = its 'copying'→'publishing' phases"
    );
    println!(
        "  cp -r = cp -r --reflink=never of the parent's base/<oid> after a CHECKPOINT, same filesystem; \
         +fsync adds fsync of every copied file (CREATE DATABASE fsyncs its copy)"
    );
    println!(
        "  before every timed operation: `sync -f` of its filesystem, then a 1 s pause; \
         Grove's own sessions to the parent gone"
    );
    println!(
        "  medians of {} creates / {} raw copies (interleaved) and {} dump/restore(s) per size",
        cfg.runs, cfg.runs, cfg.dump_runs
    );
    println!(
        "  caches: WARM. Each parent was generated just before it was measured; the page cache was \
         not dropped (it is shared with other users of this machine). 'cached' = share of the \
         parent's files in the page cache before the first raw copy (fincore). The btrfs image is a file on the host filesystem (loop device), so the \
         page cache may hold its data twice."
    );
    println!();
    let header = [
        "size",
        "filesystem",
        "database",
        "create",
        "(best)",
        "copy step",
        "cp -r",
        "cp -r+fsync",
        "cached",
        "fsync",
        "create/cp",
        "create/(cp+fsync)",
        "dump|restore",
        "create/dump",
    ];
    let mut table = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let (_, dump_times) = &dumps[i / clusters.len()];
        let create = median(&r.creates);
        let dump = median(dump_times);
        table.push(vec![
            r.size.clone(),
            r.fs.clone(),
            fmt_bytes(r.db_bytes),
            fmt_dur(create),
            fmt_dur(*r.creates.iter().min().unwrap()),
            fmt_dur(median(&r.copy_steps)),
            fmt_dur(median(&r.cps)),
            fmt_dur(median(&r.cp_syncs)),
            format!(
                "{:.0}%",
                100.0 * r.cached.0 as f64 / r.cached.1.max(1) as f64
            ),
            format!("{:.1} ms", median(&r.fsyncs).as_secs_f64() * 1000.0),
            fmt_ratio(ratio(create, median(&r.cps))),
            fmt_ratio(ratio(create, median(&r.cp_syncs))),
            fmt_dur(dump),
            fmt_ratio(ratio(create, dump)),
        ]);
    }
    print_table(&header, &table);
    println!(
        "  create and ratios: medians; (best) = fastest create; fsync = median 8 KiB write+fsync \
         probe in the same filesystem just before each create (disk latency of this shared machine)"
    );
    println!("  ratios are time ÷ time: below 1 the create is faster than the baseline");
    println!();
    println!("  all runs (s):");
    for r in &rows {
        let list = |v: &[Duration]| {
            v.iter()
                .map(|d| format!("{:.3}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "    {:<5} {:<12} {} files  create [{}]  cp -r [{}]  cp -r+fsync [{}]  fsync probe ms [{}]",
            r.size,
            r.fs,
            r.cached.2,
            list(&r.creates),
            list(&r.cps),
            list(&r.cp_syncs),
            r.fsyncs
                .iter()
                .map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    for ((size, _), (bytes, times)) in cfg.sizes.iter().zip(&dumps) {
        println!(
            "    {size:<5} PostgreSQL 15 ({}) dump|restore [{}]",
            fmt_bytes(*bytes),
            times
                .iter()
                .map(|d| format!("{:.3}", d.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    println!();
    println!("  disk space on btrfs around the first clone of each size:");
    for r in rows.iter().filter_map(|r| r.space.as_ref()) {
        println!("    {r}");
    }

    // ----- against the goals -----
    let clone_rows: Vec<&Row> = rows.iter().step_by(clusters.len()).collect();
    let plain_rows: Vec<&Row> = rows.iter().skip(1).step_by(clusters.len()).collect();
    println!();
    println!("  ratios per size:");
    for ((c, p), (_, dump)) in clone_rows.iter().zip(&plain_rows).zip(&dumps) {
        let (cc, pc, dump) = (median(&c.creates), median(&p.creates), median(dump));
        println!(
            "    {:<5} clone create (btrfs): {} than cp -r, {} than cp -r+fsync, {} than pg_dump|pg_restore",
            c.size,
            speed(cc, median(&c.cps)),
            speed(cc, median(&c.cp_syncs)),
            speed(cc, dump)
        );
        println!(
            "    {:<5} plain create ({}): {} than cp -r, {} than cp -r+fsync, {} than pg_dump|pg_restore",
            p.size,
            p.fs,
            speed(pc, median(&p.cps)),
            speed(pc, median(&p.cp_syncs)),
            speed(pc, dump)
        );
    }
    println!();
    println!("  goals (verdicts from medians):");
    let best = |r: &Row| *r.creates.iter().min().unwrap();
    let first = clone_rows.first().unwrap();
    let last = clone_rows.last().unwrap();
    let growth = ratio(median(&last.creates), median(&first.creates));
    if clone_rows.len() > 1 {
        println!(
            "    clone time flat with size (criterion: largest ≤ 2x smallest): {} → {} is {growth:.2}x \
             while the database grew {:.0}x: {} (best runs: {} → {})",
            fmt_dur(median(&first.creates)),
            fmt_dur(median(&last.creates)),
            last.db_bytes as f64 / first.db_bytes as f64,
            if growth <= 2.0 { "MET" } else { "NOT MET" },
            fmt_dur(best(first)),
            fmt_dur(best(last)),
        );
    } else {
        println!("    clone time flat with size: only one size measured, not assessed");
    }
    let big = clone_rows
        .iter()
        .find(|r| r.size.eq_ignore_ascii_case("4G"))
        .unwrap_or(last);
    let big_plain = plain_rows
        .iter()
        .find(|r| r.size == big.size)
        .expect("plain row of the same size");
    let x = ratio(median(&big.cps), median(&big.creates));
    println!(
        "    clone ≥ 20x faster than a full copy at {}{}: cp -r ÷ clone create = {x:.2}: {} \
         (cp -r+fsync ÷ clone create = {:.2}; plain create ÷ clone create = {:.2}; \
         cp -r ÷ best clone create = {:.2})",
        big.size,
        if big.size.eq_ignore_ascii_case("4G") {
            ""
        } else {
            " (4G not measured: largest size used)"
        },
        if x >= 20.0 { "MET" } else { "NOT MET" },
        ratio(median(&big.cp_syncs), median(&big.creates)),
        ratio(median(&big_plain.creates), median(&big.creates)),
        ratio(median(&big.cps), best(big)),
    );
    for p in &plain_rows {
        let r = ratio(median(&p.creates), median(&p.cps));
        println!(
            "    plain create within 1.3x of the raw copy at {}: create ÷ cp -r = {r:.2}: {} \
             (create ÷ cp -r+fsync = {:.2})",
            p.size,
            if r <= 1.3 { "MET" } else { "NOT MET" },
            ratio(median(&p.creates), median(&p.cp_syncs)),
        );
    }
    println!(
        "  total benchmark time {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // ----- clean up -----
    drop(clusters);
    for pg in [&pg_btrfs, &pg_plain, &pg15] {
        pg.stop()
            .await
            .unwrap_or_else(|e| panic!("stop {}: {e:?}", pg.data_dir.display()));
    }
    let btrfs_dir = fs.mount.parent().unwrap().to_path_buf();
    drop(fs);
    for dir in [
        btrfs_dir,
        pg_plain.root.clone(),
        pg15.root.clone(),
        plain_copies,
    ] {
        let _ = std::fs::remove_dir_all(&dir);
    }
    log("cleaned up: servers stopped, btrfs unmounted, scratch directories removed");
}
