//! End-to-end: the real Grove app under Xvfb, driven through tauri-driver + WebKitWebDriver.
//! Needs DISPLAY (xvfb-run), a Secret Service (dbus-run-session + gnome-keyring-daemon), the
//! UI built into ui/dist and the app built (`make test` does all of that).
#[path = "../harness/mod.rs"]
pub mod harness;

use grove_core::local_pg::{LocalPg, LocalPgOptions};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // tauri-driver shuts its WebKitWebDriver down on SIGTERM.
        // SAFETY: plain kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn app_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("grove-app");
    assert!(bin.is_file(), "{} is not built", bin.display());
    bin
}

fn tauri_driver_binary() -> PathBuf {
    let home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo"));
    let p = home.join("bin/tauri-driver");
    assert!(
        p.is_file(),
        "tauri-driver missing at {} (make deps installs it)",
        p.display()
    );
    p
}

fn start_driver(data: &Path, keychain_service: &str) -> Driver {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "DISPLAY is not set: run under xvfb-run (make test does)"
    );
    let port = free_port();
    let native = free_port();
    let child = Command::new(tauri_driver_binary())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("GROVE_DATA_DIR", data)
        .env("GROVE_KEYCHAIN_SERVICE", keychain_service)
        .env_remove("DATABASE_URL")
        .spawn()
        .expect("start tauri-driver");
    // Ready when both listen: tauri-driver, and the WebKitWebDriver it starts first and
    // forwards the session request to (on a loaded machine it can come up later).
    let deadline = Instant::now() + Duration::from_secs(60);
    for p in [port, native] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on {p}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Driver { child, port }
}

async fn open_app(driver: &Driver) -> WebDriver {
    let mut caps = Capabilities::new();
    caps.set("browserName", "wry").unwrap();
    caps.set("tauri:options", json!({ "application": app_binary() }))
        .unwrap();
    WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps)
        .await
        .expect("WebDriver session")
}

