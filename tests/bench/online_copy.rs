//! Online copy between servers: `cargo bench --bench online_copy` (release build).
//!
//! A generated source database (four tables with primary keys, secondary indexes and a
//! foreign key; 1 GB and 4 GB by default) lives in one PostgreSQL 15 cluster and is copied
//! into a second PostgreSQL 15 cluster by, in one run:
//! - Grove's online copy (`grove_core::copy::copy_database`, 2 workers, as `grove source add`
//!   runs it), in a process of its own;
//! - `pg_dump -Fc | pg_restore` (one job, through a pipe);
//! - `pg_dump -Fd -j 2` to a directory, then `pg_restore -j 2`;
//! - `pgcopydb clone --table-jobs 2 --index-jobs 2` (Debian's package).
//!
//! Both clusters are Debian's 15: Debian's `pg_dump` 15 cannot dump a newer server and the
//! bundled 18 has none. Each tool starts from a checkpointed target without the database and
//! ends with every row and index in place (row counts are checked). Time is wall clock; peak
//! memory is the largest sum of resident memory over the tool's process group (sampled every
//! 20 ms: pg_dump, pg_restore and pgcopydb's helpers included; the servers excluded).
//! Prints figures; asserts nothing about time.
//!
//! Environment: GROVE_BENCH_COPY_SIZES=1G,4G; GROVE_BENCH_COPY_TOOLS=pgcopydb (only these peers;
//! `grove` for none); GROVE_BENCH_COPY_ROUNDS=3 runs every tool 3 times, in turns, and prints
//! medians; RUST_LOG=grove_core::copy=debug prints Grove's copy as a timeline.
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::conn::{parse_connection_string, Session};
use grove_core::copy::{copy_database, CopyRequest, Endpoint, TableSelection};
use grove_core::ident::quote_ident;
use grove_core::local_pg::LocalPg;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SOURCE_DB: &str = "bench_source";
const TARGET_DB: &str = "bench_copy";
/// The child process that runs Grove's copy: `GROVE_BENCH_COPY_CHILD=<source uri> <target uri>`.
const CHILD: &str = "GROVE_BENCH_COPY_CHILD";

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        return grove_child(&spec);
    }
    let sizes = std::env::var("GROVE_BENCH_COPY_SIZES").unwrap_or_else(|_| "1G,4G".into());
    let rounds = std::env::var("GROVE_BENCH_COPY_ROUNDS")
        .map_or(1, |r| r.parse().expect("a number of rounds"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(bench(sizes.split(',').map(str::trim).collect(), rounds));
}

/// Runs Grove's copy in this process (the benchmark's child) and exits.
fn grove_child(spec: &str) {
    // RUST_LOG=grove_core::copy=debug: a timeline of the copy's chunks and jobs on stderr.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .with_writer(std::io::stderr)
            .init();
    }
    let (src, dst) = spec.split_once(' ').expect("source and target URIs");
    let endpoint = |uri: &str| {
        let p = parse_connection_string(uri).unwrap();
        Endpoint {
            fields: p.fields,
            password: p.password,
        }
    };
    let req = CopyRequest {
        source: endpoint(src),
        target: endpoint(dst),
        build_as: TARGET_DB.into(),
        publish_as: None,
        workers: 2,
        selection: TableSelection::default(),
        split_above_pages: grove_core::copy::SPLIT_PAGES,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let last = std::sync::Mutex::new(String::new());
    let phases = |p: &grove_core::copy::CopyProgress| {
        let mut last = last.lock().unwrap();
        if *last != p.phase && std::env::var_os("GROVE_BENCH_PHASES").is_some() {
            eprintln!("    {:>6} ms  {}", p.elapsed_ms, p.phase);
            *last = p.phase.clone();
        }
    };
    let done = rt.block_on(copy_database(&req, &phases, std::future::pending()));
    let r = done.unwrap_or_else(|e| panic!("grove copy failed: {e:?}"));
    eprintln!(
        "    grove: {} rows, {} MB of rows, binary {}, {} + {} schema statements",
        r.rows,
        r.bytes / 1_000_000,
        r.binary,
        r.pre_data_statements,
        r.post_data_statements
    );
}

fn parse_size(s: &str) -> u64 {
    let (n, unit) = s.split_at(s.len() - 1);
    let n: f64 = n.parse().expect("size like 1G or 500M");
    let mult = match unit {
        "G" => 1e9,
        "M" => 1e6,
        _ => panic!("size like 1G or 500M"),
    };
    (n * mult) as u64
}

async fn exec(s: &Session, sql: &str) {
    s.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
}

/// Generates the source: about `bytes` of tables and indexes.
async fn generate(pg: &LocalPg, bytes: u64) -> (u64, Vec<(String, i64)>) {
    let admin = pg.connect("postgres").await.unwrap();
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {}", quote_ident(SOURCE_DB)),
    )
    .await;
    exec(
        &admin,
        &format!("CREATE DATABASE {}", quote_ident(SOURCE_DB)),
    )
    .await;
    let s = pg.connect(SOURCE_DB).await.unwrap();
    // Rows per table from measured bytes per row (heap + indexes) at this shape.
    let accounts = (bytes as f64 * 0.15 / 190.0) as i64;
    let orders = (bytes as f64 * 0.50 / 170.0) as i64;
    let events = (bytes as f64 * 0.33 / 230.0) as i64;
    exec(
        &s,
        &format!(
            "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));
             INSERT INTO items SELECT g, 'item ' || g, (g % 1000) / 10.0 FROM generate_series(1, 10000) g;
             CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL, name text,
                 created timestamptz NOT NULL, balance numeric(14,2) NOT NULL DEFAULT 0);
             INSERT INTO accounts SELECT g, 'user' || g || '@example.com', 'Name ' || md5(g::text),
                 '2020-01-01'::timestamptz + g * interval '1 second', (g % 100000) / 100.0
               FROM generate_series(1, {accounts}) g;
             CREATE UNIQUE INDEX accounts_email ON accounts (email);
             CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts,
                 item_id int NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL,
                 created timestamptz NOT NULL, note text);
             INSERT INTO orders SELECT g, 1 + g % {accounts}, 1 + g % 10000,
                 (ARRAY['new','paid','shipped','returned'])[1 + g % 4], (g % 50000) / 10.0,
                 '2021-01-01'::timestamptz + g * interval '10 seconds',
                 CASE WHEN g % 3 = 0 THEN 'gift wrap ' || g END
               FROM generate_series(1, {orders}) g;
             CREATE INDEX orders_account ON orders (account_id);
             CREATE INDEX orders_created ON orders (created);
             CREATE TABLE events (id bigint PRIMARY KEY, account_id bigint NOT NULL, kind text NOT NULL,
                 at timestamptz NOT NULL, payload jsonb);
             INSERT INTO events SELECT g, 1 + g % {accounts}, (ARRAY['login','view','click'])[1 + g % 3],
                 '2022-01-01'::timestamptz + g * interval '1 second',
                 jsonb_build_object('page', '/p/' || (g % 977), 'ms', g % 1000, 'ref', md5(g::text))
               FROM generate_series(1, {events}) g;
             CREATE INDEX events_account_at ON events (account_id, at);"
        ),
    )
    .await;
    // Written out now: a checkpoint spread over the next minutes would slow the first tool.
    exec(&s, "VACUUM ANALYZE").await;
    exec(&s, "CHECKPOINT").await;
    let size: i64 = s
        .query_one("SELECT pg_database_size(current_database())", &[])
        .await
        .unwrap()
        .get(0);
    let counted = counts(&s).await;
    // The generating session's CPU must not land in the first tool's figures: wait until
    // the server has reaped it.
    drop(s);
    let deadline = Instant::now() + Duration::from_secs(60);
    while admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1",
            &[&SOURCE_DB],
        )
        .await
        .unwrap()
        .get::<_, i64>(0)
        > 0
    {
        assert!(Instant::now() < deadline, "the generating session stays");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (size as u64, counted)
}

