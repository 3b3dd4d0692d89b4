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

#[tokio::test]
async fn source_refresh_closes_groves_own_sql_session_on_the_root() {
    // A Grove server of its own: its due sources are this test's only (and 18 → 15).
    let src = harness::server(18).await;
    let own = LocalPg::start(&harness::options(15, "faults-own-session-target"))
        .await
        .unwrap();
    let dst = &own;
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
    assert_eq!(done.len(), 1);
    assert!(done[0].ok, "{:?}", done[0].error);
    assert!(tabs.lock().unwrap().is_empty());
    assert_eq!(*released.lock().unwrap(), [root.clone(), root.clone()]);
    assert_eq!(tmp_databases(dst).await, 0);
    own.stop().await.unwrap();
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

/// A DROP TABLE on the source, run from inside a progress callback: it returns once the DROP
/// has committed or is waiting for a lock (so the copy goes on only after that), and the DROP
/// runs on to its end on a thread of its own.
struct Dropper {
    /// The DROP had to wait for a lock.
    waited: bool,
    done: std::sync::mpsc::Receiver<Result<(), String>>,
}

impl Dropper {
    fn drop_table(src: &'static LocalPg, db: &str, table: &'static str) -> Dropper {
        let (first_tx, first_rx) = std::sync::mpsc::channel();
        let (done_tx, done) = std::sync::mpsc::channel();
        let db = db.to_string();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let s = src.connect(&db).await.unwrap();
                let pid: i32 = s
                    .query_one("SELECT pg_backend_pid()", &[])
                    .await
                    .unwrap()
                    .get(0);
                let watch = src.connect("postgres").await.unwrap();
                let sql = format!("DROP TABLE {}", grove_core::ident::quote_ident(table));
                let dropping =
                    tokio::spawn(
                        async move { s.batch_execute(&sql).await.map_err(|e| e.to_string()) },
                    );
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                loop {
                    if dropping.is_finished() {
                        let _ = first_tx.send(false);
                        break;
                    }
                    let waiting: bool = watch
                        .query_one(
                            "SELECT coalesce(bool_or(wait_event_type = 'Lock'), false)
                               FROM pg_stat_activity WHERE pid = $1",
                            &[&pid],
                        )
                        .await
                        .unwrap()
                        .get(0);
                    if waiting {
                        let _ = first_tx.send(true);
                        break;
                    }
                    assert!(
                        std::time::Instant::now() < deadline,
                        "the DROP neither ran nor waited"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
                let _ = done_tx.send(dropping.await.unwrap());
            });
        });
        let waited = first_rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the DROP helper");
        Dropper { waited, done }
    }
}

const DROP_SEED: &str = "
    CREATE TABLE big (id int PRIMARY KEY, payload text);
    CREATE TABLE mid (id int PRIMARY KEY, payload text);
    CREATE TABLE victim (id int PRIMARY KEY, note text);
    INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 60000) g;
    INSERT INTO mid SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
    INSERT INTO victim SELECT g, 'v' FROM generate_series(1, 100) g;
    ANALYZE;";

/// A refresh of `root` that drops `victim` on the source when the copy reports a phase
/// starting with `at`; returns the refresh's outcome and what the DROP did.
async fn refresh_dropping(
    grove: &Grove,
    dst: &LocalPg,
    root: &str,
    src: &'static LocalPg,
    db: &str,
    at: &'static str,
) -> (grove_core::Result<grove_core::source::SourceInfo>, Dropper) {
    let dropper: Mutex<Option<Dropper>> = Mutex::new(None);
    let progress = |p: grove_core::branch::Progress| {
        if p.detail.is_some_and(|d| d.starts_with(at)) {
            let mut d = dropper.lock().unwrap();
            if d.is_none() {
                *d = Some(Dropper::drop_table(src, db, "victim"));
            }
        }
    };
    let ctx = grove_core::api::OpContext {
        client: "tests",
        progress: &progress,
        cancel: grove_core::branch::Cancel::new(),
    };
    // Without its own lock, a worker would queue behind the DROP, which waits for the copy.
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        grove.refresh_source(refresh(dst, root), &ctx),
    )
    .await
    .expect("the refresh hung behind the DROP it was blocking");
    let d = dropper
        .into_inner()
        .unwrap()
        .expect("the phase was reported");
    (r, d)
}

