//! How long a deploy check takes: `cargo bench --bench deploy` (release build).
//!
//! A root of N tables (10 columns, primary key, 2 indexes each) is imported, a child created
//! from it (its merge base stored), then 20 objects changed on each side (columns added,
//! indexes added, a table commented; independent, so the check is clean). Measured through
//! `Grove::check_deploy`: introspecting parent and child, reading the stored base, the
//! three-way merge, and the dry run (the script applied to a throwaway copy of the parent,
//! the result read back and compared). Median of the runs; prints figures, asserts nothing
//! about time.
//!
//! Environment: GROVE_BENCH_TABLES=2000 (sizes, comma-separated), GROVE_BENCH_RUNS=5.
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::api::{CheckDeploy, CreateDeploy, OpContext};
use grove_core::branch::{no_progress, Branches, OnBusy};
use grove_core::ident::quote_ident;
use grove_core::paths::Paths;
use grove_core::{Grove, ServerRef};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn table_sql(i: usize) -> String {
    format!(
        "CREATE TABLE t{i} (id bigint PRIMARY KEY, a int NOT NULL DEFAULT 0, b text, c numeric(12,2),
            d timestamptz, e boolean NOT NULL DEFAULT false, f varchar(50), g date, h jsonb, ref_id bigint);
         CREATE INDEX t{i}_a ON t{i} (a); CREATE INDEX t{i}_bf ON t{i} (b, f);\n"
    )
}

/// Change `k` of one side: `side` 0 for the parent, 1 for the child (different tables).
fn change_sql(side: usize, k: usize, n: usize) -> String {
    let i = (k * 97 + side * 13) % n;
    match k % 3 {
        0 => format!("ALTER TABLE t{i} ADD COLUMN side{side}_{k} int;"),
        1 => format!("CREATE INDEX t{i}_side{side}_{k} ON t{i} (d);"),
        _ => format!("COMMENT ON TABLE t{i} IS 'side {side}';"),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = env_or("GROVE_BENCH_TABLES", "2000")
        .split(',')
        .map(|s| s.trim().parse().expect("GROVE_BENCH_TABLES"))
        .collect();
    let runs: usize = env_or("GROVE_BENCH_RUNS", "5")
        .parse()
        .expect("GROVE_BENCH_RUNS");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pg = harness::server(18).await;
        let admin = pg.connect("postgres").await.unwrap();
        for s in [
            "ALTER SYSTEM SET fsync = off",
            "ALTER SYSTEM SET synchronous_commit = off",
            "SELECT pg_reload_conf()",
        ] {
            admin.batch_execute(s).await.unwrap();
        }
        let grove = Grove::open(Paths::at(
            harness::scratch_dir("bench-deploy").join("state"),
        ))
        .await
        .unwrap();
        let server = ServerRef::Url(pg.uri("postgres"));
        let engine = Branches::new(pg.fields("postgres"), Some(pg.password().to_string()));
        println!(
            "deploy check benchmark on PostgreSQL {} ({runs} runs, median)",
            pg.bins.version
        );
        println!(
            "{:>7} | {:>22} | {:>15} | {:>14} | {:>10}",
            "tables", "check with dry run", "check, no dry", "dry run alone", "statements"
        );
        for n in sizes {
            let root = format!("bench_deploy_{n}");
            let child = format!("bench_deploy_{n}_child");
            for db in [&child, &root] {
                let _ = engine
                    .delete(db, false, OnBusy::Terminate, no_progress())
                    .await;
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        quote_ident(db)
                    ))
                    .await
                    .unwrap();
            }
            admin
                .batch_execute(&format!("CREATE DATABASE {}", quote_ident(&root)))
                .await
                .unwrap();
            let s = pg.connect(&root).await.unwrap();
            for chunk in (0..n).collect::<Vec<_>>().chunks(250) {
                s.batch_execute(&chunk.iter().map(|i| table_sql(*i)).collect::<String>())
                    .await
                    .unwrap();
            }
            drop(s);
            engine.import(&root, None, no_progress()).await.unwrap();
            engine
                .create(&child, &root, false, OnBusy::Terminate, no_progress())
                .await
                .unwrap();
            for (side, db) in [(0, &root), (1, &child)] {
                let s = pg.connect(db).await.unwrap();
                let sql: String = (0..20)
                    .map(|k| change_sql(side, k, n))
                    .collect::<Vec<_>>()
                    .join("\n");
                s.batch_execute(&sql).await.unwrap();
            }
            let ctx = OpContext::quiet("bench");
            let req = CreateDeploy {
                server: server.clone(),
                child: child.clone(),
                into: None,
            };
            let id = grove.create_deploy(req, &ctx).await.unwrap().request.id;
            let (mut with, mut without, mut dry) = (Vec::new(), Vec::new(), Vec::new());
            let mut statements = 0;
            let mut copy = String::new();
            for _ in 0..runs {
                for dry_run in [true, false] {
                    let t = Instant::now();
                    let c = grove
                        .check_deploy(
                            CheckDeploy {
                                server: server.clone(),
                                id,
                                dry_run,
                            },
                            &ctx,
                        )
                        .await
                        .unwrap();
                    assert!(c.conflicts.is_empty(), "{:?}", c.conflicts);
                    statements = c.result.migration.len();
                    if dry_run {
                        with.push(t.elapsed());
                        let d = c.dry_run.expect("a dry run");
                        assert!(d.ok, "{d:?}");
                        dry.push(Duration::from_millis(d.duration_ms));
                        copy = d.copy.clone();
                    } else {
                        without.push(t.elapsed());
                    }
                }
            }
            println!(
                "{n:>7} | {:>20.2} s | {:>13.2} s | {:>12.2} s | {statements:>10}",
                median(with).as_secs_f64(),
                median(without).as_secs_f64(),
                median(dry).as_secs_f64()
            );
            println!("         dry run on: {copy}");
        }
    });
}
