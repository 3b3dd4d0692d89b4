//! Deploy requests in the real app: a change on dev/alice made in the SQL editor, a request
//! into shop, a conflict once shop changed the same column, fixed, checked clean, dry-run,
//! applied (rows written on shop after it survive the revert) and reverted; the revert window
//! set in the requests list; dev/alice rebased onto shop through its Actions menu; the review
//! laid out full width at 1280x800.
use crate::support::*;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// The type of `items.price` in `db`, or None when it has no such column.
async fn price_type(app: &App, db: &str) -> Option<String> {
    let c = app.local.connect(db).await.unwrap();
    c.query_opt(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'",
        &[],
    )
    .await
    .unwrap()
    .map(|r| r.get(0))
}

/// Waits for the request's page to show `status`.
async fn page_status(d: &WebDriver, status: &str) {
    wait_for(
        d,
        By::Css(format!("#deploy-page[data-status=\"{status}\"]")),
        &format!("deploy {status}"),
        Duration::from_secs(90),
        |_, _| true,
    )
    .await;
}

/// A protected parent asks for its name.
async fn confirm_if_protected(d: &WebDriver) {
    if d.find(By::Id("deploy-confirm")).await.is_ok() {
        type_into(d, "deploy-confirm", "shop").await;
    }
}

/// Where an element is on screen: [left, top, width, height].
async fn rect(d: &WebDriver, css: &str) -> Vec<f64> {
    js(
        d,
        &format!(
            "const r = document.querySelector('{css}').getBoundingClientRect(); return [r.left, r.top, r.width, r.height];"
        ),
    )
    .await
}

