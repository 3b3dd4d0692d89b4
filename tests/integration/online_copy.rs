//! The online copy engine against real PostgreSQL 15 and 18: a database in use copied as of
//! one instant without blocking or disconnecting anyone; across servers and major versions;
//! objects it cannot carry refused before anything moves; cancellation leaves nothing behind.
use crate::for_each_version;
use crate::harness::{self, fresh_db};
use grove_core::conn::Session;
use grove_core::copy::{self, CopyRequest, Endpoint};
use grove_core::local_pg::LocalPg;
use grove_core::schema;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn endpoint(pg: &LocalPg, db: &str) -> Endpoint {
    Endpoint {
        fields: pg.fields(db),
        password: Some(pg.password().to_string()),
    }
}

fn request(src: &LocalPg, db: &str, dst: &LocalPg, workers: usize) -> CopyRequest {
    let id = harness::uuid_like();
    CopyRequest {
        source: endpoint(src, db),
        target: endpoint(dst, "postgres"),
        build_as: format!("copy_tmp_{id}"),
        publish_as: Some(format!("copy_{id}")),
        workers,
    }
}

async fn db_exists(pg: &LocalPg, name: &str) -> bool {
    let s = pg.connect("postgres").await.unwrap();
    s.query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await
        .unwrap()
        .is_some()
}

/// Sessions the copy opened on `db` (by application_name), after they had time to go.
async fn copy_sessions_left(pg: &LocalPg, db: &str) -> i64 {
    let s = pg.connect("postgres").await.unwrap();
    let mut n = 0;
    for _ in 0..50 {
        n = s
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
                &[&db, &copy::APP],
            )
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    n
}

/// md5 of a table's rows in key order, as text.
async fn checksum(s: &Session, table: &str, key: &str) -> String {
    let sql =
        format!("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY {key}), '')) FROM {table} t");
    s.query_one(&sql, &[]).await.unwrap().get(0)
}

const BANK: &str = "
    CREATE TYPE status AS ENUM ('open', 'frozen', 'closed');
    CREATE TABLE accounts (
        id int PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL CHECK (balance > -1000000),
        status status NOT NULL DEFAULT 'open', doubled bigint GENERATED ALWAYS AS (balance * 2) STORED);
    CREATE TABLE transfers (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        from_id int NOT NULL REFERENCES accounts (id), to_id int NOT NULL REFERENCES accounts (id),
        amount bigint NOT NULL);
    CREATE INDEX transfers_from ON transfers (from_id);
    CREATE TABLE events (id bigserial PRIMARY KEY, account int REFERENCES accounts (id), payload text);
    CREATE UNIQUE INDEX events_payload ON events (account, payload);
    CREATE SEQUENCE invoice_no START 1000;
    CREATE VIEW totals AS SELECT status, sum(balance) AS total FROM accounts GROUP BY status;
    CREATE MATERIALIZED VIEW rich AS SELECT id FROM accounts WHERE balance >= 1000;
    CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'no'; END $$;
    CREATE TRIGGER keep BEFORE DELETE ON transfers FOR EACH ROW EXECUTE FUNCTION no_delete();
    COMMENT ON TABLE accounts IS 'money';
    INSERT INTO accounts (id, owner, balance) SELECT g, 'owner ' || g, 1000 FROM generate_series(1, 1000) g;
    INSERT INTO events (account, payload)
        SELECT 1 + g % 1000, repeat(md5(g::text), 4) FROM generate_series(1, 200000) g;
    SELECT nextval('invoice_no'), nextval('invoice_no');
    ANALYZE;";

