//! The three team workflows, scripted through the `grove` CLI as a team would run them, each
//! with the source (a bank in another cluster) under a write load the whole time: one branch
//! per developer, a shared dev branch reset on a schedule, and one branch per pull request
//! created and deleted by a CI script that hands the branch's URL to a migration run.
use crate::branches::{assert_consistent, cli, close, database_exists, ok_json, unique};
use crate::harness::{self, fresh_db};
use crate::online_copy::{assert_bank_consistent, Transfers, BANK};
use grove_core::local_pg::LocalPg;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A team's machine: Grove's data dir and Grove's server (`GROVE_SERVER`).
struct Team {
    data: PathBuf,
    server: String,
}

impl Team {
    fn new(name: &str, at: &LocalPg) -> Team {
        Team {
            data: harness::scratch_dir(name),
            server: at.uri("postgres"),
        }
    }

    async fn run(&self, args: &[&str]) -> Output {
        cli(&self.data, &self.server, None, args).await
    }

    /// `grove --json ARGS`, which must succeed.
    async fn json(&self, args: &[&str]) -> Value {
        let mut argv = vec!["--json"];
        argv.extend_from_slice(args);
        ok_json(&self.run(&argv).await)
    }
}

/// A bank on `src` (smaller than the copy tests' one) under a load of transfers, saved as a
/// connection of `team` (password in the keychain); returns the connection's name.
async fn live_bank(src: &LocalPg, team: &Team) -> (String, Transfers) {
    let (db, s) = fresh_db(src).await;
    let seed = BANK.replace(
        "FROM generate_series(1, 200000) g",
        "FROM generate_series(1, 3000) g",
    );
    s.batch_execute(&seed).await.unwrap();
    close(src, s).await;
    let conn = unique("bank");
    team.json(&["server", "add", &conn, &src.uri(&db)]).await;
    let load = Transfers::start(src.connect(&db).await.unwrap());
    (conn, load)
}

/// Waits (up to a minute) until the load has written `n` more transfers than `since`.
async fn more_writes(writes: &Arc<AtomicU64>, since: u64, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while writes.load(Ordering::Relaxed) < since + n {
        assert!(Instant::now() < deadline, "the write load stalled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn scalar(pg: &LocalPg, db: &str, sql: &str) -> i64 {
    let s = pg.connect(db).await.unwrap();
    s.query_one(&format!("SELECT ({sql})::bigint"), &[])
        .await
        .unwrap()
        .get(0)
}

async fn transfers(pg: &LocalPg, db: &str) -> i64 {
    scalar(pg, db, "SELECT count(*) FROM transfers").await
}

async fn consistent(pg: &LocalPg, db: &str) {
    assert_bank_consistent(&pg.connect(db).await.unwrap()).await;
}

/// A Grove server of the test's own (whole-server checks, schedules no other test sees).
async fn own_server(name: &str) -> LocalPg {
    LocalPg::start(&harness::options(18, name)).await.unwrap()
}

#[tokio::test]
async fn workflow_one_branch_per_developer() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let team = Team::new("workflow-dev", dst);
    let (conn, load) = live_bank(src, &team).await;
    let writes = load.writes.clone();
    let root = unique("prod");
    let alice = format!("dev/alice-{root}");

    let added = team.json(&["source", "add", &root, "--from", &conn]).await;
    assert_eq!(added["last_refresh"]["outcome"], "ok", "{added}");
    consistent(dst, &root).await;
    let first = transfers(dst, &root).await;
    let created = team
        .json(&["branch", "create", &alice, "--parent", &root])
        .await;
    assert_eq!(created["parent"], root.as_str());
    assert_eq!(transfers(dst, &alice).await, first);

    // Alice works on her branch: a schema change and rows of her own.
    let work = "ALTER TABLE accounts ADD COLUMN nickname text;
                INSERT INTO accounts (id, owner, balance, nickname) VALUES (5000, 'alice', 0, 'a');";
    let out = team.run(&["sql", &alice, "-c", work]).await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        scalar(dst, &alice, "SELECT count(*) FROM accounts WHERE id = 5000").await,
        1
    );

    // Production moved on; the root is refreshed, then Alice resets her branch from it.
    more_writes(&writes, writes.load(Ordering::Relaxed), 50).await;
    let refreshed = team.json(&["source", "refresh", &root]).await;
    assert_eq!(refreshed["last_refresh"]["outcome"], "ok", "{refreshed}");
    consistent(dst, &root).await;
    let second = transfers(dst, &root).await;
    assert!(
        second > first,
        "the refresh has newer transfers ({first} → {second})"
    );
    assert_eq!(
        transfers(dst, &alice).await,
        first,
        "children wait for their reset"
    );
    let reset = team.json(&["branch", "reset", &alice]).await;
    assert_eq!(reset["undo_available"], true);
    assert_eq!(transfers(dst, &alice).await, second);
    consistent(dst, &alice).await;
    let gone = "SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'";
    assert_eq!(scalar(dst, &alice, gone).await, 0, "her changes went");
    assert_eq!(
        scalar(dst, &alice, "SELECT count(*) FROM accounts WHERE id = 5000").await,
        0
    );
    let during = writes.load(Ordering::Relaxed);
    load.stop().await;
    assert!(during > 0);
}

