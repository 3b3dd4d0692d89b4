//! Sources in the real app: a root added through "Add source…" from a URL of another database
//! on the embedded server (its password in a pgpass file, not in the URL), the badge in the
//! tree, "Refresh now" in the source panel with its progress per table, and a child of the
//! synced root created through the UI.
//!
//! To see the progress of a copy that would otherwise take milliseconds, `events` has a row
//! filter that waits, past its first rows, on an advisory lock the test holds: the copy stops
//! in the middle of that table until the test lets go.
use crate::harness;
use crate::support::*;
use std::time::Duration;
use thirtyfour::prelude::*;

/// Chooses an option of a <select> by value.
async fn choose(d: &WebDriver, select: &str, value: &str) {
    exists(d, By::Css(format!("#{select} option[value=\"{value}\"]")))
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn add_and_refresh_a_source() {
    const GATE: &str = "4242";
    let pgpass = harness::scratch_dir("e2e-sources-pgpass").join("pgpass");
    let pgpass_env = pgpass.to_string_lossy().into_owned();
    let app = start_app("sources", &[("PGPASSFILE", pgpass_env.as_str())]).await;
    let d = &app.d;
    app.create_database(
        "upstream",
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;
         CREATE TABLE events (id int PRIMARY KEY, payload text); INSERT INTO events SELECT g, repeat('x', 50) FROM generate_series(1, 20000) g;
         ANALYZE",
    )
    .await;
    let f = app.local.fields("upstream");
    std::fs::write(
        &pgpass,
        format!("*:*:*:{}:{}\n", f.user, app.local.password()),
    )
    .unwrap();
    harness::set_mode(&pgpass, 0o600);
    let url = format!("postgresql://{}@{}:{}/upstream", f.user, f.host, f.port);

    exists(d, By::Id("local-server"))
        .await
        .click()
        .await
        .unwrap();
    click_and_settle(d, "add-source").await;
    exists(d, By::Id("add-source-dialog")).await;
    type_into(d, "source-root", "prod").await;
    choose(d, "source-kind", "url").await;
    type_into(d, "source-url", &url).await;
    choose(d, "source-schedule", "daily").await;
    // Every row passes; rows past 10000 wait while the test holds the lock.
    type_into(
        d,
        "source-filters",
        &format!("events: id <= 10000 OR pg_advisory_xact_lock_shared({GATE})::text = ''"),
    )
    .await;
    click_and_settle(d, "source-test").await;
    wait_for(
        d,
        By::Css("[data-testid=\"source-test-result\"]"),
        "source test",
        Duration::from_secs(30),
        |t, s| s == Some("ok") && t.contains("Connected"),
    )
    .await;
    click_and_settle(d, "add-source-submit").await;

    // The new root, with its badge.
    let badge = exists(
        d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"prod\"] [data-testid=\"source-badge\"]"),
    )
    .await;
    let title = badge.attr("title").await.unwrap().unwrap_or_default();
    assert!(
        title.contains("synced from upstream on"),
        "badge title: {title}"
    );
    wait_gone(d, By::Id("add-source-dialog"), "add source dialog").await;
    let copy = app.local.connect("prod").await.unwrap();
    let n: i64 = copy
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 500);

    // Refresh now: the source's new rows arrive.
    let up = app.local.connect("upstream").await.unwrap();
    up.batch_execute("INSERT INTO items VALUES (501, 'new')")
        .await
        .unwrap();
    drop(copy);
    select_branch(d, "prod").await;
    exists(d, By::Id("source-panel")).await;
    // Advisory locks are per database: the gate is taken in the source's.
    let gate = app.local.connect("upstream").await.unwrap();
    gate.batch_execute(&format!("SELECT pg_advisory_lock({GATE})"))
        .await
        .unwrap();
    click_and_settle(d, "source-refresh").await;

    // The copy stops in `events`: the panel shows it with its rows, bytes, rate and time left,
    // and the overall figures, while `items` is done.
    let events = wait_for(
        d,
        By::Css("#source-panel [data-testid=\"copy-table\"][data-table='\"public\".\"events\"']"),
        "events in the progress",
        Duration::from_secs(60),
        |t, _| t.contains("of ~20") && t.contains("/s"),
    )
    .await;
    println!("copying events: {}", events.text().await.unwrap());
    let overall = wait_for(
        d,
        By::Css("#source-panel [data-testid=\"copy-overall\"]"),
        "overall progress",
        Duration::from_secs(30),
        |t, _| t.contains("1 of 2 tables") && t.contains("rows"),
    )
    .await;
    println!("overall: {}", overall.text().await.unwrap());
    exists(d, By::Css("#source-panel [data-testid=\"op-cancel\"]")).await;
    d.screenshot(&shot_path("source-refresh-progress"))
        .await
        .unwrap();
    gate.batch_execute(&format!("SELECT pg_advisory_unlock({GATE})"))
        .await
        .unwrap();
    wait_for(
        d,
        By::Id("source-refresh"),
        "refresh done",
        Duration::from_secs(90),
        |t, _| t.contains("Refresh now"),
    )
    .await;
    let copy = app.local.connect("prod").await.unwrap();
    let n: i64 = copy
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 501, "the refresh brought the new row");
    let n: i64 = copy
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 20000, "the filter let every row through");
    drop(copy);
    let last = exists(
        d,
        By::Css("[data-testid=\"source-last\"][data-outcome=\"ok\"]"),
    )
    .await;
    println!("last refresh: {}", last.text().await.unwrap());
    d.screenshot(&shot_path("source-panel")).await.unwrap();

    // A child of the synced root, through the UI: it has the root's rows.
    click_and_settle(d, "branch-create-child").await;
    type_into(d, "create-branch-name", "dev/alice").await;
    click_and_settle(d, "create-branch-submit").await;
    exists(
        d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"dev/alice\"]"),
    )
    .await;
    wait_gone(d, By::Id("create-branch-dialog"), "create dialog").await;
    select_branch(d, "dev/alice").await;
    let child = app.local.connect("dev/alice").await.unwrap();
    let counts: (i64, i64) = {
        let r = child
            .query_one(
                "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM events)",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(counts, (501, 20000), "the child has the synced root's rows");
    drop(child);
    app.quit().await;
}
