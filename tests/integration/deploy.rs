//! Deploy requests end to end on PostgreSQL 15 and 18: apply and revert with data (rows written
//! since the deploy survive, dropped data comes back), lock_timeout, a killed Grove during the
//! apply, protected parents, two-way checks, rebase, and the CLI.
use crate::branches::{cli, close, engine, ok_json};
use crate::deploy_conflicts::{
    ctx, db_with, fork, grove_for, open_request, run_sql, schema_differences,
};
use crate::for_each_version;
use crate::harness;
use grove_core::api::{RebaseBranch, ResetBranch, RunDeploy};
use grove_core::branch::OnBusy;
use grove_core::deploy::{ApplyOptions, DeployStatus};
use grove_core::local_pg::LocalPg;
use grove_core::{ErrorCode, ServerRef};
use std::time::Duration;

const BASE: &str = "
    CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email text NOT NULL);
    CREATE TABLE notes (id int PRIMARY KEY, customer_id int REFERENCES customers (id), body text);
    INSERT INTO customers SELECT g, 'c' || g, 'c' || g || '@x' FROM generate_series(1, 50) g;
    INSERT INTO notes SELECT g, 1 + g % 50, 'note ' || g FROM generate_series(1, 30) g;";

/// The child's change: drops a NOT NULL column with data and a table with rows, adds a column
/// and an index.
const CHANGE: &str = "
    ALTER TABLE customers DROP COLUMN email;
    DROP TABLE notes;
    ALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false;
    CREATE INDEX customers_name ON customers (name);";

async fn one(pg: &LocalPg, db: &str, sql: &str) -> String {
    let s = pg.connect(db).await.unwrap();
    let v: String = s
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0);
    close(pg, s).await;
    v
}

fn server(pg: &LocalPg) -> ServerRef {
    ServerRef::Url(pg.uri("postgres"))
}

#[tokio::test]
async fn apply_then_revert_keeps_new_rows_and_brings_back_dropped_data() {
    for_each_version!(|pg| {
        let grove = grove_for("deploy-revert").await;
        let (root, child) = fork(pg, BASE, "", CHANGE).await;
        let before = db_with(pg, BASE).await;
        let emails = "SELECT string_agg(id || email, ',' ORDER BY id) FROM customers";
        let notes = "SELECT string_agg(id || body, ',' ORDER BY id) FROM notes";
        let (emails_before, notes_before) =
            (one(pg, &root, emails).await, one(pg, &root, notes).await);

        let opened = open_request(&grove, pg, &child).await;
        let id = opened.request.id;
        assert!(opened.conflicts.is_empty(), "{:?}", opened.conflicts);
        let run = RunDeploy {
            server: server(pg),
            id,
            options: ApplyOptions::default(),
        };
        let applied = grove.apply_deploy(run.clone(), &ctx()).await.unwrap();
        assert_eq!(applied.status, DeployStatus::Applied);
        assert!(applied.revertible && applied.script.as_ref().is_some_and(|s| !s.is_empty()));
        assert!(
            schema_differences(pg, &root, &child).await.is_empty(),
            "the parent has the child's schema"
        );

        // Written after the deploy: a new customer, and a changed name.
        run_sql(pg, &root, "INSERT INTO customers (id, name, vip) VALUES (51, 'new', true); UPDATE customers SET name = 'renamed' WHERE id = 2").await;
        let reverted = grove.revert_deploy(run.clone(), &ctx()).await.unwrap();
        assert_eq!(reverted.status, DeployStatus::Reverted);
        // Back as before, but for email's NOT NULL: the new customer has no email.
        assert_eq!(
            schema_differences(pg, &root, &before).await,
            vec!["table \"public\".\"customers\"".to_string()]
        );
        assert!(
            reverted
                .error
                .as_deref()
                .is_some_and(|n| n.contains("\"email\" stays nullable")),
            "{reverted:?}"
        );
        assert_eq!(
            one(pg, &root, notes).await,
            notes_before,
            "the dropped table's rows are back"
        );
        let emails_after = one(
            pg,
            &root,
            "SELECT string_agg(id || email, ',' ORDER BY id) FROM customers WHERE id <= 50",
        )
        .await;
        assert_eq!(
            emails_after, emails_before,
            "the dropped column's values are back"
        );
        let kept = one(
            pg,
            &root,
            "SELECT string_agg(id || name, ',' ORDER BY id) FROM customers WHERE id IN (2, 51)",
        )
        .await;
        assert_eq!(kept, "2renamed,51new", "rows written since the deploy stay");
        run_sql(pg, &root, "DELETE FROM customers WHERE id = 51; ALTER TABLE customers ALTER COLUMN email SET NOT NULL").await;
        assert!(
            schema_differences(pg, &root, &before).await.is_empty(),
            "otherwise the parent's schema is back"
        );
        // Temporary databases are counted between other tests' operations on this shared
        // server (under Grove's operation lock): theirs exist while they run.
        let backup = one(
            pg,
            "postgres",
            &format!("SELECT count(*)::text FROM pg_database WHERE datname = 'grove_revert_{id}'"),
        )
        .await;
        let left = crate::sources::tmp_databases(pg).await.to_string();
        assert_eq!(
            (left.as_str(), backup.as_str()),
            ("0", "0"),
            "no temporary or backup database left"
        );
        let again = grove.revert_deploy(run, &ctx()).await.unwrap_err();
        assert_eq!(again.code, ErrorCode::Conflict);
    });
}

