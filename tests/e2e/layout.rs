//! Room to work in a 1280x800 window: how many editor lines and grid rows show by default and
//! in focus mode, the compare DDL without scrolling, the command palette driven by keyboard
//! alone; screenshots in the light and the dark theme (WebKitGTK reads `GTK_THEME`).
use crate::support::*;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// `fullyShown(el)`: the element's box lies inside every scrolling or clipping ancestor and the
/// window, i.e. the user sees all of it without scrolling.
const FULLY_SHOWN: &str = r#"
const fullyShown = (el, below = 0) => {
  const r = el.getBoundingClientRect();
  if (r.height === 0) return false;
  let top = Math.max(0, below), bottom = window.innerHeight;
  for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (s.overflowY !== 'visible' || s.overflowX !== 'visible') {
      const b = p.getBoundingClientRect();
      top = Math.max(top, b.top);
      bottom = Math.min(bottom, b.bottom);
    }
  }
  return r.top >= top - 1 && r.bottom <= bottom + 1;
};
"#;

/// Result rows the user sees whole (below the grid's sticky header).
async fn grid_rows_shown(d: &WebDriver) -> i64 {
    js(
        d,
        &format!(
            "{FULLY_SHOWN}
            const g = document.querySelector('[data-testid=\"result-grid\"]');
            if (!g) return -1;
            const head = g.querySelector('[data-testid=\"result-header\"]');
            const below = head ? head.getBoundingClientRect().bottom : 0;
            return Array.from(g.querySelectorAll('[data-testid=\"result-row\"]'))
              .filter(r => fullyShown(r, below)).length;"
        ),
    )
    .await
}

/// (rows, items) of a toolbar (`selector`): its buttons and its summary; items whose vertical
/// centres are more than 8 px apart (a third of a button) are on different rows.
async fn toolbar_rows(d: &WebDriver, selector: &str) -> (i64, i64) {
    let (rows, items): (i64, i64) = js(
        d,
        &format!(
            "const bar = document.querySelector('{selector}');
            if (!bar) return [-1, 0];
            const tops = Array.from(bar.querySelectorAll('button, [data-testid=\"branches-summary\"]'))
              .filter(b => !b.closest('[role=\"menu\"]') && b.getBoundingClientRect().height > 0)
              .map(b => {{ const r = b.getBoundingClientRect(); return (r.top + r.bottom) / 2; }})
              .sort((a, b) => a - b);
            const rows = tops.filter((t, i) => i === 0 || t - tops[i - 1] > 8).length;
            return [rows, tops.length];"
        ),
    )
    .await;
    (rows, items)
}

/// The Overview's branch actions.
const BRANCH_TOOLBAR: &str = "[role=\"toolbar\"][aria-label=\"Branch actions\"]";
/// The server's branch actions above the tree.
const BRANCHES_TOOLBAR: &str = ".branches-toolbar";

/// Editor lines the user sees whole.
async fn editor_lines_shown(d: &WebDriver) -> i64 {
    js(
        d,
        &format!(
            "{FULLY_SHOWN}
            return Array.from(document.querySelectorAll('[data-testid=\"sql-editor\"] .cm-line'))
              .filter(l => fullyShown(l)).length;"
        ),
    )
    .await
}

/// (lines shown whole, lines in all) of the side-by-side DDL of the selected object.
async fn compare_ddl_lines(d: &WebDriver) -> (i64, i64) {
    js(
        d,
        &format!(
            "{FULLY_SHOWN}
            const lines = Array.from(document.querySelectorAll('#compare-ddl .cm-line'));
            return [lines.filter(l => fullyShown(l)).length, lines.length];"
        ),
    )
    .await
}

/// Waits until the grid has rendered rows (the result arrived and was laid out).
async fn wait_grid(d: &WebDriver) {
    first_cell_is(d, "1", "first result row").await;
}