/// Rows per table, and the number of indexes, as (name, count).
async fn counts(s: &Session) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for t in ["items", "accounts", "orders", "events"] {
        let n: i64 = s
            .query_one(&format!("SELECT count(*) FROM {}", quote_ident(t)), &[])
            .await
            .unwrap()
            .get(0);
        out.push((t.to_string(), n));
    }
    let idx: i64 = s
        .query_one(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let fks: i64 = s
        .query_one(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    out.push(("indexes".into(), idx));
    out.push(("foreign keys".into(), fks));
    out
}

/// The target without the copy, checkpointed, so every tool starts from the same state.
async fn reset_target(pg: &LocalPg) {
    let admin = pg.connect("postgres").await.unwrap();
    exec(
        &admin,
        &format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(TARGET_DB)
        ),
    )
    .await;
    exec(&admin, "CHECKPOINT").await;
}

/// Per tool, its runs.
type ToolRuns = Vec<(&'static str, Vec<Measured>)>;

/// What one tool took.
struct Measured {
    took: Duration,
    /// Peak of the tool's process group's summed resident memory, in bytes.
    peak: u64,
    /// CPU seconds of the tool's processes, and of both servers' processes.
    client_cpu: f64,
    server_cpu: f64,
}

/// Runs `cmd` in a process group of its own and measures it; `servers` are the postmasters
/// whose CPU time (their own, their children's living and exited) is counted.
fn measure(cmd: &mut Command, servers: &[i32]) -> Measured {
    let server_cpu = || servers.iter().map(|p| cluster_cpu(*p)).sum::<f64>();
    let (client_before, server_before) = (children_cpu(), server_cpu());
    let started = Instant::now();
    let mut child = cmd
        .process_group(0)
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn tool");
    let pgid = child.id() as i32;
    let (stop, peak) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(group_rss(pgid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let status = child.wait().expect("wait for tool");
    let took = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    // Not `cmd` itself: its environment holds the servers' passwords.
    assert!(status.success(), "{:?} failed: {status}", cmd.get_program());
    Measured {
        took,
        peak: peak.load(Ordering::Relaxed),
        client_cpu: children_cpu() - client_before,
        server_cpu: server_cpu() - server_before,
    }
}

/// CPU seconds of this process's waited-for descendants.
fn children_cpu() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Fields of /proc/PID/stat after the command name (state is field 0).
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split(' ').map(|f| f.parse().unwrap_or(0)).collect())
}

/// CPU seconds of a postmaster: its own, its exited backends' and its living children's.
fn cluster_cpu(postmaster: i32) -> f64 {
    let ticks = 100.0; // USER_HZ
    let Some(pm) = stat_fields(postmaster as u32) else {
        return 0.0;
    };
    // utime stime cutime cstime are fields 11..=14 after the name.
    let mut total: u64 = pm[11..=14].iter().sum();
    for pid in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = pid.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if let Some(f) = stat_fields(pid).filter(|f| f[1] == postmaster as u64) {
            total += f[11] + f[12];
        }
    }
    total as f64 / ticks
}