#[tokio::test]
async fn workflow_shared_dev_branch_reset_on_a_schedule() {
    let src = harness::server(15).await;
    let dst = own_server("workflow-shared").await;
    let team = Team::new("workflow-shared-cli", &dst);
    let (conn, load) = live_bank(src, &team).await;
    let writes = load.writes.clone();
    let (root, shared) = ("staging", "dev/shared");

    let added = team
        .json(&["source", "add", root, "--from", &conn, "--every", "6h"])
        .await;
    assert_eq!(added["schedule"], "6h");
    assert!(added["next_due_at"].is_string(), "{added}");
    let first = transfers(&dst, root).await;
    team.json(&["branch", "create", shared, "--parent", root])
        .await;
    let out = team
        .run(&[
            "sql",
            shared,
            "-c",
            "UPDATE accounts SET owner = 'changed' WHERE id = 1",
        ])
        .await;
    assert!(out.status.success(), "{out:?}");
    // A teammate keeps a session open on the shared branch.
    let teammate = dst.connect(shared).await.unwrap();

    // Not due yet: cron's `--due` does nothing.
    let none = team.json(&["source", "refresh", "--due"]).await;
    assert_eq!(none, serde_json::json!([]));
    // The slot comes (what the clock does at the next due time).
    more_writes(&writes, writes.load(Ordering::Relaxed), 50).await;
    let cat = dst.connect("grove_catalog").await.unwrap();
    cat.batch_execute("UPDATE sources SET next_due_at = now() - interval '1 second'")
        .await
        .unwrap();
    let due = team.json(&["source", "refresh", "--due"]).await;
    let due = due.as_array().unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(
        (due[0]["root"].as_str(), due[0]["ok"].as_bool()),
        (Some(root), Some(true))
    );
    let next = due[0]["source"]["next_due_at"].as_str().unwrap();
    let later: bool = cat
        .query_one(
            "SELECT $1::text::timestamptz > now() + interval '5 hours'",
            &[&next],
        )
        .await
        .unwrap()
        .get(0);
    assert!(later, "next due {next}");
    let again = team.json(&["source", "refresh", "--due"]).await;
    assert_eq!(again, serde_json::json!([]), "refreshed once per slot");
    let second = transfers(&dst, root).await;
    assert!(second > first, "({first} → {second})");
    consistent(&dst, root).await;

    // The shared branch is reset from the refreshed root: the teammate's session is in the
    // way until terminated.
    let busy = team.run(&["--json", "branch", "reset", shared]).await;
    assert_eq!(busy.status.code(), Some(1));
    let err: Value = serde_json::from_slice(&busy.stdout)
        .or_else(|_| serde_json::from_slice(&busy.stderr))
        .unwrap();
    assert_eq!(err["error"]["code"], "conflict", "{err}");
    let reset = team.json(&["branch", "reset", shared, "--terminate"]).await;
    assert_eq!(reset["undo_available"], true);
    assert!(teammate.query_one("SELECT 1", &[]).await.is_err());
    assert_eq!(transfers(&dst, shared).await, second);
    assert_eq!(
        scalar(
            &dst,
            shared,
            "SELECT count(*) FROM accounts WHERE owner = 'changed'"
        )
        .await,
        0
    );
    consistent(&dst, shared).await;
    load.stop().await;
    drop(cat);
    assert_consistent(&dst).await;
    dst.stop().await.unwrap();
}

/// A client error as a CI log shows it: the server's message.
fn pg_error(e: tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_else(|| e.to_string())
}

