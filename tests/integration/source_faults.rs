//! Sources under faults and the bugs found trying them: Grove's own SQL session on the root
//! never blocks a refresh (manual or scheduled), the rows recorded are the rows copied (not
//! an estimate), a table dropped on the source during the copy, and the target's disk full.
//! Every failure leaves the old root intact and nothing behind on either server.
use crate::branches::{close, database_exists, unique};
use crate::harness::{self, fresh_db};
use crate::sources::{add, copy_sessions, count, ctx, setup, target, tmp_databases};
use grove_core::api::{BranchRef, RefreshSource};
use grove_core::branch::OnBusy;
use grove_core::copy::TableSelection;
use grove_core::local_pg::LocalPg;
use grove_core::paths::Paths;
use grove_core::sql::SqlSession;
use grove_core::{ConnectionDraft, ErrorCode, Grove, ServerRef};
use std::sync::{Arc, Mutex};

fn refresh(dst: &LocalPg, root: &str) -> RefreshSource {
    RefreshSource {
        server: target(dst),
        root: root.into(),
        on_busy: OnBusy::Fail,
    }
}

/// Makes the source of `root` due now (what the clock would do by the next slot).
async fn make_due(dst: &LocalPg, root: &str) {
    let cat = dst.connect("grove_catalog").await.unwrap();
    let n = cat
        .execute(
            "UPDATE sources SET next_due_at = now() - interval '1 second'
              WHERE root_id = (SELECT id FROM branches WHERE name = $1)",
            &[&root],
        )
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// An editor tab's session on `root`, as the app opens it (application_name `grove sql`).
async fn sql_tab(grove: &Grove, dst: &LocalPg, root: &str) -> SqlSession {
    let at = grove.sql_target(&target(dst), root).await.unwrap();
    SqlSession::open(&at, None).await.unwrap()
}

/// Sessions of Grove's online copy left on a target server of the test's own.
#[allow(dead_code)] // used by the disk-full test
async fn target_copy_sessions(dst: &LocalPg) -> i64 {
    let s = dst.connect("postgres").await.unwrap();
    let sql = format!(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = {}",
        grove_core::ident::quote_literal(grove_core::copy::APP)
    );
    for _ in 0..50 {
        if count(&s, &sql).await == 0 {
            return 0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    count(&s, &sql).await
}

#[tokio::test]
async fn source_refresh_closes_groves_own_sql_session_on_the_root() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let (grove, conn, _db) = setup("faults-own-session", src).await;
    let root = unique("prod");
    let mut req = add(&root, dst, &conn, TableSelection::default());
    req.every = Some("6h".into());
    grove.add_source(req, &ctx()).await.unwrap();

    // Without a way to close it, the app's idle editor session blocks the swap (as it did).
    let tab = sql_tab(&grove, dst, &root).await;
    let e = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(e.message.contains("grove sql"), "{e:?}");

    // The app registers how its tabs close: a manual refresh closes the one on the root.
    let tabs: Arc<Mutex<Vec<(ServerRef, String, SqlSession)>>> = Arc::default();
    tabs.lock().unwrap().push((target(dst), root.clone(), tab));
    let released = Arc::new(Mutex::new(Vec::new()));
    let (open, seen) = (tabs.clone(), released.clone());
    grove.on_release_sessions(Arc::new(move |server, branch| {
        seen.lock().unwrap().push(branch.to_string());
        open.lock()
            .unwrap()
            .retain(|(s, b, _)| !(s == server && b == branch));
    }));
    let info = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().outcome, "ok");
    assert!(
        tabs.lock().unwrap().is_empty(),
        "the tab on the root closed"
    );

    // A scheduled refresh (`--due`, the app's timer) does the same.
    let tab = sql_tab(&grove, dst, &root).await;
    tabs.lock().unwrap().push((target(dst), root.clone(), tab));
    make_due(dst, &root).await;
    let done = grove
        .refresh_due_sources(&target(dst), &ctx())
        .await
        .unwrap();
    let done: Vec<_> = done.into_iter().filter(|o| o.root == root).collect();
    assert_eq!(done.len(), 1);
    assert!(done[0].ok, "{:?}", done[0].error);
    assert!(tabs.lock().unwrap().is_empty());
    assert_eq!(*released.lock().unwrap(), [root.clone(), root.clone()]);
    assert_eq!(tmp_databases(dst).await, 0);
}

#[tokio::test]
async fn source_last_refresh_records_the_rows_copied_not_an_estimate() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let grove = Grove::open(Paths::at(harness::scratch_dir("faults-rows").join("state")))
        .await
        .unwrap();
    let (db, s) = fresh_db(src).await;
    // Analysed at 1000 and 500 rows, then changed: the estimates (reltuples) stay behind.
    s.batch_execute(
        "CREATE TABLE items (id int PRIMARY KEY, kind text) WITH (autovacuum_enabled = off);
         CREATE TABLE notes (id int, body text) WITH (autovacuum_enabled = off);
         INSERT INTO items SELECT g, CASE WHEN g % 4 = 0 THEN 'odd' ELSE 'even' END
           FROM generate_series(1, 1000) g;
         INSERT INTO notes SELECT g, 'n' FROM generate_series(1, 500) g;
         ANALYZE items, notes;
         INSERT INTO items SELECT g, 'new' FROM generate_series(1001, 1234) g;
         DELETE FROM notes WHERE id <= 17;",
    )
    .await
    .unwrap();
    close(src, s).await;
    let conn = unique("rows");
    let draft = ConnectionDraft {
        name: conn.clone(),
        fields: src.fields(&db),
        password: Some(src.password().to_string()),
    };
    grove.save_connection(None, draft).await.unwrap();
    let root = unique("rows");
    // A row filter: the estimate would be the whole table's.
    let sel = TableSelection {
        filters: vec![("items".into(), "kind <> 'odd'".into())],
        ..Default::default()
    };
    let info = grove
        .add_source(add(&root, dst, &conn, sel), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().rows, Some(984 + 483));

    let source = src.connect(&db).await.unwrap();
    source
        .batch_execute("INSERT INTO notes SELECT g, 'more' FROM generate_series(1, 41) g")
        .await
        .unwrap();
    let info = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().rows, Some(984 + 524));
    let at = BranchRef {
        server: target(dst),
        name: root.clone(),
    };
    let shown = grove.show_source(at).await.unwrap();
    assert_eq!(shown.last_refresh.unwrap().rows, Some(1508));
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(count(&copy, "SELECT * FROM items").await, 984);
    assert_eq!(count(&copy, "SELECT * FROM notes").await, 524);
    assert!(database_exists(dst, &root).await);
    assert_eq!(copy_sessions(src, &db).await, 0);
}