/// Resident bytes of every process in group `pgid`.
fn group_rss(pgid: i32) -> u64 {
    let page = 4096;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the command's closing parenthesis: state ppid pgrp …
            let rest = &stat[stat.rfind(')')? + 2..];
            let pgrp: i32 = rest.split(' ').nth(2)?.parse().ok()?;
            if pgrp != pgid {
                return None;
            }
            let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
            statm.split(' ').nth(1)?.parse::<u64>().ok()
        })
        .sum::<u64>()
        * page
}

fn shell(script: &str) -> Command {
    let mut c = Command::new("sh");
    c.args(["-c", script]);
    c
}

async fn bench(sizes: Vec<&str>, rounds: usize) {
    let src = harness::server(15).await;
    let dst = LocalPg::start(&harness::options(15, "pg15-copy-target"))
        .await
        .expect("start the target cluster");
    for pg in [src, &dst] {
        let admin = pg.connect("postgres").await.unwrap();
        exec(&admin, "ALTER SYSTEM SET max_wal_size = '4GB'").await;
        exec(&admin, "SELECT pg_reload_conf()").await;
    }
    let pg_bin = harness::bin_dir(15);
    let servers: Vec<i32> = [src.pid(), dst.pid()].into_iter().flatten().collect();
    let scratch = harness::scratch_dir("bench-copy");
    println!(
        "online copy benchmark: PostgreSQL {} → PostgreSQL {} (another cluster), {} cores",
        src.bins.version,
        dst.bins.version,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let mut table: Vec<(String, ToolRuns)> = Vec::new();
    for size in sizes {
        let started = Instant::now();
        let (bytes, expected) = generate(src, parse_size(size)).await;
        eprintln!(
            "{size}: generated {} MB in {:.0?}: {expected:?}",
            bytes / 1_000_000,
            started.elapsed()
        );
        let (from, to) = (src.uri(SOURCE_DB), dst.uri(TARGET_DB));
        let dump_dir = scratch.join("dump");
        let runs: Vec<(&'static str, Command)> = vec![
            ("grove online copy", {
                let mut c = Command::new(std::env::current_exe().unwrap());
                c.env(CHILD, format!("{from} {}", dst.uri("postgres")));
                c
            }),
            ("pg_dump -Fc | pg_restore", {
                let mut c = shell(&format!(
                    "set -e; {createdb} && {dump} -Fc -d \"$SRC\" | {restore} --exit-on-error -d \"$DST\"",
                    createdb = "\"$BIN/psql\" -q -d \"$ADMIN\" -c 'CREATE DATABASE bench_copy'",
                    dump = "\"$BIN/pg_dump\"",
                    restore = "\"$BIN/pg_restore\""
                ));
                c.env("BIN", &pg_bin).env("SRC", &from).env("DST", &to);
                c.env("ADMIN", dst.uri("postgres"))
                    .env("PGSSLMODE", "disable");
                c
            }),
            ("pg_dump -Fd -j 2 + pg_restore -j 2", {
                let mut c = shell(
                    "set -e; rm -rf \"$DIR\"; \"$BIN/psql\" -q -d \"$ADMIN\" -c 'CREATE DATABASE bench_copy'
                     \"$BIN/pg_dump\" -Fd -j 2 -f \"$DIR\" -d \"$SRC\"
                     \"$BIN/pg_restore\" -j 2 --exit-on-error -d \"$DST\" \"$DIR\"; rm -rf \"$DIR\"",
                );
                c.env("BIN", &pg_bin).env("SRC", &from).env("DST", &to);
                c.env("ADMIN", dst.uri("postgres")).env("DIR", &dump_dir);
                c.env("PGSSLMODE", "disable");
                c
            }),
            ("pgcopydb clone (2 table + 2 index jobs)", {
                let mut c = shell(
                    "set -e; rm -rf \"$DIR\"; \"$BIN/psql\" -q -d \"$ADMIN\" -c 'CREATE DATABASE bench_copy'
                     pgcopydb clone --source \"$SRC\" --target \"$DST\" --table-jobs 2 \
                       --index-jobs 2 --dir \"$DIR\" 2>\"$DIR.log\"; rm -rf \"$DIR\"",
                );
                c.env("BIN", &pg_bin).env("SRC", &from).env("DST", &to);
                c.env("ADMIN", dst.uri("postgres")).env("DIR", &dump_dir);
                c.env("PGSSLMODE", "disable")
                    .env("PATH", path_with(&pg_bin));
                c
            }),
        ];
        // Round after round, every tool once per round: this shared machine's speed drifts
        // by more than the gaps between tools, so each gets the same drift.
        let mut runs: Vec<_> = runs.into_iter().filter(|(name, _)| chosen(name)).collect();
        let mut rows: ToolRuns = runs.iter().map(|(name, _)| (*name, Vec::new())).collect();
        for round in 1..=rounds {
            for ((name, cmd), (_, done)) in runs.iter_mut().zip(rows.iter_mut()) {
                reset_target(&dst).await;
                eprintln!("{size}: {name} (round {round}) …");
                let m = measure(cmd, &servers);
                let copied = counts(&dst.connect(TARGET_DB).await.unwrap()).await;
                assert_eq!(copied, expected, "{name} copied something else");
                eprintln!(
                    "{size}: {name}: {:.1?}, peak {} MiB, CPU {:.1} s client + {:.1} s servers",
                    m.took,
                    m.peak >> 20,
                    m.client_cpu,
                    m.server_cpu
                );
                done.push(m);
            }
        }
        reset_target(&dst).await;
        table.push((format!("{size} ({} MB)", bytes / 1_000_000), rows));
    }
    print_table(&table);
    let admin = src.connect("postgres").await.unwrap();
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS {}", quote_ident(SOURCE_DB)),
    )
    .await;
    let _ = dst.stop().await;
}

