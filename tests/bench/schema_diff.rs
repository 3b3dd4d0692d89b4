//! How long a schema diff takes: `cargo bench --bench schema_diff` (release build).
//!
//! Generates a schema of N tables (10 columns, primary key, CHECK, 2 indexes each, a foreign
//! key on every third table, a view on every eighth), copies it, changes 5% of the tables in
//! the copy (columns added, dropped and retyped, indexes added and dropped, checks changed,
//! views redefined, comments), then measures, each in a fresh child process (so peak memory is
//! the process's own):
//!  - Grove: introspecting both databases (concurrently) and diffing them;
//!  - `pg_dump --schema-only` of one of them, for comparison;
//!  - migra (`--unsafe`, both databases), once per size, when `GROVE_BENCH_MIGRA` names it
//!    (`make bench` installs it).
//!
//! Time is wall-clock of the whole process (median of the runs), CPU its user + system time;
//! memory is the process's peak resident set (ru_maxrss from wait4), with the malloc settings
//! of the `grove` CLI (one arena). The server is PostgreSQL 15, which Debian's pg_dump 15
//! can dump. Prints figures, asserts nothing about time; panics if anything fails.
//!
//! Environment:
//!   GROVE_BENCH_TABLES=2000,10000   sizes (default both)
//!   GROVE_BENCH_RUNS=5              timed runs of each, interleaved (median reported)
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::conn;
use grove_core::ident::quote_ident;
use grove_core::schema;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCHEMA: &str = "bench";

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// The statements creating table `i` (and its indexes, foreign key, view).
fn table_sql(i: usize) -> String {
    let t = format!("{SCHEMA}.t{i}");
    let mut s = format!(
        "CREATE TABLE {t} (
            id bigint PRIMARY KEY,
            a integer NOT NULL DEFAULT 0,
            b text,
            c numeric(12,2),
            d timestamptz DEFAULT now(),
            e boolean NOT NULL DEFAULT false,
            f varchar(50),
            g date,
            h jsonb,
            ref_id bigint,
            CONSTRAINT t{i}_c_check CHECK (c >= 0)
        );
        CREATE INDEX t{i}_a ON {t} (a);
        CREATE INDEX t{i}_bf ON {t} (b, f);\n"
    );
    if i % 3 == 1 {
        s.push_str(&format!(
            "ALTER TABLE {t} ADD CONSTRAINT t{i}_ref FOREIGN KEY (ref_id) REFERENCES {SCHEMA}.t{} (id);\n",
            i - 1
        ));
    }
    if i % 8 == 7 {
        s.push_str(&format!(
            "CREATE VIEW {SCHEMA}.v{i} AS SELECT id, a, b FROM {t} WHERE e;\n"
        ));
    }
    s
}

/// The change applied to table `i` of the copy (one of several kinds, in rotation).
fn change_sql(i: usize, k: usize) -> String {
    let t = format!("{SCHEMA}.t{i}");
    match k % 8 {
        0 => format!("ALTER TABLE {t} ADD COLUMN extra text;"),
        1 => format!("ALTER TABLE {t} DROP COLUMN g;"),
        2 => format!("ALTER TABLE {t} ALTER COLUMN f TYPE varchar(100);"),
        3 => format!("CREATE INDEX t{i}_d ON {t} (d);"),
        4 => format!("DROP INDEX {SCHEMA}.t{i}_bf;"),
        5 => format!(
            "ALTER TABLE {t} DROP CONSTRAINT t{i}_c_check; ALTER TABLE {t} ADD CONSTRAINT t{i}_c_check CHECK (c >= 1);"
        ),
        6 => format!("COMMENT ON TABLE {t} IS 'changed';"),
        _ => format!("ALTER TABLE {t} ALTER COLUMN b SET NOT NULL;"),
    }
}

