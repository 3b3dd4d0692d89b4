//! The branch engine against real PostgreSQL 15 and 18: copies, resets, deletes, hostile
//! names, blocking sessions, crash safety (killed Grove, killed server) and concurrency.
//! Tests on the shared servers use unique names; tests that check the whole server (faults,
//! concurrency) get a server of their own.
use crate::for_each_version;
use crate::harness::{self, fresh_db};
use grove_core::branch::{no_progress, Branch, Branches, Cancel, OnBusy, Progress, FAULT_STEPS};
use grove_core::conn::Session;
use grove_core::local_pg::LocalPg;
use grove_core::ErrorCode;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) fn engine(pg: &LocalPg) -> Branches {
    Branches::new(pg.fields("postgres"), Some(pg.password().to_string())).with_client("tests")
}

/// A branch name unique across tests and runs.
pub(crate) fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", harness::uuid_like())
}

const SEED: &str = "
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text UNIQUE);
    CREATE TABLE orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer_id int REFERENCES customers (id),
        total numeric(10, 2),
        placed_at timestamptz DEFAULT '2024-01-01');
    CREATE INDEX orders_customer ON orders (customer_id);
    CREATE SEQUENCE invoice_no START 1000;
    CREATE TABLE invoices (no int DEFAULT nextval('invoice_no'), order_id bigint REFERENCES orders (id));
    CREATE VIEW customer_totals AS
        SELECT c.name, sum(o.total) AS total FROM customers c JOIN orders o ON o.customer_id = c.id
         GROUP BY c.name;
    INSERT INTO customers (name, email) SELECT 'c' || g, 'c' || g || '@x' FROM generate_series(1, 200) g;
    INSERT INTO orders (customer_id, total) SELECT 1 + g % 200, g * 1.5 FROM generate_series(1, 1000) g;
    INSERT INTO invoices (order_id) SELECT id FROM orders WHERE id % 3 = 0;";

const TABLES: [&str; 4] = ["customers", "orders", "invoices", "customer_totals"];

/// A fresh database with the seed schema and rows, imported as a root branch (no session
/// left open on it).
pub(crate) async fn seeded_root(pg: &LocalPg, br: &Branches) -> String {
    let (db, s) = fresh_db(pg).await;
    s.batch_execute(SEED).await.unwrap();
    close(pg, s).await;
    br.import(&db, None, no_progress()).await.unwrap();
    db
}

/// Closes a session and waits until its backend is gone.
pub(crate) async fn close(pg: &LocalPg, s: Session) {
    let pid: i32 = s
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    drop(s);
    let admin = pg.connect("postgres").await.unwrap();
    for _ in 0..100 {
        let alive: bool = admin
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = $1)",
                &[&pid],
            )
            .await
            .unwrap()
            .get(0);
        if !alive {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("backend {pid} did not exit");
}

/// Per-table md5 of all rows (and of the view's rows).
pub(crate) async fn checksums(pg: &LocalPg, db: &str) -> BTreeMap<String, String> {
    let s = pg.connect(db).await.unwrap();
    let mut out = BTreeMap::new();
    for t in TABLES {
        let sql = format!(
            "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), 'empty') FROM {t} t"
        );
        out.insert(
            t.to_string(),
            s.query_one(&sql, &[]).await.unwrap().get::<_, String>(0),
        );
    }
    out
}

async fn count(pg: &LocalPg, db: &str, table: &str) -> i64 {
    let s = pg.connect(db).await.unwrap();
    s.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

/// Columns, defaults, indexes, views and sequences, in a stable order.
pub(crate) async fn schema(pg: &LocalPg, db: &str) -> String {
    let s = pg.connect(db).await.unwrap();
    s.query_one(
        "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
             SELECT format('col %s.%s %s %s %s %s', table_name, column_name, data_type,
                           is_nullable, column_default, is_identity) AS x
               FROM information_schema.columns WHERE table_schema = 'public'
             UNION ALL SELECT 'idx ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
             UNION ALL SELECT format('view %s %s', viewname, definition) FROM pg_views WHERE schemaname = 'public'
             UNION ALL SELECT format('seq %s %s %s', sequence_name, start_value, increment)
               FROM information_schema.sequences WHERE sequence_schema = 'public') s",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

pub(crate) fn find<'a>(list: &'a [Branch], name: &str) -> Option<&'a Branch> {
    list.iter().find(|b| b.name == name)
}

pub(crate) async fn database_exists(pg: &LocalPg, name: &str) -> bool {
    let s = pg.connect("postgres").await.unwrap();
    s.query_one(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)",
        &[&name],
    )
    .await
    .unwrap()
    .get(0)
}

