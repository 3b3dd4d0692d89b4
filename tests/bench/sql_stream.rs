//! How fast the SQL editor streams a large result: `cargo bench --bench sql_stream` (release).
//!
//! Runs `SELECT` of N generated rows (int, md5 text, numeric, timestamptz) through exactly the
//! path the desktop app uses: `SqlSession::run` on an open session, every event serialized to
//! JSON as the Tauri channel does, up to the point where the frontend would receive the pages
//! (`max_rows` off, so every row is sent). Each measurement runs in a child process of its own,
//! so its peak memory (VmHWM) is its own. Next to it: `psql -X -q -c <same query> > /dev/null`
//! (Debian's psql 15, which reads the whole result into memory before printing it), timed and
//! measured (peak RSS) the same way, and with `-A -t` (unaligned, psql's cheapest output).
//! "client CPU" is the client process's user + system time: unlike wall time it does not depend
//! on how busy the machine is. The rows come from `generate_series` in the select list, so the
//! server streams them from the first row on instead of materialising them.
//!
//! It prints figures and asserts nothing about time; it panics when anything fails.
//!
//! Environment:
//!   GROVE_BENCH_ROWS=1000000,10000000   result sizes
//!   GROVE_BENCH_RUNS=3                  runs per size and client (median reported)
//!   GROVE_BENCH_VERSIONS=15,18          servers (the harness's Debian 15 and bundled 18)
//!   GROVE_BENCH_PAGE=500                rows per page (the UI's default)
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::conn;
use grove_core::sql::{RunEvent, RunOptions, SqlSession, SqlTarget};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "GROVE_SQL_BENCH_CHILD";

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect()
}

fn env_num(name: &str, default: u64) -> u64 {
    env_list(name, &default.to_string())[0]
        .parse()
        .unwrap_or_else(|_| panic!("{name} must be a number"))
}

fn query(rows: u64) -> String {
    format!(
        "SELECT g AS id, md5(g::text) AS name, (g * 1.25)::numeric(14,2) AS price, \
         timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS at \
         FROM (SELECT generate_series(1, {rows}) AS g) s"
    )
}

/// Peak resident memory of this process, from /proc/self/status.
fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One measurement, in this (child) process; prints `RESULT first_ms total_ms rows pages bytes hwm_kb`.
fn child(uri: &str, rows: u64, page: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let parsed = conn::parse_connection_string(uri).unwrap();
        let target = SqlTarget {
            branch: parsed.fields.database.clone(),
            fields: parsed.fields,
            password: parsed.password,
            server_id: "bench".into(),
            protected: false,
        };
        let mut session = SqlSession::open(&target, None).await.unwrap();
        // An editor tab's session is already open and warm (type names loaded).
        session
            .run_collect("SELECT 1", &RunOptions::default())
            .await
            .ok()
            .unwrap();
        let opts = RunOptions {
            page_size: page,
            max_rows: None,
        };
        let sql = query(rows);
        let started = Instant::now();
        let mut first_page = None;
        let mut received = 0u64;
        let mut pages = 0u64;
        let mut bytes = 0u64;
        let summary = session
            .run(&sql, &opts, |ev| {
                if let RunEvent::Rows { rows, .. } = &ev {
                    first_page.get_or_insert_with(|| started.elapsed());
                    received += rows.len() as u64;
                    pages += 1;
                }
                // What tauri::ipc::Channel::send does with the event.
                let json = serde_json::to_vec(&ev).unwrap();
                bytes += json.len() as u64;
                true
            })
            .await;
        let total = started.elapsed();
        assert!(summary.error.is_none(), "{:?}", summary.error);
        assert_eq!(received, rows);
        println!(
            "RESULT {} {} {} {} {} {}",
            first_page.unwrap_or_default().as_secs_f64() * 1000.0,
            total.as_secs_f64() * 1000.0,
            received,
            pages,
            bytes,
            vm_hwm_kb()
        );
    });
}

struct Measured {
    first_ms: Option<f64>,
    total_ms: f64,
    /// The client process's user + system CPU time.
    cpu_ms: f64,
    peak_kb: u64,
    bytes: u64,
}

/// Waits for a child with wait4: whether it succeeded, its CPU time (ms) and peak RSS (kB).
fn wait_child(child: &std::process::Child) -> (bool, f64, u64) {
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child, which std has not reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    (
        pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        tv(usage.ru_utime) + tv(usage.ru_stime),
        usage.ru_maxrss as u64,
    )
}