async fn generate(pg: &grove_core::local_pg::LocalPg, n: usize) -> (String, String) {
    let (a, b) = (format!("bench_{n}_a"), format!("bench_{n}_b"));
    let admin = pg.connect("postgres").await.unwrap();
    for db in [&a, &b] {
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(db)))
            .await
            .unwrap();
    }
    admin
        .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&a)))
        .await
        .unwrap();
    let s = pg.connect(&a).await.unwrap();
    s.batch_execute(&format!("CREATE SCHEMA {SCHEMA}"))
        .await
        .unwrap();
    // One transaction per chunk: thousands of tables in one would run out of lock slots.
    let started = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
        let sql: String = chunk.iter().map(|i| table_sql(*i)).collect();
        s.batch_execute(&sql).await.unwrap();
    }
    drop(s);
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(&b),
            quote_ident(&a)
        ))
        .await
        .unwrap();
    let s = pg.connect(&b).await.unwrap();
    let changed: Vec<usize> = (0..n)
        .step_by(20)
        .map(|i| i + 10)
        .filter(|i| *i < n)
        .collect();
    let mut sql = String::new();
    for (k, i) in changed.iter().enumerate() {
        sql.push_str(&change_sql(*i, k));
        sql.push('\n');
    }
    for i in (0..n).filter(|i| i % 8 == 7).step_by(10) {
        sql.push_str(&format!(
            "CREATE OR REPLACE VIEW {SCHEMA}.v{i} AS SELECT id, a, b FROM {SCHEMA}.t{i} WHERE NOT e;\n"
        ));
    }
    s.batch_execute(&sql).await.unwrap();
    s.batch_execute("ANALYZE").await.unwrap();
    eprintln!(
        "  generated {n} tables and a copy with {} tables changed in {:.1} s",
        changed.len(),
        started.elapsed().as_secs_f64()
    );
    (a, b)
}

/// Runs a command to completion; wall time, CPU time (user + system) and peak RSS (KiB) of that
/// process alone.
// The child is reaped with wait4 (for its own rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn measure(cmd: &mut Command) -> (Duration, Duration, i64, String) {
    measure_exits(cmd, &[0])
}

/// [`measure`], for a command whose exit codes in `ok` are success (migra exits with 2 when
/// the schemas differ).
#[allow(clippy::zombie_processes)]
fn measure_exits(cmd: &mut Command, ok: &[i32]) -> (Duration, Duration, i64, String) {
    let started = Instant::now();
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let pid = child.id() as i32;
    // Read stdout on a thread while waiting with wait4 for the child's own rusage.
    let mut stdout = child.stdout.unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let mut status = 0;
    // SAFETY: plain wait4(2) on the pid we spawned; rusage is a plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4 failed");
    let elapsed = started.elapsed();
    let out = reader.join().unwrap();
    assert!(
        libc::WIFEXITED(status) && ok.contains(&libc::WEXITSTATUS(status)),
        "{cmd:?} failed (status {status})"
    );
    let secs = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let cpu = secs(usage.ru_utime) + secs(usage.ru_stime);
    (elapsed, cpu, usage.ru_maxrss, out)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn mib(kib: i64) -> f64 {
    kib as f64 / 1024.0
}

/// The child: introspect both databases concurrently and diff them; one line of figures.
fn child_diff() {
    // It stands for `grove diff`: one malloc arena, as the CLI sets.
    // SAFETY: mallopt only sets an allocator parameter; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let from =
            conn::parse_connection_string(&std::env::var("GROVE_BENCH_FROM").unwrap()).unwrap();
        let to = conn::parse_connection_string(&std::env::var("GROVE_BENCH_TO").unwrap()).unwrap();
        let t0 = Instant::now();
        let (a, b) = tokio::try_join!(
            schema::introspect_database(&from.fields, from.password.as_deref()),
            schema::introspect_database(&to.fields, to.password.as_deref())
        )
        .unwrap();
        let t1 = Instant::now();
        let d = schema::diff(&a, &b);
        let t2 = Instant::now();
        println!(
            "{} {} {} {} {} {}",
            (t1 - t0).as_millis(),
            (t2 - t1).as_millis(),
            a.tables.len(),
            d.objects.len(),
            d.changes().count(),
            d.migration.len()
        );
        // The process ends here, like `grove diff`: the OS frees everything at once.
        std::mem::forget((a, b, d));
    });
}

/// migra (the peer the deploy-requests issue names), once per size: it takes many times
/// Grove's time. Installed by `make bench-deps` (`GROVE_BENCH_MIGRA` is its path).
fn migra(pg: &grove_core::local_pg::LocalPg, from: &str, to: &str) {
    let bin = std::env::var_os("GROVE_BENCH_MIGRA").map(std::path::PathBuf::from);
    let Some(bin) = bin.filter(|b| b.is_file()) else {
        println!("        migra: not installed (make bench-deps)");
        return;
    };
    // The password goes by the environment (libpq reads it), not on the command line.
    let url = |db: &str| {
        format!(
            "postgresql+psycopg2://{}@127.0.0.1:{}/{db}",
            grove_core::local_pg::SUPERUSER,
            pg.port
        )
    };
    let (t, cpu, rss, out) = measure_exits(
        Command::new(bin)
            .args(["--unsafe", &url(from), &url(to)])
            .env("PGPASSWORD", pg.password()),
        &[0, 2],
    );
    println!(
        "        migra --unsafe (1 run): {:.2} s, {:.2} s CPU, {:.0} MiB; {} lines of SQL",
        t.as_secs_f64(),
        cpu.as_secs_f64(),
        mib(rss),
        out.lines().filter(|l| !l.trim().is_empty()).count()
    );
}

