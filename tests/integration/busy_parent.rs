//! Busy parents: create and reset copy a parent that other sessions are using (even inside a
//! transaction with uncommitted writes) with the online copy engine, without interrupting
//! them; the plain template copy still refuses.
use crate::branches::{
    checksums, cli, close, database_exists, engine, find, ok_json, seeded_root, unique,
};
use crate::for_each_version;
use crate::harness;
use grove_core::branch::{Branches, OnBusy, Progress, SnapshotKind};
use grove_core::conn::{self, ConnectOptions, Session};
use grove_core::local_pg::LocalPg;
use grove_core::ErrorCode;
use std::sync::Mutex;

/// A session on `db` that has begun a transaction and written a row it has not committed.
async fn busy_writer(pg: &LocalPg, db: &str) -> Session {
    let opts = ConnectOptions {
        application_name: "busy-app".into(),
        ..Default::default()
    };
    let s = conn::connect(&pg.fields(db), Some(pg.password()), &opts)
        .await
        .unwrap();
    s.batch_execute("BEGIN; INSERT INTO customers (name, email) VALUES ('uncommitted', 'u@x')")
        .await
        .unwrap();
    s
}

/// Grove's temporary databases left on the server.
async fn tmp_databases(pg: &LocalPg) -> i64 {
    let s = pg.connect("postgres").await.unwrap();
    s.query_one(
        "SELECT count(*) FROM pg_database WHERE datname LIKE 'grove\\_tmp\\_%'",
        &[],
    )
    .await
    .unwrap()
    .get(0)
}

async fn create_online(br: &Branches, name: &str, parent: &str) -> Vec<Progress> {
    let seen = Mutex::new(Vec::new());
    let report = |p: Progress| seen.lock().unwrap().push(p);
    br.create_with(name, parent, false, OnBusy::Fail, true, &report)
        .await
        .unwrap();
    seen.into_inner().unwrap()
}

#[tokio::test]
async fn online_create_and_reset_leave_the_parents_sessions_alone() {
    for_each_version!(|pg| {
        let br = engine(pg);
        let root = seeded_root(pg, &br).await;
        let before = checksums(pg, &root).await;
        let writer = busy_writer(pg, &root).await;

        // The template copy still refuses, and leaves the session alone.
        let plain = unique("plain");
        let e = br
            .create(
                &plain,
                &root,
                false,
                OnBusy::Fail,
                grove_core::branch::no_progress(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::Conflict, "{e:?}");
        assert!(e.message.contains("busy-app"), "{}", e.message);

        let child = unique("online");
        let seen = create_online(&br, &child, &root).await;
        assert!(
            seen.iter().any(|p| p.phase == "copying"
                && p.bytes_total.is_some()
                && p.detail.as_deref().is_some_and(|d| d.contains("online"))),
            "{seen:?}"
        );
        writer
            .query_one("SELECT 1", &[])
            .await
            .expect("not terminated");
        assert_eq!(checksums(pg, &child).await, before, "the committed state");
        let listed = br.list().await.unwrap();
        let b = find(&listed, &child).unwrap();
        assert_eq!(b.parent.as_deref(), Some(root.as_str()));
        assert!(b.parent_schema_fingerprint.is_some());

        // Reset: the child's edits go, the undo snapshot stays; the parent is still busy.
        let edit = pg.connect(&child).await.unwrap();
        edit.batch_execute("DELETE FROM invoices; UPDATE customers SET name = 'edited'")
            .await
            .unwrap();
        close(pg, edit).await;
        let edited = checksums(pg, &child).await;
        let reset = br
            .reset_with(
                &child,
                OnBusy::Fail,
                true,
                grove_core::branch::no_progress(),
            )
            .await
            .unwrap();
        assert!(reset.undo_available);
        assert_eq!(checksums(pg, &child).await, before);
        let snaps = br.snapshots().await.unwrap();
        let undo = snaps
            .iter()
            .find(|s| s.branch_name == child && s.kind == SnapshotKind::ResetUndo)
            .expect("an undo snapshot");
        assert!(database_exists(pg, &undo.db_name).await);
        writer
            .query_one("SELECT 1", &[])
            .await
            .expect("not terminated");

        // A protected parent: an online copy needs no force and terminates no one.
        br.set_protected(&root, true).await.unwrap();
        let second = unique("online-protected");
        create_online(&br, &second, &root).await;
        assert_eq!(checksums(pg, &second).await, before);

        // The session commits its write afterwards; the copies never saw it.
        writer.batch_execute("COMMIT").await.expect("commits");
        let s = pg.connect(&root).await.unwrap();
        let n: i64 = s
            .query_one(
                "SELECT count(*) FROM customers WHERE name = 'uncommitted'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1);
        assert_ne!(checksums(pg, &root).await, before);
        assert_eq!(checksums(pg, &child).await, before);
        drop(s);
        br.set_protected(&root, false).await.unwrap();

        // Undo brings the edited state back.
        br.undo_reset(&child, OnBusy::Fail, grove_core::branch::no_progress())
            .await
            .unwrap();
        assert_eq!(checksums(pg, &child).await, edited);
        assert_eq!(tmp_databases(pg).await, 0, "no temporary database left");
    });
}

#[tokio::test]
async fn cli_online_create_and_reset() {
    let pg = harness::server(18).await;
    let br = engine(pg);
    let data = harness::scratch_dir("cli-online");
    let server = pg.uri("postgres");
    let root = seeded_root(pg, &br).await;
    let before = checksums(pg, &root).await;
    let writer = busy_writer(pg, &root).await;
    let child = unique("cli/online");
    let run = async |args: &[&str]| cli(&data, &server, None, args).await;

    let refused = run(&["--json", "branch", "create", &child, "--parent", &root]).await;
    assert_eq!(refused.status.code(), Some(1));
    let err: serde_json::Value = serde_json::from_slice(&refused.stdout)
        .or_else(|_| serde_json::from_slice(&refused.stderr))
        .unwrap();
    assert_eq!(err["error"]["code"], "conflict", "{err}");

    let created = ok_json(
        &run(&[
            "--json", "branch", "create", &child, "--parent", &root, "--online",
        ])
        .await,
    );
    assert_eq!(created["name"].as_str(), Some(child.as_str()));
    assert_eq!(created["parent"].as_str(), Some(root.as_str()));
    assert_eq!(checksums(pg, &child).await, before);

    let reset = ok_json(&run(&["--json", "branch", "reset", &child, "--online"]).await);
    assert_eq!(reset["undo_available"].as_bool(), Some(true));
    writer
        .batch_execute("COMMIT")
        .await
        .expect("never terminated");
}
