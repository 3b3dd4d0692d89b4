//! The branch workflow in the real app: SQL, reset, undo, compare, delete.
use crate::support::*;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
async fn branch_sql_reset_undo_compare_delete() {
    let app = start_app("branches", &[]).await;
    let (d, data) = (&app.d, &app.data);
    // A database to branch from, on the app's own embedded server.
    app.create_database(
        "shop",
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear')",
    )
    .await;
    let admin = app.local.connect("postgres").await.unwrap();

    import_database(d, "shop").await;

    // Create dev/alice from it, while the app's own SQL tab has a session open on shop: that
    // session must not block the copy.
    select_branch(d, "shop").await;
    click_and_settle(d, "branch-tab-sql").await;
    run_sql(d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(d, "2", "two rows on shop").await;
    click_and_settle(d, "branch-tab-overview").await;
    click_and_settle(d, "branch-create-child").await;
    type_into(d, "create-branch-name", "dev/alice").await;
    click_and_settle(d, "create-branch-submit").await;
    exists(
        d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"dev/alice\"]"),
    )
    .await;
    select_branch(d, "dev/alice").await;
    d.screenshot(&shot_path("branch-tree")).await.unwrap();

    // Write a row on the branch through the SQL editor.
    click_and_settle(d, "branch-tab-sql").await;
    run_sql(d, "INSERT INTO items VALUES (3, 'from alice')").await;
    wait_for(
        d,
        By::Id("sql-status"),
        "insert done",
        Duration::from_secs(30),
        |t, _| t.contains('1'),
    )
    .await;
    run_sql(d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(d, "3", "three rows on dev/alice").await;
    d.screenshot(&shot_path("sql-editor")).await.unwrap();

    // Reset from the parent: the row is gone.
    click_and_settle(d, "branch-tab-overview").await;
    click_and_settle(d, "branch-reset").await;
    click_and_settle(d, "confirm-reset").await;
    wait_gone(d, By::Id("reset-dialog"), "reset dialog").await;
    click_and_settle(d, "branch-tab-sql").await;
    run_sql(d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(d, "2", "two rows after reset").await;

    // Undo the reset: the row is back.
    click_and_settle(d, "branch-tab-overview").await;
    click_and_settle(d, "branch-undo-reset").await;
    click_and_settle(d, "confirm-undo-reset").await;
    wait_gone(d, By::Id("undo-reset-dialog"), "undo dialog").await;
    click_and_settle(d, "branch-tab-sql").await;
    run_sql(d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(d, "3", "three rows after undo").await;

    // A failing query marks the error position in the editor.
    run_sql(d, "SELECT nosuchcolumn FROM items").await;
    let err = wait_for(
        d,
        By::Id("sql-error"),
        "sql error",
        Duration::from_secs(30),
        |t, _| !t.is_empty(),
    )
    .await;
    let text = err.text().await.unwrap();
    assert!(
        text.contains("nosuchcolumn") && text.contains("42703"),
        "error shown: {text}"
    );
    exists(d, By::Css("[data-testid=\"sql-editor\"] .cm-error-mark")).await;

    // Cancel a long query: the server's cancel error comes back at once, the tab stays usable.
    run_sql(d, "SELECT pg_sleep(60)").await;
    // Cancel once the server runs it (a cancel that arrives first would find nothing to stop).
    let deadline = Instant::now() + Duration::from_secs(30);
    let active = "SELECT count(*) FROM pg_stat_activity
                   WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()";
    while admin.query_one(active, &[]).await.unwrap().get::<_, i64>(0) == 0 {
        assert!(Instant::now() < deadline, "pg_sleep(60) never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    click_and_settle(d, "sql-cancel").await;
    let err = wait_for(
        d,
        By::Id("sql-error"),
        "cancel error",
        Duration::from_secs(10),
        |t, _| t.contains("57014"),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancel took {:?}",
        started.elapsed()
    );
    assert!(err.text().await.unwrap().contains("cancel"), "cancel shown");

    // Export a result to CSV: streamed from the server into the file.
    run_sql(
        d,
        "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 1000) g",
    )
    .await;
    first_cell_is(d, "1", "export source rows").await;
    click_and_settle(d, "sql-export").await;
    exists(d, By::Id("export-dialog")).await;
    let path = data.join("export.csv");
    let input = exists(d, By::Id("export-path")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while input.value().await.unwrap().unwrap_or_default().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    input.send_keys(Key::Control + "a").await.unwrap();
    input.send_keys(path.display().to_string()).await.unwrap();
    click_and_settle(d, "export-submit").await;
    wait_for(
        d,
        By::Id("export-result"),
        "export ok",
        Duration::from_secs(30),
        |_, s| s == Some("ok"),
    )
    .await;
    let csv = std::fs::read_to_string(&path).expect("exported file");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1001, "header + 1000 rows");
    assert_eq!(lines[0], "n,label");
    assert_eq!(lines[1000], "1000,row 1000");
    d.screenshot(&shot_path("export")).await.unwrap();
    if let Ok(cancel) = d.find(By::Id("export-cancel")).await {
        let _ = cancel.click().await;
    }
    let _ = d
        .find(By::Css("body"))
        .await
        .unwrap()
        .send_keys(Key::Escape)
        .await;

    // Change the schema on the branch, then compare it with its parent.
    run_sql(d, "ALTER TABLE items ADD COLUMN price numeric(10,2)").await;
    wait_for(
        d,
        By::Id("sql-status"),
        "alter done",
        Duration::from_secs(30),
        |t, _| !t.is_empty(),
    )
    .await;
    click_and_settle(d, "branch-tab-compare").await;
    click_and_settle(d, "compare-with-parent").await;
    let changed = exists(
        d,
        By::Css("[data-testid=\"diff-object\"][data-status=\"changed\"]"),
    )
    .await;
    assert_eq!(
        changed
            .attr("data-name")
            .await
            .unwrap()
            .as_deref()
            .map(|n| n.contains("items")),
        Some(true)
    );
    changed.click().await.unwrap();
    exists(d, By::Id("compare-ddl")).await;
    d.screenshot(&shot_path("compare")).await.unwrap();
    click_and_settle(d, "compare-tab-migration").await;
    let script = exists(d, By::Id("migration-script"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        script.contains("ADD COLUMN") && script.contains("price"),
        "migration: {script}"
    );

    // Delete the branch.
    click_and_settle(d, "branch-tab-overview").await;
    click_and_settle(d, "branch-more").await;
    click_and_settle(d, "branch-delete").await;
    click_and_settle(d, "confirm-delete").await;
    wait_gone(
        d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"dev/alice\"]"),
        "deleted branch node",
    )
    .await;
    app.quit().await;
}