/// Runs a command of the palette by keyboard: Ctrl+K, type, Enter once `command` is the
/// highlighted match.
async fn palette(d: &WebDriver, query: &str, command: &str) {
    shortcut(d, Key::Control, "k").await;
    let input = exists(d, By::Css("[data-testid=\"palette-input\"]")).await;
    input.send_keys(query).await.unwrap();
    exists(
        d,
        By::Css(format!(
            "[data-testid=\"palette-item\"][aria-selected=\"true\"][data-command=\"{command}\"]"
        )),
    )
    .await;
    input.send_keys(Key::Enter).await.unwrap();
    wait_gone(d, By::Id("command-palette"), "command palette").await;
}

/// Moves the keyboard focus with Tab until the element `id` has it.
async fn tab_to(d: &WebDriver, id: &str) {
    for _ in 0..20 {
        let active: String = js(d, "return document.activeElement?.id ?? ''").await;
        if active == id {
            return;
        }
        press(d, Key::Tab).await;
    }
    let _ = d.screenshot(&shot_path(&format!("failure-tab-{id}"))).await;
    panic!("Tab never reached {id}");
}

#[tokio::test]
async fn room_to_work_light() {
    room_to_work("light").await;
}

#[tokio::test]
async fn room_to_work_dark() {
    room_to_work("dark").await;
}

