//! Sources: root branches synced from a database in another cluster (PostgreSQL 15 → 18 and
//! 18 → 15), reached through a saved connection whose password is in the real keychain.
//! Subsets and row filters, foreign keys a selection would break, refresh with undo, a source
//! that fails mid-refresh or cannot be reached, schedules and `--due`, and the CLI.
use crate::branches::{cli, close, database_exists, ok_json, unique};
use crate::harness::{self, fresh_db};
use grove_core::api::{AddSource, BranchRef, OpContext, RefreshSource, ResetBranch};
use grove_core::branch::OnBusy;
use grove_core::conn::Session;
use grove_core::copy::{TableSelection, APP};
use grove_core::local_pg::LocalPg;
use grove_core::paths::Paths;
use grove_core::{ConnectionDraft, ErrorCode, Grove, ServerRef};

pub(crate) const SEED: &str = "
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, region text NOT NULL);
    CREATE TABLE orders (
        id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
        placed_at date NOT NULL, total numeric(10, 2));
    CREATE INDEX orders_placed ON orders (placed_at);
    CREATE TABLE audit_log (id bigserial PRIMARY KEY, msg text);
    CREATE TABLE settings (k text PRIMARY KEY, v text);
    CREATE VIEW eu_customers AS SELECT id, name FROM customers WHERE region = 'eu';
    INSERT INTO customers (name, region)
        SELECT 'c' || g, CASE WHEN g % 3 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 300) g;
    INSERT INTO orders (customer_id, placed_at, total)
        SELECT 1 + g % 300, date '2024-01-01' + g % 365, g FROM generate_series(1, 3000) g;
    INSERT INTO audit_log (msg) SELECT 'm' || g FROM generate_series(1, 500) g;
    INSERT INTO settings VALUES ('a', '1'), ('b', '2');";

/// Grove's server for the roots (a URL with its password, as `--server` takes it).
pub(crate) fn target(pg: &LocalPg) -> ServerRef {
    ServerRef::Url(pg.uri("postgres"))
}

/// A Grove with a saved connection (password in the keychain) to a seeded database on `src`.
pub(crate) async fn setup(name: &str, src: &LocalPg) -> (Grove, String, String) {
    let grove = Grove::open(Paths::at(harness::scratch_dir(name).join("state")))
        .await
        .unwrap();
    let (db, s) = fresh_db(src).await;
    s.batch_execute(SEED).await.unwrap();
    close(src, s).await;
    let conn = unique("source");
    let draft = ConnectionDraft {
        name: conn.clone(),
        fields: src.fields(&db),
        password: Some(src.password().to_string()),
    };
    grove.save_connection(None, draft).await.unwrap();
    (grove, conn, db)
}

pub(crate) fn add(root: &str, at: &LocalPg, from: &str, selection: TableSelection) -> AddSource {
    AddSource {
        server: target(at),
        root: root.into(),
        from: from.into(),
        database: None,
        selection,
        every: None,
    }
}

pub(crate) fn ctx() -> OpContext<'static> {
    OpContext::quiet("tests")
}

pub(crate) async fn count(s: &Session, sql: &str) -> i64 {
    s.query_one(&format!("SELECT count(*) FROM ({sql}) x"), &[])
        .await
        .unwrap()
        .get(0)
}

/// Grove's temporary databases on `pg`, counted while holding Grove's operation lock (no
/// operation of a parallel test is half way then).
pub(crate) async fn tmp_databases(pg: &LocalPg) -> i64 {
    let s = pg.connect("grove_catalog").await.unwrap();
    s.batch_execute("SELECT pg_advisory_lock(29117745654464513)")
        .await
        .unwrap();
    let n = count(
        &s,
        "SELECT 1 FROM pg_database WHERE datname LIKE 'grove\\_tmp\\_%'",
    )
    .await;
    s.batch_execute("SELECT pg_advisory_unlock(29117745654464513)")
        .await
        .unwrap();
    n
}