async fn rows_of(pg: &LocalPg, db: &str) -> (i64, i64, i64) {
    let s = pg.connect(db).await.unwrap();
    let n = |t: &'static str| {
        let s = &s;
        async move { count(s, &format!("SELECT * FROM {t}")).await }
    };
    (n("big").await, n("mid").await, n("victim").await)
}

#[tokio::test]
async fn source_table_dropped_during_the_copy_fails_clearly_and_leaves_nothing() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let (grove, conn, db) = setup("faults-dropped", src).await;
    let s = src.connect(&db).await.unwrap();
    s.batch_execute("DROP TABLE orders, customers, audit_log, settings CASCADE")
        .await
        .unwrap();
    s.batch_execute(DROP_SEED).await.unwrap();
    close(src, s).await;
    let root = unique("prod");
    grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    let before = rows_of(dst, &root).await;
    assert_eq!(before, (60000, 20000, 100));
    let nothing_left = async |root: &str| {
        assert_eq!(rows_of(dst, root).await, before, "the old root is intact");
        assert_eq!(tmp_databases(dst).await, 0);
        assert_eq!(copy_sessions(src, &db).await, 0);
        let b = crate::branches::find(&grove.list_branches(&target(dst)).await.unwrap(), root)
            .cloned()
            .unwrap();
        assert!(!b.undo_available, "no snapshot of a failed refresh");
    };

    // Dropped after the schema was read, before the copy locked the tables.
    let (r, d) = refresh_dropping(&grove, dst, &root, src, &db, "locking the tables").await;
    let e = r.unwrap_err();
    assert!(!d.waited, "nothing held the table yet");
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(
        e.message.contains("dropped or renamed on the source"),
        "{e:?}"
    );
    assert!(e.message.contains("victim"), "{e:?}");
    assert!(e.message.contains(&root), "{e:?}");
    nothing_left(&root).await;

    // Dropped while the rows stream: the DROP waits for the copy's lock, and the copy gives
    // up rather than queue behind it (which would block everyone on that table).
    let s = src.connect(&db).await.unwrap();
    s.batch_execute(
        "CREATE TABLE victim (id int PRIMARY KEY, note text);
         INSERT INTO victim SELECT g, 'v' FROM generate_series(1, 100) g; ANALYZE victim;",
    )
    .await
    .unwrap();
    close(src, s).await;
    let (r, d) = refresh_dropping(&grove, dst, &root, src, &db, "copying rows").await;
    let e = r.unwrap_err();
    assert!(d.waited, "the DROP waited for the copy's lock");
    assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
    assert!(
        e.message
            .contains("waiting to drop or alter table \"public\".\"victim\""),
        "{e:?}"
    );
    let dropped = d.done.recv_timeout(std::time::Duration::from_secs(60));
    assert_eq!(
        dropped,
        Ok(Ok(())),
        "the DROP went through once the copy let go"
    );
    nothing_left(&root).await;

    // The next refresh takes the source as it is now.
    let info = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().rows, Some(80000));
    let copy = dst.connect(&root).await.unwrap();
    let gone: bool = copy
        .query_one("SELECT to_regclass('victim') IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert!(gone);
}