// Children are reaped by `wait_child` (wait4, for their rusage), which clippy does not see.
#[allow(clippy::zombie_processes)]
fn run_child(uri: &str, rows: u64, page: u32) -> Measured {
    use std::io::Read;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, format!("{rows} {page}"))
        .env("GROVE_SQL_BENCH_URI", uri)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let (ok, cpu_ms, _) = wait_child(&child);
    assert!(ok, "child failed: {text}");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("no result from the child: {text}"));
    let f: Vec<f64> = line.split(' ').map(|v| v.parse().unwrap()).collect();
    Measured {
        first_ms: Some(f[0]),
        total_ms: f[1],
        cpu_ms,
        bytes: f[4] as u64,
        // The child's own VmHWM, read at the end of the run.
        peak_kb: f[5] as u64,
    }
}

fn psql_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("GROVE_BENCH_PSQL") {
        return p.into();
    }
    let debian = PathBuf::from("/usr/lib/postgresql/15/bin/psql");
    if debian.is_file() {
        debian
    } else {
        "psql".into()
    }
}

/// `psql -c … > /dev/null`: wall time and the child's peak RSS (wait4's rusage). `unaligned`
/// adds `-A -t` (no column alignment, no header), psql's cheapest output.
#[allow(clippy::zombie_processes)]
fn run_psql(uri: &str, rows: u64, unaligned: bool) -> Measured {
    let started = Instant::now();
    let mut args = vec!["-X", "-q", "-v", "ON_ERROR_STOP=1"];
    if unaligned {
        args.extend(["-A", "-t"]);
    }
    let sql = query(rows);
    args.extend(["-d", uri, "-c", &sql]);
    let child = Command::new(psql_bin())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run psql (Debian's postgresql-client-15)");
    let (ok, cpu_ms, peak_kb) = wait_child(&child);
    let total = started.elapsed();
    assert!(ok, "psql failed");
    Measured {
        first_ms: None,
        total_ms: total.as_secs_f64() * 1000.0,
        cpu_ms,
        peak_kb,
        bytes: 0,
    }
}

fn median(mut v: Vec<Measured>) -> Measured {
    v.sort_by(|a, b| a.total_ms.total_cmp(&b.total_ms));
    v.swap_remove(v.len() / 2)
}

fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let mut it = spec.split(' ').map(|v| v.parse::<u64>().unwrap());
        let (rows, page) = (it.next().unwrap(), it.next().unwrap() as u32);
        child(&std::env::var("GROVE_SQL_BENCH_URI").unwrap(), rows, page);
        return;
    }
    let sizes: Vec<u64> = env_list("GROVE_BENCH_ROWS", "1000000,10000000")
        .iter()
        .map(|s| s.replace('_', "").parse().expect("GROVE_BENCH_ROWS"))
        .collect();
    let runs = env_num("GROVE_BENCH_RUNS", 3).max(1);
    let page = env_num("GROVE_BENCH_PAGE", 500) as u32;
    let versions: Vec<u32> = env_list("GROVE_BENCH_VERSIONS", "15,18")
        .iter()
        .map(|v| v.parse().expect("GROVE_BENCH_VERSIONS"))
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "SQL editor streaming: {runs} run(s) per figure (median), pages of {page} rows, every row serialized"
    );
    println!("query: {}", query(0).replace("1, 0)", "1, N)"));
    for major in versions {
        let pg = rt.block_on(harness::server(major));
        let (db, _admin) = rt.block_on(harness::fresh_db(pg));
        let uri = pg.uri(&db);
        println!(
            "\nPostgreSQL {} (client: {})",
            pg.bins.version,
            psql_bin().display()
        );
        println!(
            "  {:>12}  {:<24} {:>10} {:>10} {:>11} {:>11} {:>10}",
            "rows", "client", "first page", "total", "rows/s", "client CPU", "peak RSS"
        );
        for &rows in &sizes {
            let grove = median((0..runs).map(|_| run_child(&uri, rows, page)).collect());
            let psql = median((0..runs).map(|_| run_psql(&uri, rows, false)).collect());
            let psql_at = median((0..runs).map(|_| run_psql(&uri, rows, true)).collect());
            for (name, m) in [
                ("grove (UI path)", &grove),
                ("psql -c > /dev/null", &psql),
                ("psql -At -c > /dev/null", &psql_at),
            ] {
                println!(
                    "  {:>12}  {:<24} {:>10} {:>10} {:>10.0}k {:>11} {:>7} MB",
                    rows,
                    name,
                    m.first_ms.map(fmt_ms).unwrap_or_else(|| "-".into()),
                    fmt_ms(m.total_ms),
                    rows as f64 / (m.total_ms / 1000.0) / 1000.0,
                    fmt_ms(m.cpu_ms),
                    m.peak_kb / 1024
                );
            }
            println!(
                "  {:>12}  grove/psql total: {:.2}x (vs -At: {:.2}x); {:.0} MB of JSON pages sent",
                "",
                grove.total_ms / psql.total_ms,
                grove.total_ms / psql_at.total_ms,
                grove.bytes as f64 / 1e6
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