/// Sessions the copy left on the source database.
pub(crate) async fn copy_sessions(pg: &LocalPg, db: &str) -> i64 {
    let s = pg.connect("postgres").await.unwrap();
    let sql = format!(
        "SELECT 1 FROM pg_stat_activity WHERE datname = {} AND application_name = {}",
        grove_core::ident::quote_literal(db),
        grove_core::ident::quote_literal(APP)
    );
    for _ in 0..50 {
        if count(&s, &sql).await == 0 {
            return 0;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    count(&s, &sql).await
}

pub(crate) async fn sum_totals(s: &Session) -> String {
    s.query_one(
        "SELECT count(*)::text || '/' || sum(total)::text FROM orders",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

#[tokio::test]
async fn sources_add_from_another_cluster_then_refresh_keeps_the_old_version_as_undo() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let (grove, conn, db) = setup("sources-refresh", src).await;
    let root = unique("prod");
    let info = grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    assert_eq!(info.root, root);
    assert_eq!(info.spec.database, db);
    let last = info.last_refresh.clone().unwrap();
    assert_eq!(last.outcome, "ok");
    assert_eq!(last.rows, Some(300 + 3000 + 500 + 2));
    assert!(last.size_bytes.unwrap() > 0 && last.duration_ms.is_some());
    assert!(info.next_due_at.is_none(), "no schedule, nothing due");

    let source = src.connect(&db).await.unwrap();
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(sum_totals(&copy).await, sum_totals(&source).await);
    assert_eq!(count(&copy, "SELECT * FROM eu_customers").await, 100);
    // The sequences continue where the source's are.
    let seq = "SELECT last_value FROM orders_id_seq";
    let (a, b): (i32, i32) = (
        copy.query_one(seq, &[]).await.unwrap().get::<_, i64>(0) as i32,
        source.query_one(seq, &[]).await.unwrap().get::<_, i64>(0) as i32,
    );
    assert_eq!(a, b);
    drop(copy);

    // No password anywhere in Grove's catalog.
    let cat = dst.connect("grove_catalog").await.unwrap();
    let row: String = cat
        .query_one(
            "SELECT to_jsonb(s)::text FROM sources s JOIN branches b ON b.id = s.root_id
              WHERE b.name = $1",
            &[&root],
        )
        .await
        .unwrap()
        .get(0);
    assert!(!row.contains(src.password()), "{row}");

    // A child of the root, then new rows on the source, then a refresh.
    let child = unique("dev");
    let br = grove.branch_engine(&target(dst)).await.unwrap();
    let no = grove_core::branch::no_progress();
    br.create(&child, &root, false, OnBusy::Fail, no)
        .await
        .unwrap();
    source
        .batch_execute(
            "INSERT INTO orders (customer_id, placed_at, total)
                 SELECT 1, date '2025-01-01', 1 FROM generate_series(1, 25)",
        )
        .await
        .unwrap();
    let req = RefreshSource {
        server: target(dst),
        root: root.clone(),
        on_busy: OnBusy::Fail,
    };
    let refreshed = grove.refresh_source(req, &ctx()).await.unwrap();
    let last = refreshed.last_refresh.unwrap();
    assert_eq!((last.outcome.as_str(), last.rows), ("ok", Some(3827)));
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(count(&copy, "SELECT * FROM orders").await, 3025);
    assert_eq!(sum_totals(&copy).await, sum_totals(&source).await);
    drop(copy);
    let kid = dst.connect(&child).await.unwrap();
    assert_eq!(
        count(&kid, "SELECT * FROM orders").await,
        3000,
        "child untouched"
    );
    drop(kid);

    // The previous version is an undoable snapshot.
    let root_branch = crate::branches::find(&br.list().await.unwrap(), &root)
        .cloned()
        .unwrap();
    assert!(root_branch.undo_available && root_branch.is_root);
    let undo = ResetBranch {
        server: target(dst),
        name: root.clone(),
        on_busy: OnBusy::Fail,
        online: false,
    };
    grove.undo_reset(undo, &ctx()).await.unwrap();
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(count(&copy, "SELECT * FROM orders").await, 3000);
    drop(copy);

    // Unlinking keeps the root.
    let at = BranchRef {
        server: target(dst),
        name: root.clone(),
    };
    grove.remove_source(at.clone()).await.unwrap();
    assert!(database_exists(dst, &root).await);
    let e = grove.show_source(at).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    assert_eq!(copy_sessions(src, &db).await, 0);
}

#[tokio::test]
async fn sources_subsets_and_filters_give_exactly_the_rows_asked_for() {
    // 18 → 15: the other direction across versions.
    let (src, dst) = (harness::server(18).await, harness::server(15).await);
    let (grove, conn, db) = setup("sources-subsets", src).await;
    let source = src.connect(&db).await.unwrap();
    source
        .batch_execute(
            "CREATE TABLE metrics (at date NOT NULL, v int) PARTITION BY RANGE (at);
             CREATE TABLE metrics_2024 PARTITION OF metrics
                 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
             CREATE TABLE metrics_2025 PARTITION OF metrics
                 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
             INSERT INTO metrics SELECT date '2024-06-01' + g, g FROM generate_series(0, 399) g;",
        )
        .await
        .unwrap();
    let root = unique("subset");
    let sel = TableSelection {
        exclude: vec!["audit_log".into()],
        schema_only: vec!["public.settings".into()],
        filters: vec![
            ("orders".into(), "placed_at >= date '2024-07-01'".into()),
            // On a partitioned table: applies to every partition.
            ("metrics".into(), "v % 2 = 0".into()),
        ],
        ..Default::default()
    };
    grove
        .add_source(add(&root, dst, &conn, sel), &ctx())
        .await
        .unwrap();
    let copy = dst.connect(&root).await.unwrap();
    let want = count(
        &source,
        "SELECT * FROM orders WHERE placed_at >= date '2024-07-01'",
    )
    .await;
    assert!(want > 0 && want < 3000);
    assert_eq!(count(&copy, "SELECT * FROM orders").await, want);
    assert_eq!(
        count(
            &copy,
            "SELECT * FROM orders WHERE placed_at < date '2024-07-01'"
        )
        .await,
        0
    );
    assert_eq!(count(&copy, "SELECT * FROM customers").await, 300);
    assert_eq!(count(&copy, "SELECT * FROM settings").await, 0);
    assert_eq!(count(&copy, "SELECT * FROM metrics").await, 200);
    let even_2025 = "SELECT * FROM metrics_2025 WHERE v % 2 = 0";
    assert_eq!(
        count(&copy, "SELECT * FROM metrics_2025").await,
        count(&source, even_2025).await
    );
    let gone: bool = copy
        .query_one(
            "SELECT to_regclass('audit_log') IS NULL AND to_regclass('audit_log_id_seq') IS NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(gone, "the excluded table and its sequence are not copied");
    // The foreign key and indexes came along.
    copy.batch_execute("INSERT INTO orders (customer_id, placed_at) VALUES (99999, now())")
        .await
        .expect_err("the foreign key is there");
    drop(copy);

    // An include list: only those tables (the view on customers comes along).
    let only = unique("only");
    let sel = TableSelection {
        include: vec!["customers".into()],
        ..Default::default()
    };
    grove
        .add_source(add(&only, dst, &conn, sel), &ctx())
        .await
        .unwrap();
    let copy = dst.connect(&only).await.unwrap();
    let tables = count(&copy, "SELECT 1 FROM pg_tables WHERE schemaname = 'public'").await;
    assert_eq!(tables, 1, "not metrics nor its partitions either");
    assert_eq!(count(&copy, "SELECT * FROM eu_customers").await, 100);
    drop(copy);

    // Selections that break a foreign key are refused, naming it, before anything moves.
    for sel in [
        TableSelection {
            filters: vec![("customers".into(), "region = 'eu'".into())],
            ..Default::default()
        },
        TableSelection {
            exclude: vec!["customers".into()],
            ..Default::default()
        },
        TableSelection {
            include: vec!["orders".into()],
            ..Default::default()
        },
    ] {
        let name = unique("broken");
        let e = grove
            .add_source(add(&name, dst, &conn, sel.clone()), &ctx())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{sel:?}: {e:?}");
        assert!(e.message.contains("orders_customer_id_fkey"), "{e:?}");
        assert!(!database_exists(dst, &name).await);
    }
    // A table that does not exist, and a view that depends on an excluded table.
    let sel = TableSelection {
        exclude: vec!["nope".into()],
        ..Default::default()
    };
    let e = grove
        .add_source(add(&unique("x"), dst, &conn, sel), &ctx())
        .await
        .unwrap_err();
    assert!(e.message.contains("\"nope\""), "{e:?}");
    let sel = TableSelection {
        exclude: vec!["orders".into(), "customers".into()],
        ..Default::default()
    };
    let e = grove
        .add_source(add(&unique("x"), dst, &conn, sel), &ctx())
        .await
        .unwrap_err();
    assert!(e.message.contains("eu_customers"), "{e:?}");
    assert_eq!(tmp_databases(dst).await, 0);
    assert_eq!(copy_sessions(src, &db).await, 0);
}

#[tokio::test]
async fn sources_refresh_that_fails_keeps_the_old_root_and_leaves_nothing_behind() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let (grove, conn, db) = setup("sources-fail", src).await;
    let root = unique("prod");
    grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    let before = sum_totals(&dst.connect(&root).await.unwrap()).await;
    let refresh = || RefreshSource {
        server: target(dst),
        root: root.clone(),
        on_busy: OnBusy::Fail,
    };

    // Mid-copy: a filter that fails on the source once the new database exists.
    let cat = dst.connect("grove_catalog").await.unwrap();
    let set_filters = |f: &'static str| {
        let (cat, root) = (&cat, root.clone());
        async move {
            cat.execute(
                "UPDATE sources SET filters = $2::text::jsonb
                  WHERE root_id = (SELECT id FROM branches WHERE name = $1)",
                &[&root, &f],
            )
            .await
            .unwrap();
        }
    };
    set_filters(r#"[["orders", "1 / (id - 1500) > -100"]]"#).await;
    let e = grove.refresh_source(refresh(), &ctx()).await.unwrap_err();
    assert!(e.message.contains("division by zero"), "{e:?}");
    assert!(e.message.contains(&root), "the error names the root: {e:?}");
    set_filters("[]").await;

    // The source's server is gone: the saved connection now points at a closed port.
    let c = grove.find_connection(&conn).await.unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let draft = ConnectionDraft {
        name: conn.clone(),
        fields: grove_core::conn::ConnectionFields { port, ..c.fields },
        password: None,
    };
    grove.save_connection(Some(&c.id), draft).await.unwrap();
    let e = grove.refresh_source(refresh(), &ctx()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    assert!(e.message.contains(&root), "{e:?}");

    // The old root is intact, the failure recorded, nothing left behind.
    assert_eq!(sum_totals(&dst.connect(&root).await.unwrap()).await, before);
    let at = BranchRef {
        server: target(dst),
        name: root.clone(),
    };
    let info = grove.show_source(at).await.unwrap();
    let last = info.last_refresh.unwrap();
    assert_eq!(last.outcome, "failed");
    assert!(last.error.is_some() && last.finished_at.is_some());
    assert_eq!(tmp_databases(dst).await, 0);
    assert_eq!(copy_sessions(src, &db).await, 0);
    let undo = crate::branches::find(&grove.list_branches(&target(dst)).await.unwrap(), &root)
        .unwrap()
        .undo_available;
    assert!(!undo, "a failed refresh leaves no snapshot");

    // The saved connection is gone from this machine: said so, and recorded.
    grove.remove_connection(&c.id).await.unwrap();
    let e = grove.refresh_source(refresh(), &ctx()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
    assert!(e.message.contains("which this machine lacks"), "{e:?}");
    let at = BranchRef {
        server: target(dst),
        name: root.clone(),
    };
    let last = grove.show_source(at).await.unwrap().last_refresh.unwrap();
    assert!(last.error.unwrap().contains("lacks"));
}

#[tokio::test]
async fn sources_refresh_due_refreshes_only_due_sources() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let (grove, conn, db) = setup("sources-due", src).await;
    let (due, later) = (unique("due"), unique("later"));
    for root in [&due, &later] {
        let mut req = add(root, dst, &conn, TableSelection::default());
        req.every = Some("6h".into());
        let info = grove.add_source(req, &ctx()).await.unwrap();
        assert_eq!(info.spec.schedule.unwrap().to_string(), "6h");
        assert!(info.next_due_at.is_some());
    }
    let mut bad = add(&unique("bad"), dst, &conn, TableSelection::default());
    bad.every = Some("weekly".into());
    let e = grove.add_source(bad, &ctx()).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);

    let cat = dst.connect("grove_catalog").await.unwrap();
    cat.execute(
        "UPDATE sources SET next_due_at = now() - interval '1 minute'
          WHERE root_id = (SELECT id FROM branches WHERE name = $1)",
        &[&due],
    )
    .await
    .unwrap();
    let done = grove
        .refresh_due_sources(&target(dst), &ctx())
        .await
        .unwrap();
    let roots: Vec<&str> = done.iter().map(|o| o.root.as_str()).collect();
    assert_eq!(roots, [due.as_str()], "{done:?}");
    assert!(done[0].ok);
    let next = done[0]
        .source
        .as_ref()
        .unwrap()
        .next_due_at
        .clone()
        .unwrap();
    let later_on: bool = cat
        .query_one(
            "SELECT $1::text::timestamptz > now() + interval '5 hours'",
            &[&next],
        )
        .await
        .unwrap()
        .get(0);
    assert!(later_on, "next due {next}");
    let again = grove
        .refresh_due_sources(&target(dst), &ctx())
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    // Checked again under the operation lock: a source refreshed meanwhile is skipped.
    let list = grove.branch_engine(&target(dst)).await.unwrap();
    let from = grove_core::copy::Endpoint {
        fields: src.fields(&db),
        password: Some(src.password().to_string()),
    };
    let no = grove_core::branch::no_progress();
    let skipped = list.refresh_synced_root_if_due(&due, from, no).await;
    assert!(skipped.unwrap().is_none());
    let branches = list.list().await.unwrap();
    let undo = |n: &str| crate::branches::find(&branches, n).unwrap().undo_available;
    assert!(undo(&due) && !undo(&later));
}

#[tokio::test]
async fn sources_from_the_cli() {
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let data = harness::scratch_dir("sources-cli");
    let (db, s) = fresh_db(src).await;
    s.batch_execute(SEED).await.unwrap();
    close(src, s).await;
    let server = dst.uri("postgres");
    let run = async |args: &[&str]| cli(&data, &server, None, args).await;
    let conn = unique("cli-source");
    ok_json(&run(&["--json", "server", "add", &conn, &src.uri("postgres")]).await);

    // A URL with a password is refused: passwords live in the keychain only.
    let root = unique("cli-prod");
    let out = run(&["--json", "source", "add", &root, "--from", &src.uri(&db)]).await;
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("password"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(src.password()));

    let added = ok_json(
        &run(&[
            "--json",
            "source",
            "add",
            &root,
            "--from",
            &conn,
            "--database",
            &db,
            "--exclude-tables",
            "audit_log",
            "--where",
            "orders:total > 2000",
            "--every",
            "daily@02:00",
        ])
        .await,
    );
    assert_eq!(added["root"], root.as_str());
    assert_eq!(added["schedule"], "daily@02:00");
    assert_eq!(added["from"]["kind"], "connection");
    assert_eq!(added["last_refresh"]["outcome"], "ok");
    assert_eq!(added["last_refresh"]["rows"], 300 + 1000 + 2);
    let shown = ok_json(&run(&["--json", "source", "show", &root]).await);
    assert_eq!(shown["selection"]["filters"][0][1], "total > 2000");
    assert!(shown["next_due_at"].is_string());
    let tree = run(&["branch", "list"]).await;
    let tree = String::from_utf8_lossy(&tree.stdout).to_string();
    let line = tree.lines().find(|l| l.starts_with(&root)).unwrap();
    assert!(
        line.contains(&format!("← connection \"{conn}\", last refresh ok")),
        "{line}"
    );
    let text = run(&["source", "show", &root]).await;
    assert!(String::from_utf8_lossy(&text.stdout).contains("schedule: daily@02:00"));

    let due = ok_json(&run(&["--json", "source", "refresh", "--due"]).await);
    assert!(
        !due.as_array()
            .unwrap()
            .iter()
            .any(|o| o["root"] == root.as_str()),
        "not due yet: {due}"
    );

    // Grove killed just before the swap commits: the root is as it was; the next operation
    // drops the half-built copy and records the refresh as failed.
    let source = src.connect(&db).await.unwrap();
    source
        .batch_execute("INSERT INTO orders (customer_id, placed_at, total) VALUES (1, now(), 5000)")
        .await
        .unwrap();
    let orders = async || count(&dst.connect(&root).await.unwrap(), "SELECT * FROM orders").await;
    let fault = Some("source-refresh:before-commit");
    let killed = cli(&data, &server, fault, &["source", "refresh", &root]).await;
    assert!(!killed.status.success());
    assert_eq!(orders().await, 1000);
    // (Any operation on the server repairs: a parallel test's may have come first.)
    ok_json(&run(&["--json", "branch", "housekeeping"]).await);
    assert_eq!(tmp_databases(dst).await, 0);
    let shown = ok_json(&run(&["--json", "source", "show", &root]).await);
    assert_eq!(shown["last_refresh"]["outcome"], "failed");
    assert!(shown["last_refresh"]["error"]
        .as_str()
        .unwrap()
        .contains("interrupted"));

    let refreshed = ok_json(&run(&["--json", "source", "refresh", &root]).await);
    assert_eq!(refreshed["last_refresh"]["outcome"], "ok");
    assert_eq!(orders().await, 1001);
    let removed = ok_json(&run(&["--json", "source", "remove", &root]).await);
    assert_eq!(removed["root"], root.as_str());
    let out = run(&["--json", "source", "show", &root]).await;
    assert!(!out.status.success());
    assert!(database_exists(dst, &root).await);
}

#[tokio::test]
async fn sources_over_tls_verify_full_with_a_throwaway_ca() {
    let (src, certs) = crate::tls::tls_server("sources-tls-server").await;
    let dst = harness::server(15).await;
    let grove = Grove::open(Paths::at(harness::scratch_dir("sources-tls").join("state")))
        .await
        .unwrap();
    let (db, s) = fresh_db(&src).await;
    s.batch_execute(SEED).await.unwrap();
    close(&src, s).await;

    let mut fields = src.fields(&db);
    fields.host = "localhost".into();
    fields.sslmode = grove_core::conn::SslMode::VerifyFull;
    fields.sslrootcert = Some(certs.join("other.pem").display().to_string());
    let conn = unique("tls-source");
    let draft = |fields| ConnectionDraft {
        name: conn.clone(),
        fields,
        password: Some(src.password().to_string()),
    };
    let saved = grove
        .save_connection(None, draft(fields.clone()))
        .await
        .unwrap();

    // A certificate from a CA the connection does not trust: refused, nothing created.
    let root = unique("tls-root");
    let e = grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Tls, "{e:?}");
    assert!(!database_exists(dst, &root).await);

    fields.sslrootcert = Some(certs.join("ca.pem").display().to_string());
    grove
        .save_connection(Some(&saved.id), draft(fields))
        .await
        .unwrap();
    let info = grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    assert_eq!(info.last_refresh.unwrap().outcome, "ok");
    let copy = dst.connect(&root).await.unwrap();
    let source = src.connect(&db).await.unwrap();
    assert_eq!(sum_totals(&copy).await, sum_totals(&source).await);
    drop((copy, source));
    src.stop().await.unwrap();
}

#[tokio::test]
async fn sources_add_and_refresh_under_write_load_are_consistent() {
    use crate::online_copy::{assert_bank_consistent, Transfers, BANK};
    use std::sync::atomic::Ordering;
    let (src, dst) = (harness::server(15).await, harness::server(18).await);
    let grove = Grove::open(Paths::at(
        harness::scratch_dir("sources-load").join("state"),
    ))
    .await
    .unwrap();
    let (db, s) = fresh_db(src).await;
    s.batch_execute(BANK).await.unwrap();
    close(src, s).await;
    let conn = unique("bank");
    let draft = ConnectionDraft {
        name: conn.clone(),
        fields: src.fields(&db),
        password: Some(src.password().to_string()),
    };
    grove.save_connection(None, draft).await.unwrap();

    // Transfers between accounts all along: the total stays, every balance matches them.
    let load = Transfers::start(src.connect(&db).await.unwrap());
    let writes = load.writes.clone();
    let root = unique("bank");
    grove
        .add_source(add(&root, dst, &conn, TableSelection::default()), &ctx())
        .await
        .unwrap();
    let after_add = writes.load(Ordering::Relaxed);
    let copy = dst.connect(&root).await.unwrap();
    assert_bank_consistent(&copy).await;
    let first = count(&copy, "SELECT * FROM transfers").await;
    drop(copy);
    let req = RefreshSource {
        server: target(dst),
        root: root.clone(),
        on_busy: OnBusy::Fail,
    };
    grove.refresh_source(req, &ctx()).await.unwrap();
    load.stop().await;
    let copy = dst.connect(&root).await.unwrap();
    assert_bank_consistent(&copy).await;
    let second = count(&copy, "SELECT * FROM transfers").await;
    assert!(after_add > 0, "the load ran during the copy");
    assert!(
        second > first,
        "the refresh has the newer transfers ({first} → {second})"
    );
    drop(copy);
    let at = BranchRef {
        server: target(dst),
        name: root.clone(),
    };
    let last = grove.show_source(at).await.unwrap().last_refresh.unwrap();
    eprintln!(
        "refresh of a {:.1} MB database ({} rows) from PostgreSQL 15 to 18 under a write load: {} ms",
        last.size_bytes.unwrap() as f64 / 1e6,
        last.rows.unwrap(),
        last.duration_ms.unwrap()
    );

    // Cancelled while the rows stream: the root stays, nothing is left on either server.
    let cancel = grove_core::branch::Cancel::new();
    let on_rows = cancel.clone();
    let progress = move |p: grove_core::branch::Progress| {
        if p.detail.is_some_and(|d| d.starts_with("copying rows")) {
            on_rows.cancel();
        }
    };
    let ctx = OpContext {
        client: "tests",
        progress: &progress,
        cancel,
    };
    let req = RefreshSource {
        server: target(dst),
        root: root.clone(),
        on_busy: OnBusy::Fail,
    };
    let e = grove.refresh_source(req, &ctx).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled, "{e:?}");
    let copy = dst.connect(&root).await.unwrap();
    assert_eq!(count(&copy, "SELECT * FROM transfers").await, second);
    assert_eq!(tmp_databases(dst).await, 0);
    assert_eq!(copy_sessions(src, &db).await, 0);
}