/// GROVE_BENCH_COPY_TOOLS=pgcopydb,pg_dump narrows the peers (Grove always runs).
fn chosen(tool: &str) -> bool {
    match std::env::var("GROVE_BENCH_COPY_TOOLS") {
        Ok(list) if !list.trim().is_empty() => {
            tool.starts_with("grove") || list.split(',').any(|t| tool.starts_with(t.trim()))
        }
        _ => true,
    }
}

fn path_with(bin: &std::path::Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Each tool's median run by time (and, over several rounds, its fastest and slowest).
fn print_table(table: &[(String, ToolRuns)]) {
    println!(
        "  {:<18} {:<40} {:>8} {:>13} {:>10} {:>11} {:>11} {:>9}",
        "source", "tool", "time", "range", "peak RSS", "client CPU", "server CPU", "vs grove"
    );
    let median = |runs: &[Measured]| -> usize {
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.sort_by_key(|&i| runs[i].took);
        order[order.len() / 2]
    };
    for (size, rows) in table {
        let grove = &rows[0].1;
        let grove = grove[median(grove)].took.as_secs_f64();
        for (tool, runs) in rows {
            let m = &runs[median(runs)];
            let secs = |m: &Measured| m.took.as_secs_f64();
            let (lo, hi) = runs
                .iter()
                .map(secs)
                .fold((f64::MAX, 0f64), |(lo, hi), t| (lo.min(t), hi.max(t)));
            let range = if runs.len() > 1 {
                format!("{lo:.1}–{hi:.1}s")
            } else {
                String::new()
            };
            println!(
                "  {:<18} {:<40} {:>7.1}s {:>13} {:>6} MiB {:>10.1}s {:>10.1}s {:>8.2}x",
                size,
                tool,
                secs(m),
                range,
                m.peak >> 20,
                m.client_cpu,
                m.server_cpu,
                secs(m) / grove
            );
        }
    }
    println!(
        "  (the median of {} round(s); \"vs grove\": the tool's time over Grove's, above 1 when \
         Grove is faster; CPU in seconds: the tool's own processes, and both PostgreSQL servers')",
        table.first().map_or(0, |(_, rows)| rows[0].1.len())
    );
}
