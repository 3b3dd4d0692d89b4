//! What every end-to-end test needs: the driver, the app, and waits on what the UI shows.
use crate::harness;
use grove_core::ident::quote_ident;
use grove_core::local_pg::{LocalPg, LocalPgOptions, LocalState};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // tauri-driver shuts its WebKitWebDriver down on SIGTERM.
        // SAFETY: plain kill(2) on our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn app_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("grove-app");
    assert!(bin.is_file(), "{} is not built", bin.display());
    bin
}

pub(crate) fn tauri_driver_binary() -> PathBuf {
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

pub(crate) fn start_driver(data: &Path, keychain_service: &str) -> Driver {
    start_driver_with(data, keychain_service, &[])
}

/// Starts tauri-driver (and through it the app) with extra environment, e.g. `GTK_THEME`.
/// The app's config and web storage (window size, layout) are the test's own, never the user's.
pub(crate) fn start_driver_with(
    data: &Path,
    keychain_service: &str,
    env: &[(&str, &str)],
) -> Driver {
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
        .env("XDG_CONFIG_HOME", data.join("config"))
        // The web view's storage too (the remembered layout; one app instance per directory).
        .env("XDG_DATA_HOME", data.join("share"))
        .env("XDG_CACHE_HOME", data.join("cache"))
        .envs(env.iter().copied())
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

pub(crate) async fn open_app(driver: &Driver) -> WebDriver {
    let mut caps = Capabilities::new();
    caps.set("browserName", "wry").unwrap();
    caps.set("tauri:options", json!({ "application": app_binary() }))
        .unwrap();
    WebDriver::new(format!("http://127.0.0.1:{}", driver.port), caps)
        .await
        .expect("WebDriver session")
}

/// Polls until the element exists and `check` accepts it.
pub(crate) async fn wait_for<F>(
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

pub(crate) async fn exists(d: &WebDriver, by: By) -> WebElement {
    wait_for(d, by, "element", Duration::from_secs(15), |_, _| true).await
}

pub(crate) fn shot_path(name: &str) -> PathBuf {
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

/// Replaces a field's text by keystrokes, as a user would, and checks what the field holds.
/// WebDriver's `clear()` sets the value without a keystroke: React does not see it, and a
/// re-render in between puts the old text back in front of the typed one ("30" + "2").
pub(crate) async fn type_into(d: &WebDriver, id: &str, text: &str) {
    let el = exists(d, By::Id(id)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        el.send_keys(Key::Control + "a").await.unwrap();
        el.send_keys(Key::Backspace).await.unwrap();
        el.send_keys(text).await.unwrap();
        let value = el.prop("value").await.unwrap().unwrap_or_default();
        if value == text {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "typing {} characters into #{id} left {} there",
            text.chars().count(),
            value.chars().count()
        );
    }
}

pub(crate) async fn wait_local_running(d: &WebDriver) {
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

pub(crate) fn connection_item(name: &str) -> By {
    By::Css(format!(
        "[data-testid=\"connection-item\"][data-name=\"{name}\"]"
    ))
}

/// Types into the SQL editor (replacing its text) and runs the statement with Ctrl+Enter.
pub(crate) async fn run_sql(d: &WebDriver, sql: &str) {
    let editor = exists(d, By::Css("[data-testid=\"sql-editor\"] .cm-content")).await;
    // Focused, not clicked: a click aims at the middle of the whole text, which a long script
    // puts below the editor's visible part.
    d.execute("arguments[0].focus()", vec![editor.to_json().unwrap()])
        .await
        .unwrap();
    editor.send_keys(Key::Control + "a").await.unwrap();
    editor.send_keys(Key::Backspace).await.unwrap();
    // WebDriver types "\n" as nothing: each line break is an Enter key.
    for (i, line) in sql.split('\n').enumerate() {
        if i > 0 {
            editor.send_keys(Key::Enter).await.unwrap();
        }
        editor.send_keys(line).await.unwrap();
    }
    editor.send_keys(Key::Control + Key::Enter).await.unwrap();
}

/// A cell of the current result grid shows `want` (read through the DOM: WebDriver's visible
/// text is empty for cells the virtualised grid has scrolled out of its viewport).
pub(crate) async fn first_cell_is(d: &WebDriver, want: &str, what: &str) {
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

pub(crate) async fn select_branch(d: &WebDriver, name: &str) {
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
pub(crate) async fn click_and_settle(d: &WebDriver, id: &str) {
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

pub(crate) async fn wait_gone(d: &WebDriver, by: By, what: &str) {
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

/// Imports a database of the embedded server as a root branch through the import dialog.
pub(crate) async fn import_database(d: &WebDriver, name: &str) {
    exists(d, By::Id("local-server"))
        .await
        .click()
        .await
        .unwrap();
    click_and_settle(d, "import-database").await;
    exists(d, By::Id("import-dialog")).await;
    exists(
        d,
        By::Css(format!("#import-database-select option[value=\"{name}\"]")),
    )
    .await
    .click()
    .await
    .unwrap();
    click_and_settle(d, "import-submit").await;
    exists(
        d,
        By::Css(format!(
            "[data-testid=\"branch-node\"][data-name=\"{name}\"]"
        )),
    )
    .await;
}

/// Runs a script in the page and converts its result.
pub(crate) async fn js<T: serde::de::DeserializeOwned>(d: &WebDriver, script: &str) -> T {
    d.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
        .convert()
        .unwrap_or_else(|e| panic!("script result: {e}\n{script}"))
}

/// Presses a key where the keyboard focus is (through WebDriver actions: the focused element
/// may be the page itself, which element commands refuse).
pub(crate) async fn press(d: &WebDriver, key: Key) {
    d.action_chain().send_keys(key).perform().await.unwrap();
}

/// Presses a shortcut: `modifier` held down while `key` is pressed.
pub(crate) async fn shortcut(d: &WebDriver, modifier: Key, key: &str) {
    d.action_chain()
        .key_down(modifier.clone())
        .send_keys(key)
        .key_up(modifier)
        .perform()
        .await
        .unwrap();
}

/// The real app on a fresh data dir with its embedded server running, and a handle on that
/// server to set up databases behind the app's back.
pub(crate) struct App {
    pub(crate) data: PathBuf,
    pub(crate) d: WebDriver,
    pub(crate) local: LocalPg,
    driver: Driver,
}

/// Starts the app (with extra environment, e.g. `GTK_THEME`) and waits for its local server.
pub(crate) async fn start_app(name: &str, env: &[(&str, &str)]) -> App {
    let data = harness::scratch_dir(&format!("e2e-{name}"));
    let service = format!("dev.grove.e2e.{name}.{}", std::process::id());
    let driver = start_driver_with(&data, &service, env);
    let d = open_app(&driver).await;
    wait_local_running(&d).await;
    // The app's own embedded server, adopted (not restarted).
    let local = LocalPg::start(&LocalPgOptions::new(data.join("local-pg")))
        .await
        .unwrap();
    App {
        data,
        d,
        local,
        driver,
    }
}

impl App {
    /// Creates a database on the embedded server and runs `script` in it.
    pub(crate) async fn create_database(&self, name: &str, script: &str) {
        let admin = self.local.connect("postgres").await.unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(name)))
            .await
            .unwrap();
        let db = self.local.connect(name).await.unwrap();
        db.batch_execute(script).await.unwrap();
    }

    /// Quits the app; stops the embedded server if the app left it running.
    pub(crate) async fn quit(self) {
        self.d.quit().await.unwrap();
        drop(self.driver);
        let opts = LocalPgOptions::new(self.data.join("local-pg"));
        if LocalPg::inspect(&opts).await.state == LocalState::Running {
            self.local.stop().await.unwrap();
        }
    }
}