/// Source PostgreSQL 18, target 15: copied when the target can hold it (equal to the source);
/// refused up front, naming both versions and the objects, when it cannot.
#[tokio::test]
async fn source_newer_than_the_target() {
    use crate::sources::sum_totals;
    let (src, dst) = (harness::server(18).await, harness::server(15).await);
    let (grove, conn, db) = setup("faults-newer", src).await;
    let root = unique("prod");
    let info = grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().rows, Some(300 + 3000 + 500 + 2));
    let source = src.connect(&db).await.unwrap();
    let before = sum_totals(&dst.connect(&root).await.unwrap()).await;
    assert_eq!(before, sum_totals(&source).await);

    // A virtual generated column (PostgreSQL 18+): nothing the target could create.
    source
        .batch_execute(
            "ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) VIRTUAL;
             INSERT INTO orders (customer_id, placed_at, total) VALUES (1, now(), 7)",
        )
        .await
        .unwrap();
    let e = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    for part in [
        "PostgreSQL 18",
        "PostgreSQL 15",
        "virtual generated",
        "doubled",
    ] {
        assert!(e.message.contains(part), "{part}: {e:?}");
    }
    assert_eq!(sum_totals(&dst.connect(&root).await.unwrap()).await, before);
    assert_eq!(tmp_databases(dst).await, 0);
    assert_eq!(copy_sessions(src, &db).await, 0);
    let list = grove.list_branches(&target(dst)).await.unwrap();
    assert!(!crate::branches::find(&list, &root).unwrap().undo_available);

    // Stored instead: copied, equal to the source.
    source
        .batch_execute(
            "ALTER TABLE orders DROP COLUMN doubled;
             ALTER TABLE orders ADD COLUMN doubled numeric GENERATED ALWAYS AS (total * 2) STORED",
        )
        .await
        .unwrap();
    grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap();
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(sum_totals(&copy).await, sum_totals(&source).await);
    let doubled = "SELECT sum(doubled)::text FROM orders";
    let (a, b): (String, String) = (
        copy.query_one(doubled, &[]).await.unwrap().get(0),
        source.query_one(doubled, &[]).await.unwrap().get(0),
    );
    assert_eq!(a, b);
}

/// Runs `sql` on `db` of `src` as its superuser, from a thread of its own: usable inside a
/// progress callback, which must not wait on the runtime it is called from.
fn run_now(src: &'static LocalPg, db: &str, sql: String) {
    let db = db.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            src.connect(&db)
                .await
                .unwrap()
                .batch_execute(&sql)
                .await
                .unwrap();
        })
    })
    .join()
    .unwrap();
}

/// The source's password wrong before a copy, changed as a copy begins (its workers cannot
/// log in), and the source's sessions gone while rows stream: each a clear error, the old
/// root intact, nothing left on either server, the failure recorded with the source.
#[tokio::test]
async fn source_password_and_reachability_faults_before_and_during_a_copy() {
    use crate::sources::{sum_totals, SEED};
    use grove_core::ident::{quote_ident, quote_literal};
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let role = format!("faults_pw_{}", harness::uuid_like());
    let pw = "first pass word";
    harness::create_role(src, &role, pw).await;
    let (db, s) = fresh_db(src).await;
    s.batch_execute(&format!(
        "ALTER DATABASE {d} OWNER TO {r}; SET ROLE {r}; {SEED}
         CREATE FUNCTION gate() RETURNS boolean LANGUAGE plpgsql AS
             $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN true; END $$;",
        d = quote_ident(&db),
        r = quote_ident(&role)
    ))
    .await
    .unwrap();
    close(src, s).await;
    let grove = Grove::open(Paths::at(harness::scratch_dir("faults-pw").join("state")))
        .await
        .unwrap();
    let conn = unique("pw-source");
    let mut fields = src.fields(&db);
    fields.user = role.clone();
    let draft = |password: &str| ConnectionDraft {
        name: conn.clone(),
        fields: fields.clone(),
        password: Some(password.to_string()),
    };
    let saved = grove.save_connection(None, draft(pw)).await.unwrap();
    let root = unique("prod");
    grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    let before = sum_totals(&dst.connect(&root).await.unwrap()).await;
    let nothing_left = async |e: &grove_core::ApiError| {
        assert!(e.message.contains(&root), "the error names the root: {e:?}");
        assert_eq!(sum_totals(&dst.connect(&root).await.unwrap()).await, before);
        assert_eq!(tmp_databases(dst).await, 0);
        assert_eq!(copy_sessions(src, &db).await, 0);
        let list = grove.list_branches(&target(dst)).await.unwrap();
        assert!(!crate::branches::find(&list, &root).unwrap().undo_available);
        let at = BranchRef {
            server: target(dst),
            name: root.clone(),
        };
        let last = grove.show_source(at).await.unwrap().last_refresh.unwrap();
        assert_eq!(last.outcome, "failed");
    };

    // Wrong before anything is copied.
    grove
        .save_connection(Some(&saved.id), draft("not the password"))
        .await
        .unwrap();
    let e = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    nothing_left(&e).await;
    grove
        .save_connection(Some(&saved.id), draft(pw))
        .await
        .unwrap();

    // Changed on the source once the copy's first session is in: its workers are refused,
    // after the new database was created.
    let change = format!(
        "ALTER ROLE {} PASSWORD {}",
        quote_ident(&role),
        quote_literal("second pass word")
    );
    let changed = Mutex::new(false);
    let progress = |p: grove_core::branch::Progress| {
        let locking = p
            .detail
            .is_some_and(|d| d.starts_with("locking the tables"));
        let mut done = changed.lock().unwrap();
        if locking && !*done {
            run_now(src, "postgres", change.clone());
            *done = true;
        }
    };
    let hooked = grove_core::api::OpContext {
        client: "tests",
        progress: &progress,
        cancel: grove_core::branch::Cancel::new(),
    };
    let e = grove
        .refresh_source(refresh(dst, &root), &hooked)
        .await
        .unwrap_err();
    assert!(*changed.lock().unwrap());
    assert_eq!(e.code, ErrorCode::AuthFailed, "{e:?}");
    nothing_left(&e).await;
    harness::create_role(src, &role, pw).await;

    // The source's sessions end while rows stream (a source server going away): the rows of
    // `orders` wait on a lock the test holds until it has terminated them.
    let cat = dst.connect("grove_catalog").await.unwrap();
    cat.execute(
        "UPDATE sources SET filters = '[[\"orders\", \"gate()\"]]'::jsonb
          WHERE root_id = (SELECT id FROM branches WHERE name = $1)",
        &[&root],
    )
    .await
    .unwrap();
    let gate = src.connect(&db).await.unwrap();
    gate.batch_execute("SELECT pg_advisory_lock(4242)")
        .await
        .unwrap();
    let watch = src.connect("postgres").await.unwrap();
    let cut = async {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let waiting: i64 = watch
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1
                        AND application_name = $2 AND wait_event = 'advisory'",
                    &[&db, &grove_core::copy::APP],
                )
                .await
                .unwrap()
                .get(0);
            if waiting > 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no copy reached the rows"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        watch
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                  WHERE datname = $1 AND application_name = $2",
                &[&db, &grove_core::copy::APP],
            )
            .await
            .unwrap();
    };
    let quiet = ctx();
    let (r, ()) = tokio::join!(grove.refresh_source(refresh(dst, &root), &quiet), cut);
    let e = r.unwrap_err();
    assert!(
        e.message.contains("terminating connection"),
        "the source's own words: {e:?}"
    );
    nothing_left(&e).await;
    gate.batch_execute("SELECT pg_advisory_unlock(4242)")
        .await
        .unwrap();
    let info = grove
        .refresh_source(refresh(dst, &root), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().outcome, "ok");
}