/// The whole server agrees with the catalog: every branch's database exists, every snapshot
/// row has its database and vice versa, no temporary or half-dropped databases. Only for
/// servers a test has to itself.
pub(crate) async fn assert_consistent(pg: &LocalPg) {
    let s = pg.connect("grove_catalog").await.unwrap();
    let rows = s
        .query(
            "SELECT datname::text, datconnlimit = -2 FROM pg_database",
            &[],
        )
        .await
        .unwrap();
    let invalid: Vec<String> = rows.iter().filter(|r| r.get(1)).map(|r| r.get(0)).collect();
    assert!(invalid.is_empty(), "half-dropped databases: {invalid:?}");
    let dbs: BTreeSet<String> = rows.iter().map(|r| r.get(0)).collect();
    let branches: BTreeSet<String> = s
        .query("SELECT name FROM branches", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let snapshots: BTreeSet<String> = s
        .query("SELECT db_name FROM snapshots", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let missing: Vec<&String> = branches.difference(&dbs).collect();
    assert!(
        missing.is_empty(),
        "branches without a database: {missing:?}"
    );
    let lost: Vec<&String> = snapshots.difference(&dbs).collect();
    assert!(lost.is_empty(), "snapshots without a database: {lost:?}");
    let tmp: Vec<&String> = dbs.iter().filter(|d| d.starts_with("grove_tmp_")).collect();
    assert!(tmp.is_empty(), "temporary databases left: {tmp:?}");
    let orphans: Vec<&String> = dbs
        .iter()
        .filter(|d| d.starts_with("grove_snap_") && !snapshots.contains(*d))
        .collect();
    assert!(
        orphans.is_empty(),
        "snapshot databases without a row: {orphans:?}"
    );
}

/// Collects progress reports.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Progress>>>);

impl Recorder {
    fn phases(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|p| p.phase.clone())
            .collect()
    }
}

#[tokio::test]
async fn children_are_real_copies_and_schema_only_children_are_empty() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let original = checksums(pg, &root).await;
        assert_eq!(count(pg, &root, "orders").await, 1000);

        let child = unique("dev/alex");
        let rec = Recorder::default();
        let sink = rec.clone();
        let report = move |p: Progress| sink.0.lock().unwrap().push(p);
        let b = br
            .create(&child, &root, false, OnBusy::Fail, &report)
            .await
            .unwrap();
        assert_eq!(b.parent.as_deref(), Some(root.as_str()));
        assert!(!b.is_root && !b.missing && !b.schema_only);
        assert!(b.created_by.contains("tests"), "{}", b.created_by);
        assert_eq!(
            b.parent_schema_fingerprint.as_ref().map(String::len),
            Some(32)
        );
        let phases = rec.phases();
        assert!(
            phases.contains(&"copying".to_string()) && phases.last().unwrap() == "done",
            "{phases:?}"
        );
        let copying = rec
            .0
            .lock()
            .unwrap()
            .iter()
            .find(|p| p.phase == "copying")
            .cloned()
            .unwrap();
        assert!(copying.bytes_total.unwrap() > 1_000_000, "{copying:?}");

        assert_eq!(
            checksums(pg, &child).await,
            original,
            "every table copied exactly"
        );
        assert_eq!(schema(pg, &child).await, schema(pg, &root).await);

        // Writes stay on their side.
        let c = pg.connect(&child).await.unwrap();
        c.batch_execute(
            "DELETE FROM invoices; INSERT INTO customers (name) VALUES ('only in child')",
        )
        .await
        .unwrap();
        close(pg, c).await;
        assert_eq!(checksums(pg, &root).await, original);
        let p = pg.connect(&root).await.unwrap();
        p.batch_execute("UPDATE orders SET total = 0 WHERE id = 1")
            .await
            .unwrap();
        close(pg, p).await;
        assert_eq!(count(pg, &child, "invoices").await, 0);
        let child_total: String = pg
            .connect(&child)
            .await
            .unwrap()
            .query_one("SELECT total::text FROM orders WHERE id = 1", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(child_total, "1.50");

        // Schema only: same schema, no rows, sequences back at their start.
        let empty = unique("schema-only");
        let b = br
            .create(&empty, &root, true, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert!(b.schema_only);
        assert_eq!(schema(pg, &empty).await, schema(pg, &root).await);
        for t in TABLES {
            assert_eq!(count(pg, &empty, t).await, 0, "{t} is empty");
        }
        let s = pg.connect(&empty).await.unwrap();
        let row = s
            .query_one(
                "SELECT nextval('invoice_no')::int, nextval('customers_id_seq')::int,
                        (SELECT count(*) FROM pg_sequences WHERE schemaname = 'public')::int",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(
            (row.get::<_, i32>(0), row.get::<_, i32>(1)),
            (1000, 1),
            "sequences restarted"
        );
        assert_eq!(row.get::<_, i32>(2), 3);
        s.batch_execute("INSERT INTO orders (total) VALUES (1)")
            .await
            .unwrap();
        let id: i64 = s
            .query_one("SELECT id FROM orders", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(id, 1, "identity restarted");
        close(pg, s).await;

        // Listing and URLs.
        let list = br.list().await.unwrap();
        let r = find(&list, &root).unwrap();
        assert!(r.is_root && r.parent.is_none() && r.size_bytes.unwrap() > 0);
        assert_eq!(
            find(&list, &child).unwrap().parent_id.as_deref(),
            Some(r.id.as_str())
        );
        let url = br.url(&child, false).await.unwrap();
        assert!(!url.contains(pg.password()), "{url}");
        let with_pw = br.url(&child, true).await.unwrap();
        let parsed = grove_core::conn::parse_connection_string(&with_pw).unwrap();
        assert_eq!(parsed.fields.database, child);
        grove_core::conn::connect(
            &parsed.fields,
            parsed.password.as_deref(),
            &Default::default(),
        )
        .await
        .unwrap();

        // Clear errors.
        let e = br
            .create(&child, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::AlreadyExists, "{e:?}");
        let e = br
            .create(
                &unique("x"),
                "no such parent",
                false,
                OnBusy::Fail,
                no_progress(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
        let e = br
            .create("postgres", &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
        let e = br.import(&root, None, no_progress()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::AlreadyExists, "{e:?}");
        let e = br
            .import("grove_catalog", Some("mine"), no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{e:?}");
    });
}

#[tokio::test]
async fn reset_matches_the_parent_and_undo_brings_the_old_state_back() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let child = unique("feature");
        br.create(&child, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        let c = pg.connect(&child).await.unwrap();
        c.batch_execute("DELETE FROM invoices; UPDATE customers SET name = upper(name); CREATE TABLE extra (x int)")
            .await
            .unwrap();
        close(pg, c).await;
        let edited = checksums(pg, &child).await;
        assert_ne!(edited, checksums(pg, &root).await);

        let e = br
            .undo_reset(&child, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "nothing to undo yet: {e:?}");
        let e = br
            .reset(&root, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "a root has no parent: {e:?}"
        );

        let b = br.reset(&child, OnBusy::Fail, no_progress()).await.unwrap();
        assert!(b.undo_available);
        assert_eq!(checksums(pg, &child).await, checksums(pg, &root).await);
        assert_eq!(
            schema(pg, &child).await,
            schema(pg, &root).await,
            "the extra table is gone"
        );
        let snaps = br.snapshots().await.unwrap();
        assert!(snaps.iter().any(
            |s| s.branch_name == child && s.kind == grove_core::branch::SnapshotKind::ResetUndo
        ));

        let b = br
            .undo_reset(&child, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert!(!b.undo_available);
        assert_eq!(
            checksums(pg, &child).await,
            edited,
            "undo brings back the pre-reset state"
        );
        assert_eq!(count(pg, &child, "extra").await, 0);
        assert!(!br
            .snapshots()
            .await
            .unwrap()
            .iter()
            .any(|s| s.branch_name == child));

        // Two resets undo in order.
        br.reset(&child, OnBusy::Fail, no_progress()).await.unwrap();
        let c = pg.connect(&child).await.unwrap();
        c.batch_execute("INSERT INTO customers (name) VALUES ('after first reset')")
            .await
            .unwrap();
        close(pg, c).await;
        let after_first = checksums(pg, &child).await;
        br.reset(&child, OnBusy::Fail, no_progress()).await.unwrap();
        br.undo_reset(&child, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert_eq!(checksums(pg, &child).await, after_first);
        br.undo_reset(&child, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert_eq!(checksums(pg, &child).await, edited);

        // A schema-only branch stays schema only when reset.
        let empty = unique("empty");
        br.create(&empty, &root, true, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        br.reset(&empty, OnBusy::Fail, no_progress()).await.unwrap();
        assert_eq!(count(pg, &empty, "orders").await, 0);
    });
}

#[tokio::test]
async fn blocking_sessions_conflict_or_are_terminated_and_protection_holds() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let cfg = pg.fields(&root);
        let opts = grove_core::conn::ConnectOptions {
            application_name: "blocker-app".into(),
            ..Default::default()
        };
        let blocker = grove_core::conn::connect(&cfg, Some(pg.password()), &opts)
            .await
            .unwrap();
        let pid: i32 = blocker
            .query_one("SELECT pg_backend_pid()", &[])
            .await
            .unwrap()
            .get(0);

        let listed = br.blocking_sessions(&root).await.unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(
            (listed[0].pid, listed[0].application_name.as_str()),
            (pid, "blocker-app")
        );
        assert_eq!(listed[0].user.as_deref(), Some("grove"));
        assert!(listed[0].backend_start.is_some());

        let child = unique("blocked");
        let e = br
            .create(&child, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
        assert!(
            e.message.contains(&format!("pid {pid}")) && e.message.contains("blocker-app"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("terminate"));
        assert!(find(&br.list().await.unwrap(), &child).is_none());

        br.create(&child, &root, false, OnBusy::Terminate, no_progress())
            .await
            .unwrap();
        assert!(
            blocker.query_one("SELECT 1", &[]).await.is_err(),
            "the blocking session was terminated"
        );

        // Protected: no terminate without force, no reset, no delete, no rename.
        br.set_protected(&root, true).await.unwrap();
        let blocker = grove_core::conn::connect(&cfg, Some(pg.password()), &opts)
            .await
            .unwrap();
        let second = unique("second");
        let e = br
            .create(&second, &root, false, OnBusy::Terminate, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
        assert!(e.hint.as_deref().unwrap().contains("protected"), "{e:?}");
        blocker
            .query_one("SELECT 1", &[])
            .await
            .expect("still alive");
        br.create(&second, &root, false, OnBusy::Force, no_progress())
            .await
            .unwrap();
        assert!(blocker.query_one("SELECT 1", &[]).await.is_err());

        br.set_protected(&child, true).await.unwrap();
        for e in [
            br.reset(&child, OnBusy::Force, no_progress())
                .await
                .unwrap_err(),
            br.delete(&child, false, OnBusy::Force, no_progress())
                .await
                .unwrap_err(),
            br.delete(&root, true, OnBusy::Force, no_progress())
                .await
                .unwrap_err(),
            br.rename(&child, &unique("renamed"), OnBusy::Force, no_progress())
                .await
                .unwrap_err(),
            br.expire(&child, Some(Duration::from_secs(60)))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
            assert!(e.message.contains("protected"), "{}", e.message);
        }
        assert!(database_exists(pg, &child).await);
        br.set_protected(&child, false).await.unwrap();
        br.delete(&child, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();

        // A session on the branch itself blocks a reset the same way.
        let on_branch = grove_core::conn::connect(&pg.fields(&second), Some(pg.password()), &opts)
            .await
            .unwrap();
        let e = br
            .reset(&second, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
        br.reset(&second, OnBusy::Terminate, no_progress())
            .await
            .unwrap();
        assert!(on_branch.query_one("SELECT 1", &[]).await.is_err());
    });
}

#[tokio::test]
async fn delete_restore_rename_expire_and_housekeeping() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let mid = unique("mid");
        let leaf = unique("leaf");
        br.create(&mid, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        br.create(&leaf, &mid, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        let c = pg.connect(&mid).await.unwrap();
        c.batch_execute("INSERT INTO customers (name) VALUES ('mid only')")
            .await
            .unwrap();
        close(pg, c).await;
        let mid_data = checksums(pg, &mid).await;

        let e = br
            .delete(&mid, false, OnBusy::Fail, no_progress())
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
        assert!(e.message.contains(&leaf), "{}", e.message);

        let out = br
            .delete(&mid, true, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert_eq!(
            out.deleted,
            vec![leaf.clone(), mid.clone()],
            "deepest first"
        );
        let list = br.list().await.unwrap();
        assert!(find(&list, &mid).is_none() && find(&list, &leaf).is_none());
        assert!(!database_exists(pg, &mid).await && !database_exists(pg, &leaf).await);
        let snaps = br.snapshots().await.unwrap();
        let snap = snaps
            .iter()
            .find(|s| s.branch_name == mid)
            .expect("a way back");
        assert!(
            snap.db_name.starts_with("grove_snap_") && database_exists(pg, &snap.db_name).await
        );

        // Restore: parent first, then the child goes back under it.
        let restored = br.restore(&mid, no_progress()).await.unwrap();
        assert_eq!(restored.parent.as_deref(), Some(root.as_str()));
        assert_eq!(checksums(pg, &mid).await, mid_data);
        assert_eq!(
            br.restore(&leaf, no_progress())
                .await
                .unwrap()
                .parent
                .as_deref(),
            Some(mid.as_str())
        );
        let e = br.restore(&leaf, no_progress()).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");

        // Rename keeps data and children.
        let renamed = unique("renamed/mid");
        br.rename(&mid, &renamed, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        assert_eq!(checksums(pg, &renamed).await, mid_data);
        let list = br.list().await.unwrap();
        assert_eq!(
            find(&list, &leaf).unwrap().parent.as_deref(),
            Some(renamed.as_str())
        );
        assert!(!database_exists(pg, &mid).await);

        // A database dropped outside Grove is listed as missing, and can be deleted.
        let admin = pg.connect("postgres").await.unwrap();
        admin
            .batch_execute(&format!(
                "DROP DATABASE {}",
                grove_core::ident::quote_ident(&leaf)
            ))
            .await
            .unwrap();
        let list = br.list().await.unwrap();
        assert!(find(&list, &leaf).unwrap().missing);
        let e = br
            .create(
                &unique("from-missing"),
                &leaf,
                false,
                OnBusy::Fail,
                no_progress(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound, "{e:?}");
        br.delete(&leaf, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();

        // Expiry: housekeeping deletes expired branches, never protected ones.
        let gone = unique("expired");
        let kept = unique("expired-protected");
        br.create(&gone, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        br.create(&kept, &root, false, OnBusy::Fail, no_progress())
            .await
            .unwrap();
        let b = br.expire(&gone, Some(Duration::ZERO)).await.unwrap();
        assert!(b.expires_at.is_some());
        br.expire(&kept, Some(Duration::ZERO)).await.unwrap();
        br.set_protected(&kept, true).await.unwrap();
        let e = br
            .expire(&root, Some(Duration::from_secs(3600)))
            .await
            .unwrap_err();
        assert_eq!(
            e.code,
            ErrorCode::InvalidInput,
            "roots do not expire: {e:?}"
        );
        let report = br.housekeeping(no_progress()).await.unwrap();
        assert!(report.expired_deleted.contains(&gone), "{report:?}");
        assert!(
            report
                .expired_kept
                .iter()
                .any(|k| k.starts_with(&kept) && k.contains("protected")),
            "{report:?}"
        );
        let list = br.list().await.unwrap();
        assert!(find(&list, &gone).is_none());
        assert!(find(&list, &kept).is_some());
        assert!(br
            .expire(&renamed, None)
            .await
            .unwrap()
            .expires_at
            .is_none());

        // Snapshots past their time are dropped.
        let snap_db = br
            .snapshots()
            .await
            .unwrap()
            .into_iter()
            .find(|s| s.branch_name == gone)
            .unwrap()
            .db_name;
        let cat = pg.connect("grove_catalog").await.unwrap();
        cat.execute(
            "UPDATE snapshots SET keep_until = now() - interval '1 second' WHERE db_name = $1",
            &[&snap_db],
        )
        .await
        .unwrap();
        let report = br.housekeeping(no_progress()).await.unwrap();
        assert!(report.snapshots_dropped.contains(&snap_db), "{report:?}");
        assert!(!database_exists(pg, &snap_db).await);

        // Deleting a root only untracks it.
        let out = br
            .delete(&root, true, OnBusy::Terminate, no_progress())
            .await;
        assert_eq!(
            out.unwrap_err().code,
            ErrorCode::Conflict,
            "a protected descendant blocks it"
        );
        br.set_protected(&kept, false).await.unwrap();
        let out = br
            .delete(&root, true, OnBusy::Terminate, no_progress())
            .await
            .unwrap();
        assert_eq!(out.untracked, vec![root.clone()]);
        assert!(database_exists(pg, &root).await);
        assert!(find(&br.list().await.unwrap(), &root).is_none());
    });
}

#[tokio::test]
async fn hostile_names_are_rejected_or_round_trip_exactly() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let tag = harness::uuid_like();
        let accepted = [
            format!("it's \"quoted\" {tag}"),
            format!("\"; DROP DATABASE {root}; -- {tag}"),
            format!("Ünïcödé ветка {tag}"),
            format!("🌳 emoji 🚀 {tag}"),
            format!("dev/alex/{tag}"),
            format!("preview/pr-123?x=1&y=%20#{tag}"),
            format!("MixedCase {tag}"),
            format!("back\\slash;semi {tag}"),
            exactly_63_bytes(&tag),
        ];
        for name in &accepted {
            assert!(name.len() <= 63, "{name}");
            br.create(name, &root, false, OnBusy::Fail, no_progress())
                .await
                .unwrap_or_else(|e| panic!("{name:?}: {e:?}"));
            let list = br.list().await.unwrap();
            let b = find(&list, name).unwrap_or_else(|| panic!("{name:?} listed exactly"));
            assert!(!b.missing);
            assert!(
                database_exists(pg, name).await,
                "database named exactly {name:?}"
            );
            let url = br.url(name, true).await.unwrap();
            let parsed = grove_core::conn::parse_connection_string(&url).unwrap();
            assert_eq!(&parsed.fields.database, name, "url {url}");
            let s = grove_core::conn::connect(
                &parsed.fields,
                parsed.password.as_deref(),
                &Default::default(),
            )
            .await
            .unwrap();
            let db: String = s
                .query_one("SELECT current_database()::text", &[])
                .await
                .unwrap()
                .get(0);
            assert_eq!(&db, name);
            close(pg, s).await;
            br.delete(name, false, OnBusy::Fail, no_progress())
                .await
                .unwrap();
            assert!(!database_exists(pg, name).await);
        }
        assert!(database_exists(pg, &root).await, "nothing was injected");

        let too_long = "é".repeat(32);
        let rejected: [(&str, &str); 12] = [
            ("", "empty"),
            (" lead", "white space"),
            ("trail ", "white space"),
            ("line\nbreak", "control character"),
            ("tab\there", "control character"),
            ("nul\0byte", "control character"),
            (&too_long, "64 bytes"),
            ("grove_tmp_x", "grove_"),
            ("Grove_mine", "grove_"),
            ("grove_catalog", "grove_"),
            ("postgres", "reserved"),
            ("template1", "reserved"),
        ];
        for (name, why) in rejected {
            let e = br
                .create(name, &root, false, OnBusy::Fail, no_progress())
                .await
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{name:?}: {e:?}");
            assert!(e.message.contains(why), "{name:?}: {}", e.message);
            let e = br
                .import(&root, Some(name), no_progress())
                .await
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput, "{name:?}: {e:?}");
        }
        let long64 = "x".repeat(64);
        assert_eq!(
            br.rename(&root, &long64, OnBusy::Fail, no_progress())
                .await
                .unwrap_err()
                .code,
            ErrorCode::InvalidInput
        );
    });
}

// ----- the CLI, crash safety, concurrency -----

/// `tag` padded with two-byte characters to PostgreSQL's limit of 63 bytes.
fn exactly_63_bytes(tag: &str) -> String {
    let mut name = format!("{tag}-");
    while name.len() + 2 <= 63 {
        name.push('é');
    }
    if name.len() < 63 {
        name.push('x');
    }
    assert_eq!(name.len(), 63);
    name
}

/// Runs the CLI without blocking the runtime (dropped sessions must still get closed).
pub(crate) async fn cli(data: &Path, server: &str, fault: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(harness::grove_bin());
    cmd.env("GROVE_DATA_DIR", data)
        .env("GROVE_SERVER", server)
        .env_remove("GROVE_FAULT")
        .args(args);
    if let Some(step) = fault {
        cmd.env("GROVE_FAULT", step);
    }
    cmd.output().await.unwrap()
}

pub(crate) fn ok_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}\nstdout: {}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn cli_branch_commands() {
    let pg = harness::server(18).await;
    let br = engine(pg);
    let data = harness::scratch_dir("cli-branch");
    let server = pg.uri("postgres");
    let (db, s) = fresh_db(pg).await;
    s.batch_execute(SEED).await.unwrap();
    close(pg, s).await;
    let root = unique("cli-root");
    let child = unique("cli/child");
    let run = async |args: &[&str]| cli(&data, &server, None, args).await;

    let imported = ok_json(&run(&["--json", "branch", "import", &db, "--name", &root]).await);
    assert_eq!(
        (imported["name"].as_str(), imported["is_root"].as_bool()),
        (Some(root.as_str()), Some(true))
    );
    assert!(!database_exists(pg, &db).await, "renamed on import");
    let created = ok_json(
        &run(&[
            "--json",
            "branch",
            "create",
            &child,
            "--parent",
            &root,
            "--schema-only",
        ])
        .await,
    );
    assert_eq!(created["schema_only"], true);
    let list = ok_json(&run(&["--json", "branch", "list"]).await);
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["name"] == child.as_str() && b["parent"] == root.as_str()));
    let text = String::from_utf8(run(&["branch", "list"]).await.stdout).unwrap();
    assert!(
        text.contains(&format!("\n  {child}  [schema only]")),
        "{text}"
    );
    let url = ok_json(&run(&["--json", "branch", "url", &child]).await);
    assert!(!url["url"].as_str().unwrap().contains(pg.password()));
    let url = String::from_utf8(
        run(&["branch", "url", &child, "--with-password"])
            .await
            .stdout,
    )
    .unwrap();
    assert!(url.trim().contains(pg.password()));
    let expiring = ok_json(&run(&["--json", "branch", "expire", &child, "--in", "2h"]).await);
    assert!(expiring["expires_at"].is_string(), "{expiring}");
    assert!(
        ok_json(&run(&["--json", "branch", "expire", &child, "--never"]).await)["expires_at"]
            .is_null()
    );
    assert_eq!(
        ok_json(&run(&["--json", "branch", "protect", &child]).await)["protected"],
        true
    );

    // Errors: exit 1 and one line.
    for args in [
        vec!["branch", "delete", &child],
        vec!["branch", "create", "grove_tmp_x", "--parent", &root],
        vec!["branch", "reset", "no such branch"],
        vec!["branch", "delete", &root],
    ] {
        let out = run(&args).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.starts_with("grove: "), "{err}");
    }
    let bad = run(&["branch", "expire", &child, "--in", "2y"]).await;
    assert_eq!(bad.status.code(), Some(2), "bad usage");

    ok_json(&run(&["--json", "branch", "unprotect", &child]).await);
    let deleted = ok_json(&run(&["--json", "branch", "delete", &root, "--recursive"]).await);
    assert_eq!(deleted["deleted"][0], child.as_str());
    assert_eq!(deleted["untracked"][0], root.as_str());
    assert!(find(&br.list().await.unwrap(), &root).is_none());
}

/// Restarts a server whose postmaster was killed (its orphaned backends may hold shared
/// memory for a moment).
async fn restart(opts: &grove_core::local_pg::LocalPgOptions) -> LocalPg {
    let mut last = None;
    for _ in 0..100 {
        match LocalPg::start(opts).await {
            Ok(pg) => return pg,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("server did not restart: {last:?}");
}

fn kill9(pid: i32) {
    // SAFETY: plain kill(2) on a process this test started.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

/// Fault points of deploy requests, covered by their own test.
pub(crate) const DEPLOY_FAULTS: [&str; 3] = [
    "deploy:before-commit",
    "deploy:after-commit",
    "revert:before-commit",
];

/// Every fault point, reached by the CLI, which kills itself there; afterwards one normal
/// operation must leave the tree consistent with the data intact.
#[tokio::test]
async fn a_killed_grove_never_corrupts_the_tree() {
    let mut covered = BTreeSet::new();
    for major in harness::VERSIONS {
        let pg = LocalPg::start(&harness::options(major, &format!("branch-faults{major}")))
            .await
            .unwrap();
        let br = engine(&pg);
        let data = harness::scratch_dir(&format!("branch-faults-cli{major}"));
        let server = pg.uri("postgres");
        for (i, step) in FAULT_STEPS.iter().enumerate() {
            let (kind, point) = step.split_once(':').unwrap();
            if DEPLOY_FAULTS.contains(step) {
                continue; // deploy::a_killed_grove_… covers them
            }
            let committed = ["after-rename", "after-swap", "after-unregister"].contains(&point);
            let root = seeded_root(&pg, &br).await;
            let root_data = checksums(&pg, &root).await;
            let child = format!("child-{i}");
            br.create(&child, &root, false, OnBusy::Fail, no_progress())
                .await
                .unwrap();
            let c = pg.connect(&child).await.unwrap();
            c.batch_execute(
                "DELETE FROM orders WHERE id > 500 AND id NOT IN (SELECT order_id FROM invoices)",
            )
            .await
            .unwrap();
            close(&pg, c).await;
            let child_data = checksums(&pg, &child).await;
            let other = format!("other-{i}");
            let extra_db = format!("extra-{i}");
            let args: Vec<String> = match kind {
                "lock" | "create" => vec![
                    "create".into(),
                    other.clone(),
                    "--parent".into(),
                    root.clone(),
                ],
                "reset" => vec!["reset".into(), child.clone()],
                "rebase" => vec!["rebase".into(), child.clone()],
                "undo" => {
                    br.reset(&child, OnBusy::Fail, no_progress()).await.unwrap();
                    vec!["undo-reset".into(), child.clone()]
                }
                "delete" => vec!["delete".into(), child.clone()],
                "restore" => {
                    br.delete(&child, false, OnBusy::Fail, no_progress())
                        .await
                        .unwrap();
                    vec!["restore".into(), child.clone()]
                }
                "rename" => vec!["rename".into(), child.clone(), other.clone()],
                "import" => {
                    pg.connect("postgres")
                        .await
                        .unwrap()
                        .batch_execute(&format!(
                            "CREATE DATABASE {}",
                            grove_core::ident::quote_ident(&extra_db)
                        ))
                        .await
                        .unwrap();
                    vec![
                        "import".into(),
                        extra_db.clone(),
                        "--name".into(),
                        other.clone(),
                    ]
                }
                "housekeeping" => {
                    br.delete(&child, false, OnBusy::Fail, no_progress())
                        .await
                        .unwrap();
                    let cat = pg.connect("grove_catalog").await.unwrap();
                    cat.batch_execute(
                        "UPDATE snapshots SET keep_until = now() - interval '1 second'",
                    )
                    .await
                    .unwrap();
                    vec!["housekeeping".into()]
                }
                // A source on the same server: the root's database, through a saved connection.
                "source-add" | "source-refresh" => {
                    let conn = format!("src-{i}");
                    ok_json(
                        &cli(
                            &data,
                            &server,
                            None,
                            &["server", "add", &conn, &pg.uri(&root), "--json"],
                        )
                        .await,
                    );
                    if kind == "source-add" {
                        vec!["add".into(), other.clone(), "--from".into(), conn]
                    } else {
                        let add = ["--json", "source", "add", &other, "--from", &conn];
                        ok_json(&cli(&data, &server, None, &add).await);
                        vec!["refresh".into(), other.clone()]
                    }
                }
                other => panic!("no scenario for fault step {other}"),
            };
            let mut argv = vec![if kind.starts_with("source") {
                "source"
            } else {
                "branch"
            }];
            argv.extend(args.iter().map(String::as_str));
            let out = cli(&data, &server, Some(step), &argv).await;
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                out.status.signal(),
                Some(libc::SIGKILL),
                "{step}: the CLI should have killed itself; status {:?}, stderr {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            covered.insert(*step);

            // One normal operation repairs whatever is left.
            ok_json(&cli(&data, &server, None, &["--json", "branch", "housekeeping"]).await);
            assert_consistent(&pg).await;
            assert_eq!(
                checksums(&pg, &root).await,
                root_data,
                "{step}: the root is intact"
            );
            let list = br.list().await.unwrap();
            let listed = |n: &str| find(&list, n).is_some();
            match kind {
                "lock" | "create" => {
                    assert_eq!(listed(&other), committed, "{step}");
                    assert_eq!(database_exists(&pg, &other).await, committed, "{step}");
                    if committed {
                        assert_eq!(checksums(&pg, &other).await, root_data, "{step}");
                    }
                }
                "reset" | "rebase" => {
                    let expect = if committed { &root_data } else { &child_data };
                    assert_eq!(&checksums(&pg, &child).await, expect, "{step}");
                    assert_eq!(
                        find(&list, &child).unwrap().undo_available,
                        committed,
                        "{step}"
                    );
                }
                "undo" => {
                    let expect = if committed { &child_data } else { &root_data };
                    assert_eq!(&checksums(&pg, &child).await, expect, "{step}");
                }
                "delete" => {
                    assert_eq!(listed(&child), !committed, "{step}");
                    if !committed {
                        assert_eq!(checksums(&pg, &child).await, child_data, "{step}");
                    }
                }
                "restore" | "housekeeping" => assert!(!listed(&child), "{step}"),
                "rename" => {
                    assert!(listed(&child) && !listed(&other), "{step}");
                    assert_eq!(checksums(&pg, &child).await, child_data, "{step}");
                }
                "import" => {
                    assert!(
                        !listed(&other) && database_exists(&pg, &extra_db).await,
                        "{step}"
                    );
                }
                "source-add" => {
                    assert!(!listed(&other), "{step}");
                    assert!(!database_exists(&pg, &other).await, "{step}");
                }
                "source-refresh" => {
                    assert_eq!(checksums(&pg, &other).await, root_data, "{step}");
                    assert!(!find(&list, &other).unwrap().undo_available, "{step}");
                }
                _ => unreachable!(),
            }
            // And the tree still works after the crash.
            let after = format!("after-{i}");
            br.create(
                &after,
                &child_or_root(&list, &child, &root),
                false,
                OnBusy::Fail,
                no_progress(),
            )
            .await
            .unwrap_or_else(|e| panic!("{step}: {e:?}"));
        }
        pg.stop().await.unwrap();
    }
    assert_eq!(covered.len() + DEPLOY_FAULTS.len(), FAULT_STEPS.len());
    eprintln!(
        "fault injection: {} of {} injection points covered on PostgreSQL 15 and 18",
        covered.len(),
        FAULT_STEPS.len()
    );
}

fn child_or_root(list: &[Branch], child: &str, root: &str) -> String {
    if find(list, child).is_some() {
        child
    } else {
        root
    }
    .to_string()
}

/// kill -9 of the server in the middle of a create, a reset, and a swap; and cancellation
/// of a long copy.
#[tokio::test]
async fn a_killed_server_or_a_cancelled_copy_never_corrupts_the_tree() {
    let opts = harness::options(18, "branch-kill-server");
    let mut pg = LocalPg::start(&opts).await.unwrap();
    let mut br = engine(&pg);
    let root = seeded_root(&pg, &br).await;
    // Big enough that a plain copy takes a moment.
    let s = pg.connect(&root).await.unwrap();
    s.batch_execute("CREATE TABLE big AS SELECT g, repeat(md5(g::text), 8) AS pad FROM generate_series(1, 300000) g")
        .await
        .unwrap();
    close(&pg, s).await;
    let root_data = checksums(&pg, &root).await;
    let child = "kill/child".to_string();
    br.create(&child, &root, false, OnBusy::Fail, no_progress())
        .await
        .unwrap();
    let c = pg.connect(&child).await.unwrap();
    c.batch_execute("DELETE FROM invoices").await.unwrap();
    close(&pg, c).await;
    let child_data = checksums(&pg, &child).await;

    // Cancellation during the copy.
    let cancel = Cancel::new();
    let trigger = cancel.clone();
    let on_copy = move |p: Progress| {
        if p.phase == "copying" {
            trigger.cancel();
        }
    };
    let e = br
        .clone()
        .with_cancel(cancel)
        .create("cancelled", &root, false, OnBusy::Fail, &on_copy)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Cancelled, "{e:?}");
    assert!(find(&br.list().await.unwrap(), "cancelled").is_none());
    assert_consistent(&pg).await;

    // kill -9 at each phase of a create and a reset.
    let mut kills = 0;
    // During a copy the kill comes a little later, so the copy is under way.
    for (op, phase, delay_ms) in [
        ("create", "copying", 150),
        ("reset", "copying", 150),
        ("reset", "swapping", 0),
        ("create", "publishing", 0),
    ] {
        let pid = pg.pid().unwrap();
        let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let f = fired.clone();
        let wanted = phase.to_string();
        let killer = move |p: Progress| {
            if p.phase == wanted && !f.swap(true, std::sync::atomic::Ordering::SeqCst) {
                if delay_ms == 0 {
                    kill9(pid);
                } else {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(delay_ms));
                        kill9(pid);
                    });
                }
            }
        };
        let target = format!("killed-{kills}");
        let r = match op {
            "create" => br
                .create(&target, &root, false, OnBusy::Fail, &killer)
                .await
                .map(|_| ()),
            _ => br.reset(&child, OnBusy::Fail, &killer).await.map(|_| ()),
        };
        assert!(
            fired.load(std::sync::atomic::Ordering::SeqCst),
            "{op} reached {phase}"
        );
        eprintln!("{op} with the server killed at {phase}: {r:?}");
        assert!(
            grove_core::local_pg::wait_until(Duration::from_secs(10), || !Path::new(&format!(
                "/proc/{pid}"
            ))
            .exists())
            .await
        );
        pg = restart(&opts).await;
        br = engine(&pg);
        br.housekeeping(no_progress()).await.unwrap();
        assert_consistent(&pg).await;
        assert_eq!(
            checksums(&pg, &root).await,
            root_data,
            "{op}/{phase}: root intact"
        );
        let list = br.list().await.unwrap();
        if op == "create" {
            if find(&list, &target).is_some() {
                assert_eq!(checksums(&pg, &target).await, root_data);
            }
        } else {
            let now = checksums(&pg, &child).await;
            assert!(
                now == child_data || now == root_data,
                "{op}/{phase}: the child is the old or the new state"
            );
            if now == root_data {
                // Put it back for the next round.
                br.undo_reset(&child, OnBusy::Fail, no_progress())
                    .await
                    .unwrap();
            }
        }
        kills += 1;
    }
    eprintln!("server killed {kills} times in the middle of operations");
    pg.stop().await.unwrap();
}

/// Four tasks doing random operations on one server: afterwards the catalog matches the
/// server's databases exactly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_operations_keep_the_catalog_exact() {
    let pg = LocalPg::start(&harness::options(18, "branch-concurrency"))
        .await
        .unwrap();
    let br = engine(&pg);
    let root = seeded_root(&pg, &br).await;
    let mut tasks = Vec::new();
    for t in 0..4u64 {
        let br = br.clone();
        let root = root.clone();
        tasks.push(tokio::spawn(async move {
            let mut seed = 0x9e3779b97f4a7c15u64 ^ (t + 1).wrapping_mul(0xbf58476d1ce4e5b9);
            let mut next = |n: usize| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % n as u64) as usize
            };
            let mut done = Vec::new();
            for i in 0..10 {
                let list = br.list().await.unwrap();
                let children: Vec<&Branch> = list.iter().filter(|b| !b.is_root).collect();
                let pick = |k: usize| {
                    children
                        .get(k % children.len().max(1))
                        .map(|b| b.name.clone())
                };
                let target = pick(next(8));
                // Without a child branch yet, every operation is a create.
                let op = if target.is_none() { 0 } else { next(4) };
                let (what, r) = match (op, target) {
                    (1, Some(n)) => (
                        "reset",
                        br.reset(&n, OnBusy::Terminate, no_progress())
                            .await
                            .map(|_| ()),
                    ),
                    (2, Some(n)) => (
                        "delete",
                        br.delete(&n, next(2) == 0, OnBusy::Terminate, no_progress())
                            .await
                            .map(|_| ()),
                    ),
                    (3, Some(n)) => (
                        "undo",
                        br.undo_reset(&n, OnBusy::Terminate, no_progress())
                            .await
                            .map(|_| ()),
                    ),
                    (_, target) => {
                        let parent = target
                            .filter(|_| next(2) == 0)
                            .unwrap_or_else(|| root.clone());
                        let name = format!("c{t}-{i}");
                        let r = br
                            .create(&name, &parent, next(3) == 0, OnBusy::Fail, no_progress())
                            .await;
                        ("create", r.map(|_| ()))
                    }
                };
                // Races between tasks (a branch deleted by another) are expected, corruption is not.
                if let Err(e) = &r {
                    assert!(
                        matches!(
                            e.code,
                            ErrorCode::NotFound | ErrorCode::Conflict | ErrorCode::AlreadyExists
                        ),
                        "task {t} {what}: {e:?}"
                    );
                }
                done.push((what, r.is_ok()));
            }
            done
        }));
    }
    let mut ops = 0;
    let mut succeeded = 0;
    let mut other_kinds_succeeded = 0;
    for (t, task) in tasks.into_iter().enumerate() {
        let done = task.await.unwrap();
        // Each task starts with a create of its own name from the root: nothing can race it.
        assert_eq!(done[0], ("create", true), "task {t}'s first create failed");
        for (what, ok) in done {
            ops += 1;
            succeeded += ok as usize;
            other_kinds_succeeded += (ok && what != "create") as usize;
        }
    }
    // A run where only creates worked would not have exercised the races at all.
    assert!(
        other_kinds_succeeded > 0,
        "no reset, delete or undo succeeded in {ops} operations"
    );
    assert_consistent(&pg).await;
    let s = pg.connect("grove_catalog").await.unwrap();
    let dbs: BTreeSet<String> = s
        .query(
            "SELECT datname::text FROM pg_database
              WHERE datname NOT IN ('postgres', 'template0', 'template1', 'grove_catalog')
                AND datname NOT LIKE 'grove\\_snap\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let tracked: BTreeSet<String> = br
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(dbs, tracked, "catalog and server agree exactly");
    eprintln!(
        "concurrency: {ops} operations, {succeeded} succeeded, {} branches at the end",
        tracked.len()
    );
    pg.stop().await.unwrap();
}
