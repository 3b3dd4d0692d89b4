//! Sources in the real app: a root added through "Add source…" from a URL of another database
//! on the embedded server (its password in a pgpass file, not in the URL), the badge in the
//! tree, and "Refresh now" in the source panel.
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
    let pgpass = harness::scratch_dir("e2e-sources-pgpass").join("pgpass");
    let pgpass_env = pgpass.to_string_lossy().into_owned();
    let app = start_app("sources", &[("PGPASSFILE", pgpass_env.as_str())]).await;
    let d = &app.d;
    app.create_database(
        "upstream",
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g",
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
    click_and_settle(d, "source-refresh").await;
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
    drop(copy);
    let last = exists(
        d,
        By::Css("[data-testid=\"source-last\"][data-outcome=\"ok\"]"),
    )
    .await;
    println!("last refresh: {}", last.text().await.unwrap());
    d.screenshot(&shot_path("source-panel")).await.unwrap();
    app.quit().await;
}