/// Extensions the source uses that the target server cannot create, both ways between 15 and
/// 18: named in the error before anything is created; a refresh keeps the old root.
#[tokio::test]
async fn source_extensions_the_target_lacks_are_named_and_nothing_moves() {
    use crate::sources::sum_totals;
    let (pg15, pg18) = (harness::server(15).await, harness::server(18).await);
    // old_snapshot left PostgreSQL after 16; pg_logicalinspect came with 18.
    for (src, dst, ext) in [
        (pg15, pg18, "old_snapshot"),
        (pg18, pg15, "pg_logicalinspect"),
    ] {
        let (grove, conn, db) = setup(&format!("faults-ext-{ext}"), src).await;
        let root = unique("prod");
        grove
            .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
            .await
            .unwrap();
        let before = sum_totals(&dst.connect(&root).await.unwrap()).await;
        let s = src.connect(&db).await.unwrap();
        s.batch_execute(&format!("CREATE EXTENSION {ext}"))
            .await
            .unwrap();
        close(src, s).await;
        let e = grove
            .refresh_source(refresh(dst, &root), &ctx())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
        assert!(e.message.contains(&format!("extension(s) {ext} ")), "{e:?}");
        assert_eq!(sum_totals(&dst.connect(&root).await.unwrap()).await, before);
        let other = unique("prod2");
        let e = grove
            .add_source(add(&other, dst, &conn, TableSelection::default()), &ctx())
            .await
            .unwrap_err();
        assert!(e.message.contains(ext), "{e:?}");
        assert!(!database_exists(dst, &other).await);
        assert_eq!(tmp_databases(dst).await, 0);
        assert_eq!(copy_sessions(src, &db).await, 0);
    }
}