/// Checks the bank's invariants on the copy: money is conserved, every balance is the
/// initial one plus the transfers it took part in (rows of two tables from one instant).
async fn assert_bank_consistent(c: &Session) {
    let total: i64 = c
        .query_one("SELECT sum(balance)::bigint FROM accounts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 1000 * 1000, "money appeared or vanished in the copy");
    let off: i64 = c
        .query_one(
            "SELECT count(*) FROM accounts a WHERE a.balance <> 1000
               - coalesce((SELECT sum(amount) FROM transfers WHERE from_id = a.id), 0)
               + coalesce((SELECT sum(amount) FROM transfers WHERE to_id = a.id), 0)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(off, 0, "balances and transfers are from different instants");
}

#[tokio::test]
async fn copies_a_busy_database_as_of_one_instant() {
    for_each_version!(|pg| {
        let (db, s) = fresh_db(pg).await;
        s.batch_execute(BANK).await.unwrap();
        // One session holds a transaction open (with a row lock), another keeps writing.
        let holder = pg.connect(&db).await.unwrap();
        holder
            .batch_execute("BEGIN; UPDATE accounts SET owner = owner WHERE id = 1")
            .await
            .unwrap();
        let writer = Arc::new(pg.connect(&db).await.unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let writes = Arc::new(AtomicU64::new(0));
        let load = {
            let (w, stop, writes) = (writer.clone(), stop.clone(), writes.clone());
            tokio::spawn(async move {
                let mut i: i32 = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let (a, b, amt) = (2 + i % 999, 2 + (i * 7 + 3) % 999, (i % 50) as i64);
                    if a == b {
                        continue; // one statement cannot update a row twice
                    }
                    w.execute(
                        "WITH x AS (UPDATE accounts SET balance = balance - $3 WHERE id = $1),
                              y AS (UPDATE accounts SET balance = balance + $3 WHERE id = $2)
                         INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3)",
                        &[&a, &b, &amt],
                    )
                    .await
                    .expect("a write on the source failed during the copy");
                    writes.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let req = request(pg, &db, pg, 2);
        let before = writes.load(Ordering::Relaxed);
        let r = copy::copy_database(&req, &|_| {}, std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("copy failed: {e:?}"));
        let during = writes.load(Ordering::Relaxed) - before;
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.store(true, Ordering::Relaxed);
        load.await.unwrap();
        assert!(during > 0, "no write went through while copying");
        holder
            .batch_execute("COMMIT")
            .await
            .expect("the holder's session was disturbed");
        assert_bank_consistent(&s).await; // the load itself keeps the invariants
        eprintln!(
            "copied {} rows, {} bytes in {} ms ({} writes meanwhile); tables {:?}",
            r.rows, r.bytes, r.duration_ms, during, r.tables
        );
        assert!(r.binary);
        assert_eq!(r.database, req.publish_as.clone().unwrap());
        assert!(!db_exists(pg, &req.build_as).await);
        assert_eq!(copy_sessions_left(pg, &db).await, 0);

        let c = pg.connect(&r.database).await.unwrap();
        assert_bank_consistent(&c).await;
        // The static table is identical; the copy has every object of the source.
        assert_eq!(
            checksum(&c, "events", "id").await,
            checksum(&s, "events", "id").await
        );
        let (x, y) = tokio::try_join!(schema::introspect(&s), schema::introspect(&c)).unwrap();
        let d = schema::diff(&x, &y);
        assert!(d.is_empty(), "the copy's schema differs:\n{}", d.summary());
        // Sequences go on after the copied rows; constraints and triggers are in force.
        let next: i64 = c
            .query_one("SELECT nextval('events_id_seq')", &[])
            .await
            .unwrap()
            .get(0);
        assert!(next > 200000, "events_id_seq restarted at {next}");
        let inv: i64 = c
            .query_one("SELECT nextval('invoice_no')", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(inv, 1002);
        c.batch_execute("INSERT INTO transfers (from_id, to_id, amount) VALUES (1, 2, 0)")
            .await
            .expect("identity continues after the copied rows");
        assert!(
            c.batch_execute("DELETE FROM transfers").await.is_err(),
            "trigger lost"
        );
        assert!(
            c.batch_execute("INSERT INTO events (account, payload) VALUES (999999, 'x')")
                .await
                .is_err(),
            "foreign key lost"
        );
        let rich: i64 = c
            .query_one("SELECT count(*) FROM rich", &[])
            .await
            .unwrap()
            .get(0);
        assert!(rich > 0, "the materialized view was not filled");
    });
}