/// What a CI job does for one pull request: a branch of `root`, the PR's migration run on it
/// through the URL Grove prints (parsed from `--json`), then the branch deleted.
async fn ci_job(team: &Team, root: &str, pr: u32, migration: &str) -> Result<(), String> {
    let branch = format!("pr-{pr}");
    let created = team
        .json(&["branch", "create", &branch, "--parent", root])
        .await;
    assert_eq!(created["name"], branch.as_str());
    let url = team
        .json(&["branch", "url", &branch, "--with-password"])
        .await;
    let url = url["url"].as_str().expect("a url").to_string();
    let ran = async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(pg_error)?;
        let conn = tokio::spawn(connection);
        let r = client.batch_execute(migration).await.map_err(pg_error);
        let checked = client
            .query_one("SELECT sum(balance)::bigint FROM accounts", &[])
            .await
            .map_err(pg_error)?;
        drop(client);
        let _ = conn.await;
        r.map(|_| checked.get::<_, i64>(0))
    }
    .await;
    let deleted = team.json(&["branch", "delete", &branch]).await;
    assert_eq!(deleted["deleted"][0], branch.as_str());
    match ran {
        Ok(total) if total == 1000 * 1000 => Ok(()),
        Ok(total) => Err(format!("the migration changed the total to {total}")),
        Err(e) => Err(e),
    }
}

#[tokio::test]
async fn workflow_one_branch_per_pull_request_from_ci() {
    let src = harness::server(15).await;
    let dst = own_server("workflow-pr").await;
    let team = Team::new("workflow-pr-cli", &dst);
    let (conn, load) = live_bank(src, &team).await;
    let root = "prod";
    team.json(&["source", "add", root, "--from", &conn]).await;
    let admin = dst.connect("postgres").await.unwrap();
    let databases = async || -> Vec<String> {
        let rows = admin
            .query("SELECT datname::text FROM pg_database ORDER BY 1", &[])
            .await
            .unwrap();
        rows.iter().map(|r| r.get(0)).collect()
    };
    let before = databases().await;
    let root_transfers = transfers(&dst, root).await;

    // PR 1 adds a column and an index; PR 2's migration is broken. Both are cleaned up.
    let good = "ALTER TABLE transfers ADD COLUMN memo text;
                CREATE INDEX transfers_to ON transfers (to_id);
                UPDATE transfers SET memo = 'pr' WHERE id % 2 = 0;";
    ci_job(&team, root, 1, good).await.expect("PR 1 migrates");
    let bad = "ALTER TABLE accounts ADD COLUMN owner text";
    let e = ci_job(&team, root, 2, bad).await.unwrap_err();
    assert!(e.contains("\"owner\""), "{e}");
    load.stop().await;

    // Nothing is left behind: no branch, no database of the PRs (a deleted branch is a
    // snapshot until housekeeping drops it), no session, the root untouched.
    let list = team.json(&["branch", "list"]).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [root]);
    let snaps = team.json(&["branch", "snapshots"]).await;
    let snaps = snaps.as_array().unwrap();
    let snap_dbs: Vec<String> = snaps
        .iter()
        .map(|s| s["db_name"].as_str().unwrap().to_string())
        .collect();
    let mut kept: Vec<&str> = snaps
        .iter()
        .map(|s| s["branch_name"].as_str().unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept, ["pr-1", "pr-2"], "{snaps:?}");
    let mut after = databases().await;
    after.retain(|d| !snap_dbs.contains(d));
    assert_eq!(after, before);
    assert!(!database_exists(&dst, "pr-1").await && !database_exists(&dst, "pr-2").await);
    assert_eq!(transfers(&dst, root).await, root_transfers);
    let others = "SELECT count(*) FROM pg_stat_activity
                   WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = admin.query_one(others, &[]).await.unwrap().get(0);
        if n == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{n} sessions left on Grove's server"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_consistent(&dst).await;
    // Housekeeping, once the snapshots' time is up, drops them too.
    let cat = dst.connect("grove_catalog").await.unwrap();
    cat.batch_execute("UPDATE snapshots SET keep_until = now() - interval '1 second'")
        .await
        .unwrap();
    drop(cat);
    team.json(&["branch", "housekeeping"]).await;
    assert_eq!(databases().await, before);
    drop(admin);
    dst.stop().await.unwrap();
}