#[tokio::test]
async fn review_and_apply() {
    let app = start_app("deploy", &[]).await;
    let d = &app.d;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        d.set_window_rect(0, 0, 1280, 800).await.unwrap();
        let size: (i64, i64) = js(d, "return [window.innerWidth, window.innerHeight]").await;
        if size == (1280, 800) {
            break;
        }
        assert!(Instant::now() < deadline, "the window stayed at {size:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.create_database(
        "shop",
        "CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear')",
    )
    .await;
    import_database(d, "shop").await;

    // The server's revert window, set in the requests list: 2 hours.
    click_and_settle(d, "show-deploys").await;
    wait_for(
        d,
        By::Css("[data-testid=\"revert-window-value\"]"),
        "revert window",
        Duration::from_secs(30),
        |t, _| t == "30 min",
    )
    .await;
    click_and_settle(d, "revert-window-edit").await;
    type_into(d, "revert-window-amount", "2").await;
    exists(d, By::Css("#revert-window-unit option[value=\"h\"]"))
        .await
        .click()
        .await
        .unwrap();
    click_and_settle(d, "revert-window-save").await;
    wait_for(
        d,
        By::Css("[data-testid=\"revert-window-value\"]"),
        "revert window saved",
        Duration::from_secs(30),
        |t, _| t == "2 h",
    )
    .await;
    let catalog = app.local.connect("grove_catalog").await.unwrap();
    let secs: String = catalog
        .query_one(
            "SELECT value FROM settings WHERE name = 'deploy.revert_window_secs'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(secs, "7200", "the window is stored for the server");
    drop(catalog);
    click_and_settle(d, "deploy-exit").await;

    select_branch(d, "shop").await;
    click_and_settle(d, "branch-create-child").await;
    type_into(d, "create-branch-name", "dev/alice").await;
    click_and_settle(d, "create-branch-submit").await;
    select_branch(d, "dev/alice").await;

    // The change, made in the SQL editor on dev/alice.
    click_and_settle(d, "branch-tab-sql").await;
    run_sql(d, "ALTER TABLE items ADD COLUMN price numeric(10,2)").await;
    wait_for(
        d,
        By::Id("sql-status"),
        "alter done",
        Duration::from_secs(30),
        |t, _| t.contains("1 of 1 statement done"),
    )
    .await;

    // Open a deploy request into its parent: checked clean at once.
    click_and_settle(d, "branch-tab-overview").await;
    click_and_settle(d, "branch-deploy").await;
    exists(d, By::Id("deploy-open-dialog")).await;
    click_and_settle(d, "confirm-deploy-open").await;
    exists(d, By::Css("[data-testid=\"deploy-verdict\"]")).await;
    page_status(d, "open").await;

    // shop adds the same column with another type: a conflict.
    let shop = app.local.connect("shop").await.unwrap();
    shop.batch_execute("ALTER TABLE items ADD COLUMN price text")
        .await
        .unwrap();
    click_and_settle(d, "deploy-check").await;
    let conflict = exists(d, By::Css("[data-testid=\"deploy-conflict\"]")).await;
    let text = conflict.text().await.unwrap();
    assert!(text.contains("price"), "conflict shown: {text}");
    page_status(d, "conflicted").await;
    exists(
        d,
        By::Css(".dep-three [data-testid=\"deploy-ddl\"] .cm-line"),
    )
    .await;
    d.screenshot(&shot_path("deploy-review-conflict"))
        .await
        .unwrap();
    // Full width: the three columns span the window (no sidebar, no tree) and start high.
    let three = rect(d, ".dep-three").await;
    println!("deploy review at 1280x800: base | parent | child at {three:?}");
    assert!(three[2] >= 1180.0, "the three columns are {three:?}");
    assert!(three[1] < 300.0, "the three columns start at {three:?}");
    assert!(
        js::<bool>(
            d,
            "return !document.querySelector('[aria-label=\"Branch tree\"]')"
        )
        .await,
        "the branch tree makes way for the review"
    );
    assert!(
        !d.find(By::Id("deploy-apply"))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap(),
        "a conflicted request cannot be applied"
    );

    // Fixed on shop: clean again; the dry run passes.
    shop.batch_execute("ALTER TABLE items DROP COLUMN price")
        .await
        .unwrap();
    click_and_settle(d, "deploy-check").await;
    page_status(d, "open").await;
    exists(d, By::Css("[data-testid=\"deploy-verdict\"]")).await;
    click_and_settle(d, "deploy-dry-run-button").await;
    wait_for(
        d,
        By::Css("[data-testid=\"deploy-dry-run\"]"),
        "dry run",
        Duration::from_secs(90),
        |_, _| true,
    )
    .await;
    let ok: Option<String> = d
        .find(By::Css("[data-testid=\"deploy-dry-run\"]"))
        .await
        .unwrap()
        .attr("data-ok")
        .await
        .unwrap();
    assert_eq!(ok.as_deref(), Some("true"), "dry run passed");
    d.screenshot(&shot_path("deploy-review-dry-run"))
        .await
        .unwrap();
    click_and_settle(d, "deploy-tab-changes").await;
    exists(d, By::Css("#compare-ddl .cm-line")).await;
    d.screenshot(&shot_path("deploy-review-changes"))
        .await
        .unwrap();
    let ddl = rect(d, "#compare-ddl").await;
    assert!(ddl[1] < 400.0, "the side-by-side DDL starts at {ddl:?}");

    // Apply: shop gets the column.
    click_and_settle(d, "deploy-apply").await;
    exists(d, By::Id("deploy-apply-dialog")).await;
    type_into(d, "deploy-lock-timeout", "3").await;
    confirm_if_protected(d).await;
    click_and_settle(d, "confirm-deploy-apply").await;
    wait_gone(d, By::Id("deploy-apply-dialog"), "apply dialog").await;
    page_status(d, "applied").await;
    assert_eq!(price_type(&app, "shop").await.as_deref(), Some("numeric"));
    exists(d, By::Css("[data-testid=\"deploy-revert-window\"]")).await;
    // Revertible for the server's window from when it was applied.
    let c = app.local.connect("grove_catalog").await.unwrap();
    let window: f64 = c
        .query_one(
            "SELECT extract(epoch FROM revert_until - applied_at)::float8 FROM deploy_requests
              WHERE status = 'applied'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!((window - 7200.0).abs() < 60.0, "revertible for {window} s");
    drop(c);
    // A row written on shop after the deploy, using the new column.
    shop.batch_execute("INSERT INTO items (id, name, price) VALUES (3, 'fig', 1.50)")
        .await
        .unwrap();
    d.screenshot(&shot_path("deploy-review-applied"))
        .await
        .unwrap();

    // Revert: the column is gone again.
    click_and_settle(d, "deploy-revert").await;
    exists(d, By::Id("deploy-revert-dialog")).await;
    confirm_if_protected(d).await;
    click_and_settle(d, "confirm-deploy-revert").await;
    wait_gone(d, By::Id("deploy-revert-dialog"), "revert dialog").await;
    page_status(d, "reverted").await;
    assert_eq!(price_type(&app, "shop").await, None);
    let names: Vec<String> = shop
        .query("SELECT name FROM items ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        names,
        ["apple", "pear", "fig"],
        "rows written since the deploy survive its revert"
    );
    // The rebase copies shop: nobody else may be connected to it.
    drop(shop);

    // The server's list has it, reverted.
    click_and_settle(d, "deploy-to-list").await;
    let row = wait_for(
        d,
        By::Css("[data-testid=\"deploy-row\"]"),
        "deploy row",
        Duration::from_secs(15),
        |_, s| s == Some("reverted"),
    )
    .await;
    assert!(row.text().await.unwrap().contains("dev/alice"));
    d.screenshot(&shot_path("deploy-review-list"))
        .await
        .unwrap();

    // Back to the branches: the panes return.
    click_and_settle(d, "deploy-exit").await;
    exists(d, By::Css("[aria-label=\"Branch tree\"]")).await;

    // Compare reviews full width too: dev/alice still has the column shop lost in the revert.
    select_branch(d, "dev/alice").await;
    click_and_settle(d, "branch-tab-compare").await;
    click_and_settle(d, "compare-with-parent").await;
    exists(
        d,
        By::Css("[data-testid=\"diff-object\"][data-status=\"changed\"]"),
    )
    .await
    .click()
    .await
    .unwrap();
    exists(d, By::Css("#compare-ddl .cm-line")).await;
    wait_gone(
        d,
        By::Css("[data-testid=\"compare-running\"]"),
        "comparison running",
    )
    .await;
    let running: bool = js(
        d,
        "return !!document.querySelector('[data-testid=\"compare-running\"]')",
    )
    .await;
    println!("compare still running at the screenshot: {running}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    d.screenshot(&shot_path("deploy-review-compare"))
        .await
        .unwrap();
    let ddl = rect(d, "#compare-ddl").await;
    let view = rect(d, "#compare-view").await;
    println!("compare at 1280x800: view {view:?}, DDL {ddl:?}");
    assert!(view[2] >= 1180.0, "compare is {view:?} wide");
    assert!(ddl[1] < 400.0, "the side-by-side DDL starts at {ddl:?}");

    // Rebase dev/alice onto shop from the Actions menu: shop's rows now, its own column kept.
    click_and_settle(d, "branch-actions-menu").await;
    click_and_settle(d, "branch-menu-rebase").await;
    exists(d, By::Id("rebase-dialog")).await;
    click_and_settle(d, "confirm-rebase").await;
    wait_gone(d, By::Id("rebase-dialog"), "rebase dialog").await;
    assert_eq!(
        price_type(&app, "dev/alice").await.as_deref(),
        Some("numeric"),
        "the rebase replayed dev/alice's change"
    );
    let alice = app.local.connect("dev/alice").await.unwrap();
    let n: i64 = alice
        .query_one("SELECT count(*) FROM items WHERE name = 'fig'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        n, 1,
        "the rebased dev/alice has shop's rows as they are now"
    );
    drop(alice);

    click_and_settle(d, "branch-tab-overview").await;
    exists(d, By::Css("[aria-label=\"Branch tree\"]")).await;
    app.quit().await;
}