/// Polls until the element exists and `check` accepts it.
async fn wait_for<F>(
    d: &WebDriver,
    by: By,
    what: &str,
    timeout: Duration,
    mut check: F,
) -> WebElement
where
    F: FnMut(&str, Option<&str>) -> bool,
{
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        if let Ok(els) = d.find_all(by.clone()).await {
            for el in els {
                let text = el.text().await.unwrap_or_default();
                let status = el.attr("data-status").await.ok().flatten();
                if check(&text, status.as_deref()) {
                    return el;
                }
                last = format!("text={text:?} data-status={status:?}");
            }
        }
        if Instant::now() > deadline {
            let _ = d
                .screenshot(&shot_path(&format!("failure-{}", what.replace(' ', "-"))))
                .await;
            panic!("timed out waiting for {what}; last seen: {last}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn exists(d: &WebDriver, by: By) -> WebElement {
    wait_for(d, by, "element", Duration::from_secs(15), |_, _| true).await
}

fn shot_path(name: &str) -> PathBuf {
    let dir = harness::repo_root().join("tests/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    dir.join(format!("{name}.png"))
}

async fn type_into(d: &WebDriver, id: &str, text: &str) {
    let el = exists(d, By::Id(id)).await;
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn wait_local_running(d: &WebDriver) {
    wait_for(
        d,
        By::Id("local-state"),
        "local server running",
        Duration::from_secs(90),
        |t, _| t.trim() == "running",
    )
    .await;
    let mode = exists(d, By::Id("local-clone-mode"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        mode.contains("clone") || mode.contains("copy"),
        "clone mode shown: {mode}"
    );
}

fn connection_item(name: &str) -> By {
    By::Css(format!(
        "[data-testid=\"connection-item\"][data-name=\"{name}\"]"
    ))
}

#[tokio::test]
async fn add_test_and_keep_a_connection_across_restarts() {
    let data = harness::scratch_dir("e2e");
    let service = format!("dev.grove.e2e.{}", std::process::id());
    let pg = harness::server(15).await;
    let password = format!("e2e-Pw-{}", harness::uuid_like());
    harness::create_role(pg, "e2e_user", &password).await;
    let name = "Team server";

    // First session: add the connection through the dialog.
    {
        let driver = start_driver(&data, &service);
        let d = open_app(&driver).await;
        wait_local_running(&d).await;

        exists(&d, By::Id("add-connection"))
            .await
            .click()
            .await
            .unwrap();
        exists(&d, By::Id("connection-dialog")).await;
        type_into(&d, "conn-name", name).await;
        type_into(&d, "conn-host", "127.0.0.1").await;
        type_into(&d, "conn-port", &pg.port.to_string()).await;
        type_into(&d, "conn-user", "e2e_user").await;
        type_into(&d, "conn-database", "postgres").await;

        // A wrong password shows the server's error, not a crash.
        type_into(&d, "conn-password", "definitely-wrong").await;
        exists(&d, By::Id("conn-test")).await.click().await.unwrap();
        let err = wait_for(
            &d,
            By::Id("conn-test-result"),
            "auth error",
            Duration::from_secs(20),
            |_, s| s == Some("error"),
        )
        .await;
        let text = err.text().await.unwrap();
        assert!(
            text.contains("password authentication failed"),
            "shown: {text}"
        );
        d.screenshot(&shot_path("wrong-password")).await.unwrap();

        type_into(&d, "conn-password", &password).await;
        exists(&d, By::Id("conn-test")).await.click().await.unwrap();
        let ok = wait_for(
            &d,
            By::Id("conn-test-result"),
            "test ok",
            Duration::from_secs(20),
            |_, s| s == Some("ok"),
        )
        .await;
        assert!(
            ok.text().await.unwrap().contains("15"),
            "server version shown"
        );
        exists(&d, By::Id("conn-save")).await.click().await.unwrap();
        let item = exists(&d, connection_item(name)).await;
        item.find(By::Css("[data-testid=\"connection-has-password\"]"))
            .await
            .expect("password marker");
        d.quit().await.unwrap();
    }

    // Second session: the connection is still there and its password comes from the keychain.
    {
        let driver = start_driver(&data, &service);
        let d = open_app(&driver).await;
        wait_local_running(&d).await;
        let item = exists(&d, connection_item(name)).await;
        item.find(By::Css("[data-testid=\"connection-test\"]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let res = wait_for(
            &d,
            By::Css(format!("[data-testid=\"connection-item\"][data-name=\"{name}\"] [data-testid=\"connection-test-result\"]")),
            "saved connection test ok",
            Duration::from_secs(20),
            |_, s| s == Some("ok"),
        )
        .await;
        assert!(res.text().await.unwrap().contains("15"));
        item.find(By::Css(".item-name"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let details = exists(&d, By::Css("[data-testid=\"connection-details\"]")).await;
        assert!(
            details.text().await.unwrap().contains("e2e_user"),
            "details of the selected connection"
        );
        // The picture once the server's (empty) branch tree has loaded.
        exists(&d, By::Css("[data-testid=\"branches-empty\"]")).await;
        d.screenshot(&shot_path("main-window")).await.unwrap();
        d.quit().await.unwrap();
    }

    // The app's embedded server: stop it (adopting it if the app was killed before its exit hook).
    let local = LocalPgOptions::new(data.join("local-pg"));
    if LocalPg::inspect(&local).await.state == grove_core::local_pg::LocalState::Running {
        LocalPg::start(&local).await.unwrap().stop().await.unwrap();
    }

    // After a full session the password is nowhere in Grove's files (SQLite, WAL, logs).
    let mut checked = 0;
    for f in harness::walk(&data) {
        let bytes = std::fs::read(&f).unwrap_or_default();
        assert!(
            !bytes
                .windows(password.len())
                .any(|w| w == password.as_bytes()),
            "password found in {}",
            f.display()
        );
        checked += 1;
    }
    assert!(checked > 3, "checked {checked} files");
    assert!(data.join("state.sqlite").is_file() && data.join("grove.log").is_file());
}

/// Types into the SQL editor (replacing its text) and runs the statement with Ctrl+Enter.
async fn run_sql(d: &WebDriver, sql: &str) {
    let editor = exists(d, By::Css("[data-testid=\"sql-editor\"] .cm-content")).await;
    editor.click().await.unwrap();
    editor.send_keys(Key::Control + "a").await.unwrap();
    editor.send_keys(Key::Backspace).await.unwrap();
    editor.send_keys(sql).await.unwrap();
    editor.send_keys(Key::Control + Key::Enter).await.unwrap();
}

/// A cell of the current result grid shows `want` (read through the DOM: WebDriver's visible
/// text is empty for cells the virtualised grid has scrolled out of its viewport).
async fn first_cell_is(d: &WebDriver, want: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let cells = d
            .execute("return Array.from(document.querySelectorAll('[data-testid=\"result-cell\"]')).map(c => c.textContent)", vec![])
            .await
            .unwrap();
        let cells: Vec<Option<String>> = cells.convert().unwrap_or_default();
        if cells.iter().flatten().any(|c| c.trim() == want) {
            return;
        }
        if Instant::now() > deadline {
            let _ = d.screenshot(&shot_path(&format!("failure-{what}"))).await;
            panic!("timed out waiting for {what}; cells: {cells:?}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn select_branch(d: &WebDriver, name: &str) {
    let node = exists(
        d,
        By::Css(format!(
            "[data-testid=\"branch-node\"][data-name=\"{name}\"] .branch-label"
        )),
    )
    .await;
    node.click().await.unwrap();
    wait_for(
        d,
        By::Css(format!(
            "[data-testid=\"branch-details\"][data-name=\"{name}\"]"
        )),
        "branch details",
        Duration::from_secs(15),
        |_, _| true,
    )
    .await;
}

/// Clicks a button once it exists and is enabled (buttons wait for data to load).
async fn click_and_settle(d: &WebDriver, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(el) = d.find(By::Id(id)).await {
            if el.is_enabled().await.unwrap_or(false) && el.click().await.is_ok() {
                return;
            }
        }
        if Instant::now() > deadline {
            let _ = d
                .screenshot(&shot_path(&format!("failure-click-{id}")))
                .await;
            panic!("{id} never became clickable");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn wait_gone(d: &WebDriver, by: By, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !d.find_all(by.clone()).await.unwrap_or_default().is_empty() {
        if Instant::now() > deadline {
            let _ = d
                .screenshot(&shot_path(&format!("failure-{}", what.replace(' ', "-"))))
                .await;
            panic!("{what} still shown");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn branch_sql_reset_undo_compare_delete() {
    let data = harness::scratch_dir("e2e-branches");
    let service = format!("dev.grove.e2e.b.{}", std::process::id());
    let driver = start_driver(&data, &service);
    let d = open_app(&driver).await;
    wait_local_running(&d).await;

    // A database to branch from, on the app's own embedded server (adopted, not restarted).
    let local = LocalPg::start(&LocalPgOptions::new(data.join("local-pg")))
        .await
        .unwrap();
    let admin = local.connect("postgres").await.unwrap();
    admin.batch_execute("CREATE DATABASE shop").await.unwrap();
    let shop = local.connect("shop").await.unwrap();
    shop.batch_execute("CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, 'apple'), (2, 'pear')").await.unwrap();
    drop(shop);

    // Import it as a root branch.
    exists(&d, By::Id("local-server"))
        .await
        .click()
        .await
        .unwrap();
    click_and_settle(&d, "import-database").await;
    exists(&d, By::Id("import-dialog")).await;
    exists(
        &d,
        By::Css("#import-database-select option[value=\"shop\"]"),
    )
    .await
    .click()
    .await
    .unwrap();
    click_and_settle(&d, "import-submit").await;
    exists(
        &d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"shop\"]"),
    )
    .await;

    // Create dev/alice from it, while the app's own SQL tab has a session open on shop: that
    // session must not block the copy.
    select_branch(&d, "shop").await;
    click_and_settle(&d, "branch-tab-sql").await;
    run_sql(&d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(&d, "2", "two rows on shop").await;
    click_and_settle(&d, "branch-tab-overview").await;
    click_and_settle(&d, "branch-create-child").await;
    type_into(&d, "create-branch-name", "dev/alice").await;
    click_and_settle(&d, "create-branch-submit").await;
    exists(
        &d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"dev/alice\"]"),
    )
    .await;
    select_branch(&d, "dev/alice").await;
    d.screenshot(&shot_path("branch-tree")).await.unwrap();

    // Write a row on the branch through the SQL editor.
    click_and_settle(&d, "branch-tab-sql").await;
    run_sql(&d, "INSERT INTO items VALUES (3, 'from alice')").await;
    wait_for(
        &d,
        By::Id("sql-status"),
        "insert done",
        Duration::from_secs(30),
        |t, _| t.contains('1'),
    )
    .await;
    run_sql(&d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(&d, "3", "three rows on dev/alice").await;
    d.screenshot(&shot_path("sql-editor")).await.unwrap();

    // Reset from the parent: the row is gone.
    click_and_settle(&d, "branch-tab-overview").await;
    click_and_settle(&d, "branch-reset").await;
    click_and_settle(&d, "confirm-reset").await;
    wait_gone(&d, By::Id("reset-dialog"), "reset dialog").await;
    click_and_settle(&d, "branch-tab-sql").await;
    run_sql(&d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(&d, "2", "two rows after reset").await;

    // Undo the reset: the row is back.
    click_and_settle(&d, "branch-tab-overview").await;
    click_and_settle(&d, "branch-undo-reset").await;
    click_and_settle(&d, "confirm-undo-reset").await;
    wait_gone(&d, By::Id("undo-reset-dialog"), "undo dialog").await;
    click_and_settle(&d, "branch-tab-sql").await;
    run_sql(&d, "SELECT count(*) AS n FROM items").await;
    first_cell_is(&d, "3", "three rows after undo").await;

    // A failing query marks the error position in the editor.
    run_sql(&d, "SELECT nosuchcolumn FROM items").await;
    let err = wait_for(
        &d,
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
    exists(&d, By::Css("[data-testid=\"sql-editor\"] .cm-error-mark")).await;

    // Cancel a long query: the server's cancel error comes back at once, the tab stays usable.
    run_sql(&d, "SELECT pg_sleep(60)").await;
    // Cancel once the server runs it (a cancel that arrives first would find nothing to stop).
    let deadline = Instant::now() + Duration::from_secs(30);
    let active = "SELECT count(*) FROM pg_stat_activity
                   WHERE state = 'active' AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()";
    while admin.query_one(active, &[]).await.unwrap().get::<_, i64>(0) == 0 {
        assert!(Instant::now() < deadline, "pg_sleep(60) never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    click_and_settle(&d, "sql-cancel").await;
    let err = wait_for(
        &d,
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
        &d,
        "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, 1000) g",
    )
    .await;
    first_cell_is(&d, "1", "export source rows").await;
    click_and_settle(&d, "sql-export").await;
    exists(&d, By::Id("export-dialog")).await;
    let path = data.join("export.csv");
    let input = exists(&d, By::Id("export-path")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while input.value().await.unwrap().unwrap_or_default().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    input.send_keys(Key::Control + "a").await.unwrap();
    input.send_keys(path.display().to_string()).await.unwrap();
    click_and_settle(&d, "export-submit").await;
    wait_for(
        &d,
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
    run_sql(&d, "ALTER TABLE items ADD COLUMN price numeric(10,2)").await;
    wait_for(
        &d,
        By::Id("sql-status"),
        "alter done",
        Duration::from_secs(30),
        |t, _| !t.is_empty(),
    )
    .await;
    click_and_settle(&d, "branch-tab-compare").await;
    click_and_settle(&d, "compare-with-parent").await;
    let changed = exists(
        &d,
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
    exists(&d, By::Id("compare-ddl")).await;
    d.screenshot(&shot_path("compare")).await.unwrap();
    click_and_settle(&d, "compare-tab-migration").await;
    let script = exists(&d, By::Id("migration-script"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        script.contains("ADD COLUMN") && script.contains("price"),
        "migration: {script}"
    );

    // Delete the branch.
    click_and_settle(&d, "branch-tab-overview").await;
    click_and_settle(&d, "branch-delete").await;
    click_and_settle(&d, "confirm-delete").await;
    wait_gone(
        &d,
        By::Css("[data-testid=\"branch-node\"][data-name=\"dev/alice\"]"),
        "deleted branch node",
    )
    .await;
    d.quit().await.unwrap();
    drop(driver);
    if LocalPg::inspect(&LocalPgOptions::new(data.join("local-pg")))
        .await
        .state
        == grove_core::local_pg::LocalState::Running
    {
        local.stop().await.unwrap();
    }
}
