//! Schema-diff conformance: migra's 26, apgdiff's 124 and pgschema's 198 schema pairs
//! (`../shared/conformance/schema-diff`, see its README), round-tripped on PostgreSQL 15 and 18.
//!
//! For every case and version: load FROM and TO into two fresh databases (psql, errors noted),
//! diff, apply the migration to FROM in one transaction (stopping at the first error), compare
//! FROM and TO — with `pg_dump --schema-only --no-owner` on 15 (Debian's pg_dump matches that
//! server), with a catalog-query oracle on 18 (the bundled 18 ships no pg_dump) — then diff
//! again and expect nothing. Outcomes: `pass`, `loose` (only column order differs, which no
//! migration changes without rebuilding the table), `FAIL`, `xfail` (a listed expected
//! failure, with its reason), `no-load` (the inputs do not load on a current PostgreSQL, or
//! need a newer one than this (`min_pg`); the round trip on whatever did load is shown in
//! brackets for information).
//!
//! Runs as `cargo test -p grove-app --test conformance` (custom harness: prints a table, ends
//! with `N passed, N failed`, exits non-zero on any failure not in `EXPECTED_FAILURES`, and
//! when a suite has no case or none of its cases passed). The fixtures are found only relative
//! to the project root. Arguments filter cases by substring of `suite/case` (a filter must
//! match some case, and something must pass in each suite it selects);
//! `GROVE_CONFORMANCE_VERBOSE=1` prints each failure's script and differences,
//! `GROVE_CONFORMANCE_TIMING=1` the time of each step. The two servers are this process's own
//! throwaway clusters, run with fsync off; up to 3 cases run at a time on each.
//!
//! Files: `suites` (the cases and what is known about them), `server` (one server, one case's
//! round trip), `compare` (normalised pg_dump and the catalog oracle), this one (run, report).
#[path = "../harness/mod.rs"]
mod harness;

mod compare;
mod server;
mod suites;

use server::{run_case, server, CaseResult};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use suites::{cases, expected_failure, fixture_dir, Case, Outcome, EXPECTED_FAILURES};
use tokio::sync::Semaphore;

type Results = BTreeMap<(u32, String, String), CaseResult>;

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let verbose = std::env::var_os("GROVE_CONFORMANCE_VERBOSE").is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let code = rt.block_on(run(filters, verbose));
    std::process::exit(code);
}

async fn run(filters: Vec<String>, verbose: bool) -> i32 {
    let started = Instant::now();
    let dir = fixture_dir();
    let all: Vec<Case> = cases(&dir)
        .into_iter()
        .filter(|c| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|f| format!("{}/{}", c.suite, c.name).contains(f.as_str()))
        })
        .collect();
    assert!(!all.is_empty(), "no case matches the filters {filters:?}");
    eprintln!(
        "schema-diff conformance: {} cases from {}",
        all.len(),
        dir.display()
    );
    let mut results = Results::new();
    let mut servers = Vec::new();
    for major in harness::VERSIONS {
        servers.push(Arc::new(server(major).await));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for srv in &servers {
        eprintln!(
            "PostgreSQL {}: comparing with {}",
            srv.pg.bins.version,
            if srv.pg_dump.is_some() {
                "pg_dump --schema-only --no-owner"
            } else {
                "the catalog-query oracle"
            }
        );
        let limit = Arc::new(Semaphore::new(3));
        for case in &all {
            let (srv, case, limit) = (srv.clone(), case.clone(), limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                let t = Instant::now();
                let r = match tokio::time::timeout(Duration::from_secs(120), run_case(&srv, &case))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => CaseResult {
                        outcome: Outcome::Fail("timed out after 120 s".into()),
                        detail: String::new(),
                    },
                };
                eprintln!(
                    "  pg{} {}/{}: {} ({} ms)",
                    srv.major,
                    case.suite,
                    case.name,
                    r.outcome.short(),
                    t.elapsed().as_millis()
                );
                (srv.major, case, r)
            });
        }
    }
    while let Some(r) = tasks.join_next().await {
        let (major, case, r) = r.expect("case task");
        results.insert((major, case.suite.to_string(), case.name.clone()), r);
    }

    report(&all, &results, verbose, started)
}