#[tokio::test]
async fn a_lock_timeout_stops_the_apply_with_nothing_applied() {
    let pg = harness::server(18).await;
    let grove = grove_for("deploy-lock").await;
    let (root, child) = fork(pg, BASE, "", CHANGE).await;
    let before = db_with(pg, BASE).await;
    let id = open_request(&grove, pg, &child).await.request.id;
    // A reader in an open transaction holds ACCESS SHARE on customers.
    let reader = pg.connect(&root).await.unwrap();
    reader
        .batch_execute("BEGIN; SELECT count(*) FROM customers")
        .await
        .unwrap();
    let options = ApplyOptions {
        lock_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let e = grove
        .apply_deploy(
            RunDeploy {
                server: server(pg),
                id,
                options,
            },
            &ctx(),
        )
        .await
        .unwrap_err();
    assert!(
        e.message.contains("lock_timeout") && e.message.contains("nothing was applied"),
        "{e}"
    );
    reader.batch_execute("COMMIT").await.unwrap();
    close(pg, reader).await;
    assert!(
        schema_differences(pg, &root, &before).await.is_empty(),
        "nothing half-applied"
    );
    let r = grove
        .get_deploy(grove_core::api::DeployRef {
            server: server(pg),
            id,
        })
        .await
        .unwrap();
    assert_eq!(r.status, DeployStatus::Open);
    assert!(
        r.error
            .as_deref()
            .is_some_and(|e| e.contains("lock_timeout")),
        "{r:?}"
    );
    // Once the lock is free, it applies.
    let r = grove
        .apply_deploy(
            RunDeploy {
                server: server(pg),
                id,
                options: ApplyOptions::default(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, DeployStatus::Applied);
}

#[tokio::test]
async fn a_killed_grove_leaves_the_parent_before_or_after_and_the_request_says_which() {
    let pg = harness::server(18).await;
    let data = harness::scratch_dir("deploy-kill");
    let url = pg.uri("postgres");
    for (step, applied) in [
        ("deploy:before-commit", false),
        ("deploy:after-commit", true),
    ] {
        let (root, child) = fork(pg, BASE, "", CHANGE).await;
        let before = db_with(pg, BASE).await;
        let created =
            ok_json(&cli(&data, &url, None, &["--json", "deploy", "create", &child]).await);
        let id = created["request"]["id"].as_i64().unwrap().to_string();
        let killed = cli(&data, &url, Some(step), &["deploy", "apply", &id]).await;
        assert!(!killed.status.success(), "{step}: the process was killed");
        // The next operation on the server settles the request.
        let check = cli(
            &data,
            &url,
            None,
            &["--json", "deploy", "check", &id, "--no-dry-run"],
        )
        .await;
        let shown = ok_json(&cli(&data, &url, None, &["--json", "deploy", "show", &id]).await);
        let same = schema_differences(pg, &root, &before).await.is_empty();
        let done = schema_differences(pg, &root, &child).await.is_empty();
        if applied {
            assert!(done, "{step}: the parent is fully after");
            assert_eq!(shown["status"], "applied", "{step}: {shown}");
        } else {
            assert!(same, "{step}: the parent is fully before");
            assert_eq!(shown["status"], "open", "{step}: {shown}");
            assert!(
                check.status.success(),
                "{}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
        assert!(
            shown["error"]
                .as_str()
                .is_some_and(|e| e.contains("Grove stopped")),
            "{shown}"
        );
        if applied {
            // Killed just before the revert commits: still applied, nothing reverted.
            let step = "revert:before-commit";
            let killed = cli(&data, &url, Some(step), &["deploy", "revert", &id]).await;
            assert!(!killed.status.success(), "{step}: the process was killed");
            let _ = cli(&data, &url, None, &["deploy", "check", &id, "--no-dry-run"]).await;
            let shown = ok_json(&cli(&data, &url, None, &["--json", "deploy", "show", &id]).await);
            assert_eq!(shown["status"], "applied", "{step}: {shown}");
            assert!(
                schema_differences(pg, &root, &child).await.is_empty(),
                "{step}: still after"
            );
            let reverted =
                ok_json(&cli(&data, &url, None, &["--json", "deploy", "revert", &id]).await);
            assert_eq!(reverted["status"], "reverted");
            assert!(
                schema_differences(pg, &root, &before).await.is_empty(),
                "{step}: reverted"
            );
        }
    }
    let covered = [
        "deploy:before-commit",
        "deploy:after-commit",
        "revert:before-commit",
    ];
    assert_eq!(covered, crate::branches::DEPLOY_FAULTS);
}

#[tokio::test]
async fn a_protected_parent_asks_for_its_name() {
    let pg = harness::server(18).await;
    let grove = grove_for("deploy-protected").await;
    let (root, child) = fork(pg, BASE, "", "ALTER TABLE customers ADD COLUMN note text;").await;
    engine(pg).set_protected(&root, true).await.unwrap();
    let id = open_request(&grove, pg, &child).await.request.id;
    let run = |confirm: Option<&str>| RunDeploy {
        server: server(pg),
        id,
        options: ApplyOptions {
            confirm: confirm.map(String::from),
            ..Default::default()
        },
    };
    let e = grove.apply_deploy(run(None), &ctx()).await.unwrap_err();
    assert!(e.message.contains("protected"), "{e}");
    let e = grove
        .apply_deploy(run(Some("wrong")), &ctx())
        .await
        .unwrap_err();
    assert!(e.message.contains("protected"), "{e}");
    grove.apply_deploy(run(Some(&root)), &ctx()).await.unwrap();
    assert!(schema_differences(pg, &root, &child).await.is_empty());
    engine(pg).set_protected(&root, false).await.unwrap();
}

#[tokio::test]
async fn a_child_without_merge_base_gets_a_two_way_check() {
    let pg = harness::server(15).await;
    let grove = grove_for("deploy-two-way").await;
    let (_, child) = fork(
        pg,
        BASE,
        "ALTER TABLE customers ADD COLUMN p int;",
        "ALTER TABLE customers ADD COLUMN c int;",
    )
    .await;
    run_sql(
        pg,
        "grove_catalog",
        &format!("UPDATE branches SET base_schema = NULL WHERE name = '{child}'"),
    )
    .await;
    let c = open_request(&grove, pg, &child).await;
    assert!(c.two_way && c.conflicts.is_empty());
    // Two ways, the parent's own column looks like something the child drops.
    assert!(
        c.result
            .migration
            .iter()
            .any(|s| s.sql.contains("DROP COLUMN \"p\"")),
        "{:?}",
        c.result.migration
    );
}

#[tokio::test]
async fn rebase_replays_the_childs_changes_onto_the_parent_as_it_is_now() {
    for_each_version!(|pg| {
        let grove = grove_for("deploy-rebase").await;
        let (root, child) = fork(
            pg,
            BASE,
            "ALTER TABLE customers ADD COLUMN p int;",
            "CREATE INDEX customers_name ON customers (name);",
        )
        .await;
        let req = RebaseBranch {
            server: server(pg),
            name: child.clone(),
            on_busy: OnBusy::Fail,
            online: false,
        };
        grove.rebase_branch(req.clone(), &ctx()).await.unwrap();
        let expected = db_with(pg, &format!("{BASE}\nALTER TABLE customers ADD COLUMN p int;\nCREATE INDEX customers_name ON customers (name);")).await;
        assert!(
            schema_differences(pg, &child, &expected).await.is_empty(),
            "child = parent now + its index"
        );
        // The new base is the parent as it is now: a deploy shows only the index.
        let c = open_request(&grove, pg, &child).await;
        assert!(c.parent_changes.is_empty(), "{:?}", c.parent_changes);
        assert_eq!(c.result.migration.len(), 1, "{:?}", c.result.migration);
        // Conflicting changes refuse the rebase and leave the child alone.
        run_sql(pg, &root, "ALTER TABLE customers DROP COLUMN name").await;
        let e = grove.rebase_branch(req.clone(), &ctx()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e}");
        assert!(schema_differences(pg, &child, &expected).await.is_empty());
        // Undo brings back the child as it was before the rebase.
        let undo = ResetBranch {
            server: server(pg),
            name: child.clone(),
            on_busy: OnBusy::Fail,
            online: false,
        };
        grove.undo_reset(undo, &ctx()).await.unwrap();
        assert!(
            schema_differences(pg, &child, &expected).await.len() == 1,
            "the pre-rebase child lacks p"
        );
    });
}

#[tokio::test]
async fn cli_deploy_commands() {
    let pg = harness::server(18).await;
    let data = harness::scratch_dir("cli-deploy");
    let url = pg.uri("postgres");
    let (root, child) = fork(pg, BASE, "", "ALTER TABLE customers ADD COLUMN note text;").await;
    let created = cli(&data, &url, None, &["deploy", "create", &child]).await;
    let text = String::from_utf8_lossy(&created.stdout).to_string();
    let id = text.lines().next().unwrap().trim().to_string();
    assert!(
        id.parse::<i64>().is_ok(),
        "create prints the id first: {text}"
    );
    let list = ok_json(&cli(&data, &url, None, &["--json", "deploy", "list"]).await);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"].as_i64().map(|v| v.to_string()) == Some(id.clone())));
    let check = cli(&data, &url, None, &["--json", "deploy", "check", &id]).await;
    assert_eq!(check.status.code(), Some(0));
    let check: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(check["dry_run"]["ok"], true, "{check}");
    // A conflicting parent change: exit code 3.
    run_sql(pg, &root, "ALTER TABLE customers ADD COLUMN note int").await;
    let conflicted = cli(&data, &url, None, &["deploy", "check", &id]).await;
    assert_eq!(
        conflicted.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&conflicted.stdout)
    );
    let e = cli(&data, &url, None, &["deploy", "apply", &id]).await;
    assert_eq!(e.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&e.stderr).contains("conflict"));
    run_sql(pg, &root, "ALTER TABLE customers DROP COLUMN note").await;
    ok_json(
        &cli(
            &data,
            &url,
            None,
            &["--json", "deploy", "apply", &id, "--lock-timeout", "2s"],
        )
        .await,
    );
    ok_json(&cli(&data, &url, None, &["--json", "deploy", "revert", &id]).await);
    let shown = ok_json(&cli(&data, &url, None, &["--json", "deploy", "show", &id]).await);
    assert_eq!(shown["status"], "reverted");
    // The revert window: shown without a value, set with one, per server.
    let window = |args: &'static [&'static str]| {
        let (data, url) = (data.clone(), url.clone());
        async move {
            let mut all = vec!["--json", "deploy", "revert-window"];
            all.extend(args);
            ok_json(&cli(&data, &url, None, &all).await)["revert_window_secs"].clone()
        }
    };
    assert_eq!(window(&[]).await, 1800, "the default, 30 minutes");
    assert_eq!(window(&["2h"]).await, 7200);
    assert_eq!(window(&[]).await, 7200);
    let bad = cli(&data, &url, None, &["deploy", "show", "999999"]).await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no deploy request #999999"));
}
