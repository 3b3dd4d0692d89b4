//! A result far larger than what the grid holds: every row is reachable by scrolling, and the
//! web process's memory stays about what it is with a small result.
use crate::support::*;
use std::path::Path;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// The app process started for this test: the grove-app whose GROVE_DATA_DIR is `data` (other
/// runs may have apps of their own).
fn app_pid(data: &Path) -> Option<u32> {
    let want = format!("GROVE_DATA_DIR={}", data.display());
    procs().find(|&pid| {
        comm(pid).as_deref() == Some("grove-app")
            && std::fs::read(format!("/proc/{pid}/environ"))
                .map(|env| env.split(|&b| b == 0).any(|kv| kv == want.as_bytes()))
                .unwrap_or(false)
    })
}

fn procs() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
}

fn comm(pid: u32) -> Option<String> {
    let c = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(c.trim().to_string())
}

fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After "pid (comm) state ": the comm may hold spaces, so split after its ')'.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The WebKitWebProcess the app renders its UI in.
fn web_process(app: u32) -> u32 {
    procs()
        .find(|&pid| {
            parent(pid) == Some(app) && comm(pid).is_some_and(|c| c.starts_with("WebKitWebProc"))
        })
        .expect("the app's WebKitWebProcess")
}

/// Proportional set size in kB, from smaps_rollup.
fn pss_kb(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap();
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("Pss in smaps_rollup")
}

/// PSS once the page has settled: the lowest of a few samples a second apart (the garbage
/// collector runs when it likes).
async fn settled_pss(pid: u32) -> u64 {
    let mut best = u64::MAX;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        best = best.min(pss_kb(pid));
    }
    best
}

/// Ctrl+End in the grid (which moves from the selected cell; `select` picks the first one
/// first): the grid scrolls to its last row.
async fn scroll_to_end(d: &WebDriver, select: bool) {
    if select {
        let cell = exists(d, By::Css("[data-testid=\"result-cell\"]")).await;
        cell.click().await.unwrap();
    }
    let grid = exists(d, By::Id("result-grid")).await;
    grid.send_keys(Key::Control + Key::End).await.unwrap();
}

async fn status_shows(d: &WebDriver, want: &str) {
    wait_for(
        d,
        By::Id("sql-status"),
        want,
        Duration::from_secs(60),
        |t, _| t.contains(want),
    )
    .await;
}

#[tokio::test]
async fn every_row_of_a_large_result_is_reachable_with_memory_bounded() {
    let app = start_app("paging", &[]).await;
    let (d, data) = (&app.d, &app.data);
    app.create_database("numbers", "").await;
    import_database(d, "numbers").await;
    select_branch(d, "numbers").await;
    click_and_settle(d, "branch-tab-sql").await;
    let web = web_process(app_pid(data).expect("the app's process"));

    // A small result, scrolled to its end: the baseline.
    run_sql(d, "SELECT g AS n FROM generate_series(1,1000) g").await;
    first_cell_is(d, "1", "the first of 1,000 rows").await;
    scroll_to_end(d, true).await;
    first_cell_is(d, "1000", "row 1,000").await;
    let small = settled_pss(web).await;

    // 500,000 rows: the grid holds the first ones and reads the rest as it scrolls.
    let started = Instant::now();
    run_sql(d, "SELECT g AS n FROM generate_series(1,500000) g").await;
    status_shows(d, "of 500,000").await;
    let ran = started.elapsed();
    scroll_to_end(d, true).await;
    first_cell_is(d, "500000", "row 500,000").await;
    status_shows(d, "–500,000 of 500,000").await;
    d.screenshot(&shot_path("sql-paging-end")).await.unwrap();
    // Somewhere in the middle (the page there was never read), then the end again.
    d.execute(
        "const g = document.getElementById('result-grid'); g.scrollTop = g.scrollHeight / 2;",
        vec![],
    )
    .await
    .unwrap();
    first_cell_is(d, "250010", "a row in the middle").await;
    scroll_to_end(d, false).await;
    first_cell_is(d, "500000", "row 500,000 again").await;
    let large = settled_pss(web).await;

    let ratio = large as f64 / small as f64;
    println!(
        "WebKitWebProcess PSS: {small} kB with 1,000 rows, {large} kB with 500,000 rows \
         scrolled to the end (x{ratio:.2}); the 500,000-row run showed its total after {ran:?}"
    );
    assert!(ratio < 1.5, "PSS grew x{ratio:.2}: {small} kB → {large} kB");
    app.quit().await;
}