fn main() {
    if std::env::var_os("GROVE_BENCH_CHILD").is_some() {
        child_diff();
        return;
    }
    let sizes: Vec<usize> = env_or("GROVE_BENCH_TABLES", "2000,10000")
        .split(',')
        .map(|s| s.trim().parse().expect("GROVE_BENCH_TABLES"))
        .collect();
    let runs: usize = env_or("GROVE_BENCH_RUNS", "5")
        .parse()
        .expect("GROVE_BENCH_RUNS");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(async {
        let pg = harness::server(15).await;
        let admin = pg.connect("postgres").await.unwrap();
        // A throwaway cluster: durability only slows the generation down.
        for s in [
            "ALTER SYSTEM SET fsync = off",
            "ALTER SYSTEM SET synchronous_commit = off",
            "SELECT pg_reload_conf()",
        ] {
            admin.batch_execute(s).await.unwrap();
        }
        pg
    });
    let pg_dump = harness::bin_dir(15).join("pg_dump");
    println!(
        "schema diff benchmark on PostgreSQL {} ({} runs each, median; peak RSS of the measuring process)",
        pg.bins.version, runs
    );
    println!(
        "{:>7} | {:>36} | {:>11} | {:>9} | {:>24} | {:>8}",
        "tables",
        "grove: introspect 2 + diff (wall, CPU)",
        "introspect",
        "diff",
        "pg_dump --schema-only (1)",
        "ratio"
    );
    for n in sizes {
        let (a, b) = rt.block_on(generate(pg, n));
        // Interleaved (ours, pg_dump, ours, …): both see the same background load.
        let (mut ours, mut ours_cpu, mut dumps) = (Vec::new(), Vec::new(), Vec::new());
        let (mut ours_rss, mut dump_rss) = (0, 0);
        let mut last = String::new();
        let mut parts = Vec::new();
        for _ in 0..runs {
            let (t, cpu, rss, out) = measure(
                Command::new(std::env::current_exe().unwrap())
                    .env("GROVE_BENCH_CHILD", "1")
                    .env("GROVE_BENCH_FROM", pg.uri(&a))
                    .env("GROVE_BENCH_TO", pg.uri(&b)),
            );
            ours.push(t);
            ours_cpu.push(cpu);
            ours_rss = ours_rss.max(rss);
            let f: Vec<u64> = out.split_whitespace().map(|x| x.parse().unwrap()).collect();
            parts.push((f[0], f[1]));
            last = out;
            let (t, _, rss, _) = measure(
                Command::new(&pg_dump)
                    .args(["--schema-only", "-f", "/dev/null"])
                    .env("PGPASSWORD", pg.password())
                    .env("PGHOST", "127.0.0.1")
                    .env("PGPORT", pg.port.to_string())
                    .env("PGUSER", grove_core::local_pg::SUPERUSER)
                    .env("PGDATABASE", &a),
            );
            dumps.push(t);
            dump_rss = dump_rss.max(rss);
        }
        let f: Vec<u64> = last
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        parts.sort();
        let (intro, diff) = parts[parts.len() / 2];
        let (o, d) = (median(ours), median(dumps));
        println!(
            "{:>7} | {:>8.2} s {:>6.2} s CPU {:>9.0} MiB | {:>7} ms | {:>6} ms | {:>8.2} s {:>9.0} MiB | {:>7.2}x",
            n,
            o.as_secs_f64(),
            median(ours_cpu).as_secs_f64(),
            mib(ours_rss),
            intro,
            diff,
            d.as_secs_f64(),
            mib(dump_rss),
            d.as_secs_f64() / o.as_secs_f64()
        );
        println!(
            "        (read {} tables per side; {} objects reported, {} changed, {} migration statements)",
            f[2], f[3], f[4], f[5]
        );
        migra(pg, &a, &b);
        rt.block_on(async {
            let admin = pg.connect("postgres").await.unwrap();
            for db in [&a, &b] {
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {}", quote_ident(db)))
                    .await
                    .unwrap();
            }
        });
    }
    println!("ratio: pg_dump of one side / grove's introspection of both sides and diff (> 1: grove faster)");
}