async fn room_to_work(theme: &str) {
    let gtk_theme = if theme == "dark" {
        "Adwaita:dark"
    } else {
        "Adwaita"
    };
    let app = start_app(&format!("layout-{theme}"), &[("GTK_THEME", gtk_theme)]).await;
    let (d, local) = (&app.d, &app.local);
    // The window manager applies a new size when it gets to it: ask until the page has it.
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
    let dark: bool = js(
        d,
        "return matchMedia('(prefers-color-scheme: dark)').matches",
    )
    .await;
    assert_eq!(
        dark,
        theme == "dark",
        "the page follows GTK_THEME={gtk_theme}"
    );

    app.create_database(
        "shop",
        "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, added timestamptz DEFAULT now());
         INSERT INTO items (id, name) SELECT g, 'item ' || g FROM generate_series(1, 300) g",
    )
    .await;
    import_database(d, "shop").await;
    d.screenshot(&shot_path(&format!("main-window-{theme}")))
        .await
        .unwrap();

    select_branch(d, "shop").await;
    let (root_rows, root_buttons) = toolbar_rows(d, BRANCH_TOOLBAR).await;
    click_and_settle(d, "branch-create-child").await;
    type_into(d, "create-branch-name", "dev/alice").await;
    click_and_settle(d, "create-branch-submit").await;
    select_branch(d, "dev/alice").await;

    // The SQL tab by default: a 40-line script, its result of 300 rows.
    click_and_settle(d, "branch-tab-sql").await;
    let script: String = (1..40).map(|i| format!("-- line {i}\n")).collect();
    run_sql(
        d,
        &format!("{script}SELECT id, name, added FROM items ORDER BY id"),
    )
    .await;
    wait_grid(d).await;
    // Measured once the run is over and the whole result is laid out.
    wait_for(
        d,
        By::Css("[data-testid=\"sql-status\"][data-running=\"false\"]"),
        "the run done",
        Duration::from_secs(30),
        |t, _| t.contains("300 rows"),
    )
    .await;
    let lines = editor_lines_shown(d).await;
    let rows = grid_rows_shown(d).await;
    d.screenshot(&shot_path(&format!("sql-editor-{theme}")))
        .await
        .unwrap();

    // Focus mode from the editor: the SQL tab fills the window, editor and results as before.
    shortcut(d, Key::Control, ".").await;
    exists(d, By::Css("[data-focus=\"true\"]")).await;
    let focus_lines = editor_lines_shown(d).await;
    // The first Esc belongs to an open completion list, as in any editor.
    if !d
        .find_all(By::Css(".cm-tooltip-autocomplete"))
        .await
        .unwrap()
        .is_empty()
    {
        press(d, Key::Escape).await;
        wait_gone(d, By::Css(".cm-tooltip-autocomplete"), "completion list").await;
    }
    press(d, Key::Escape).await;
    wait_gone(d, By::Css("[data-focus=\"true\"]"), "focus mode").await;

    // Focus mode from the results: they get the whole window; Esc brings the editor back.
    d.find(By::Css("[data-testid=\"result-cell\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shortcut(d, Key::Control, ".").await;
    exists(d, By::Css("[data-focus=\"true\"]")).await;
    let focus_rows = grid_rows_shown(d).await;
    d.screenshot(&shot_path(&format!("sql-focus-{theme}")))
        .await
        .unwrap();
    press(d, Key::Escape).await;
    wait_gone(d, By::Css("[data-focus=\"true\"]"), "focus mode").await;
    exists(d, By::Css("[data-testid=\"sql-editor\"] .cm-content")).await;

    // Compare with the parent through the palette: the DDL of the changed table shows whole.
    run_sql(d, "ALTER TABLE items ADD COLUMN price numeric(10,2)").await;
    wait_for(
        d,
        By::Id("sql-status"),
        "alter done",
        Duration::from_secs(30),
        |t, _| t.contains("1 of 1 statement done"),
    )
    .await;
    palette(d, "compare with parent", "compare-parent").await;
    let changed = exists(
        d,
        By::Css("[data-testid=\"diff-object\"][data-status=\"changed\"]"),
    )
    .await;
    changed.click().await.unwrap();
    exists(d, By::Id("compare-ddl")).await;
    let (ddl_shown, ddl_lines) = compare_ddl_lines(d).await;
    d.screenshot(&shot_path(&format!("compare-{theme}")))
        .await
        .unwrap();

    println!(
        "layout at 1280x800 ({theme}): editor lines shown {lines} ({focus_lines} in focus mode), grid rows shown {rows} \
         ({focus_rows} in focus mode from the results), compare DDL lines shown {ddl_shown} of {ddl_lines}"
    );
    assert!(lines >= 12, "editor shows {lines} lines");
    assert!(
        focus_lines >= 12,
        "focus mode editor shows {focus_lines} lines"
    );
    assert!(rows >= 15, "grid shows {rows} rows");
    assert!(focus_rows >= 25, "focus mode grid shows {focus_rows} rows");
    assert!(
        ddl_lines >= 8 && ddl_shown == ddl_lines,
        "compare DDL: {ddl_shown} of {ddl_lines} lines shown"
    );

    // Reset through the palette, confirmed with the keyboard alone: the column is gone.
    palette(d, "reset from parent", "branch-reset").await;
    exists(d, By::Id("reset-dialog")).await;
    if theme == "light" {
        d.screenshot(&shot_path("reset-dialog")).await.unwrap();
    }
    tab_to(d, "confirm-reset").await;
    press(d, Key::Enter).await;
    wait_gone(d, By::Id("reset-dialog"), "reset dialog").await;
    let alice = local.connect("dev/alice").await.unwrap();
    let price: i64 = alice
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'price'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(price, 0, "reset took the branch back to its parent");
    drop(alice);

    // The Overview's toolbar on a child with every action (Undo reset too) fits in one row,
    // as it does on a root.
    click_and_settle(d, "branch-tab-overview").await;
    exists(d, By::Id("branch-undo-reset")).await;
    let (rows, buttons) = toolbar_rows(d, BRANCH_TOOLBAR).await;
    let (tree_rows, tree_items) = toolbar_rows(d, BRANCHES_TOOLBAR).await;
    if theme == "light" {
        d.screenshot(&shot_path("branch-toolbar")).await.unwrap();
    }
    println!(
        "toolbar at 1280x800 ({theme}): {buttons} buttons in {rows} row(s) on dev/alice, \
         {root_buttons} in {root_rows} on shop"
    );
    println!("branches toolbar at 1280x800 ({theme}): {tree_items} items in {tree_rows} row(s)");
    assert_eq!((root_rows, rows), (1, 1), "the branch toolbar is one row");
    assert_eq!(tree_rows, 1, "the branches toolbar is one row");
    assert!(buttons >= 5, "the toolbar shows {buttons} buttons");

    app.quit().await;
}