/// Prints the table, the reasons and the totals; the exit code.
fn report(all: &[Case], results: &Results, verbose: bool, started: Instant) -> i32 {
    println!();
    println!(
        "{:<8} {:<58} {:<22} {:<22}",
        "suite", "case", "pg15", "pg18"
    );
    let mut unexpected = Vec::new();
    let mut xpass = Vec::new();
    let mut totals: BTreeMap<(String, u32), [u32; 5]> = BTreeMap::new();
    let (mut passed, mut failed) = (0u32, 0u32);
    for case in all {
        let mut cells = Vec::new();
        for major in harness::VERSIONS {
            let r = &results[&(major, case.suite.to_string(), case.name.clone())];
            let expected = expected_failure(case, major);
            let t = totals.entry((case.suite.to_string(), major)).or_default();
            let cell = match (&r.outcome, expected) {
                (Outcome::Pass | Outcome::Loose, e) => {
                    let loose = matches!(r.outcome, Outcome::Loose);
                    t[usize::from(loose)] += 1;
                    passed += 1;
                    if e.is_some() {
                        xpass.push(format!("{}/{} on {major}", case.suite, case.name));
                    }
                    (if loose { "loose" } else { "pass" }).to_string()
                }
                (Outcome::Fail(_), Some(_)) => {
                    t[2] += 1;
                    failed += 1;
                    "xfail".to_string()
                }
                (Outcome::Fail(m), None) => {
                    t[3] += 1;
                    failed += 1;
                    unexpected.push((case.clone(), major, m.clone(), r.detail.clone()));
                    "FAIL".to_string()
                }
                (o @ Outcome::NoLoad { .. }, _) => {
                    t[4] += 1;
                    o.short()
                }
            };
            cells.push(cell);
        }
        println!(
            "{:<8} {:<58} {:<22} {:<22}",
            case.suite, case.name, cells[0], cells[1]
        );
    }
    print_reasons(all, results, &xpass, &unexpected, verbose);
    println!("\ntotals (pass / loose / expected failure / FAIL / inputs do not load):");
    for ((suite, major), t) in &totals {
        println!(
            "  {suite:<8} PostgreSQL {major}: {} pass, {} loose, {} xfail, {} FAIL, {} no-load",
            t[0], t[1], t[2], t[3], t[4]
        );
    }
    println!(
        "({} unexpected, {} expected failures; {:.0} s)",
        unexpected.len(),
        failed as usize - unexpected.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{passed} passed, {failed} failed");
    // A suite none of whose cases passed (every case failed to load: psql, roles, servers…)
    // tested nothing.
    let mut suites: Vec<&str> = all.iter().map(|c| c.suite).collect();
    suites.dedup();
    let idle: Vec<&str> = suites
        .into_iter()
        .filter(|s| {
            totals
                .iter()
                .filter(|((suite, _), _)| suite == s)
                .all(|(_, t)| t[0] + t[1] == 0)
        })
        .collect();
    if !idle.is_empty() {
        println!(
            "nothing passed in {}: no migration was checked",
            idle.join(", ")
        );
        return 1;
    }
    i32::from(!unexpected.is_empty())
}

type Unexpected = (Case, u32, String, String);

/// Why cases did not load, which are expected to fail, and the unexpected failures.
fn print_reasons(
    all: &[Case],
    results: &Results,
    xpass: &[String],
    unexpected: &[Unexpected],
    verbose: bool,
) {
    println!("\ninputs that do not load (not counted as passed or failed):");
    for case in all {
        for major in harness::VERSIONS {
            if let Outcome::NoLoad { reason, .. } =
                &results[&(major, case.suite.to_string(), case.name.clone())].outcome
            {
                println!("  {}/{} on {major}: {reason}", case.suite, case.name);
            }
        }
    }
    if !EXPECTED_FAILURES.is_empty() {
        println!("\nexpected failures:");
        for (s, c, v, reason) in EXPECTED_FAILURES {
            let on = if v.is_empty() {
                "all versions".to_string()
            } else {
                v.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            println!("  {s}/{c} ({on}): {reason}");
        }
    }
    for x in xpass {
        println!("note: expected failure passed: {x} (remove it from EXPECTED_FAILURES)");
    }
    if !unexpected.is_empty() {
        println!("\nunexpected failures:");
        for (case, major, m, detail) in unexpected {
            println!("  {}/{} on PostgreSQL {major}: {m}", case.suite, case.name);
            if verbose && !detail.is_empty() {
                println!("    script:\n{}", indent(detail, "      "));
            }
        }
    }
}

fn indent(s: &str, pad: &str) -> String {
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
