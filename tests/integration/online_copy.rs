//! The online copy engine against real PostgreSQL 15 and 18: a database in use copied as of
//! one instant without blocking or disconnecting anyone; across servers and major versions;
//! objects it cannot carry refused before anything moves; cancellation leaves nothing behind;
//! foreign keys added by the workers in an order without lock waits or deadlocks.
use crate::for_each_version;
use crate::harness::{self, fresh_db};
use grove_core::conn::Session;
use grove_core::copy::{self, CopyProgress, CopyRequest, Endpoint};
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
        selection: Default::default(),
        // Small, so that the tables here are copied in block ranges too.
        split_above_pages: 8,
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

pub(crate) const BANK: &str = "
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
    CREATE AGGREGATE total_of (numeric) (SFUNC = numeric_add, STYPE = numeric);
    CREATE FUNCTION no_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'no'; END $$;
    CREATE TRIGGER keep BEFORE DELETE ON transfers FOR EACH ROW EXECUTE FUNCTION no_delete();
    COMMENT ON TABLE accounts IS 'money';
    -- Indexes and keys with what the workers leave to the post-data step.
    COMMENT ON INDEX transfers_from IS 'by sender';
    COMMENT ON CONSTRAINT accounts_pkey ON accounts IS 'the key';
    ALTER TABLE events CLUSTER ON events_payload;
    CREATE INDEX accounts_owner_lower ON accounts (lower(owner));
    ALTER INDEX accounts_owner_lower ALTER COLUMN 1 SET STATISTICS 500;
    CREATE TABLE ledger (id int NOT NULL, at date NOT NULL, note text, PRIMARY KEY (id, at))
        PARTITION BY RANGE (at);
    CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE INDEX ledger_note ON ledger (note);
    CREATE UNIQUE INDEX ledger_2024_id ON ledger_2024 (id);
    ALTER TABLE ledger_2024 REPLICA IDENTITY USING INDEX ledger_2024_id;
    INSERT INTO ledger SELECT g, date '2024-01-01' + g % 300, 'n' || g FROM generate_series(1, 2000) g;
    INSERT INTO accounts (id, owner, balance) SELECT g, 'owner ' || g, 1000 FROM generate_series(1, 1000) g;
    INSERT INTO events (account, payload)
        SELECT 1 + g % 1000, repeat(md5(g::text), 4) FROM generate_series(1, 200000) g;
    SELECT nextval('invoice_no'), nextval('invoice_no');
    ANALYZE;";

/// Checks the bank's invariants on the copy: money is conserved, every balance is the
/// initial one plus the transfers it took part in (rows of two tables from one instant).
pub(crate) async fn assert_bank_consistent(c: &Session) {
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

/// A write load on a `BANK` database: transfers between accounts, each in one statement, until
/// stopped; it keeps the invariants `assert_bank_consistent` checks. A failed write panics.
pub(crate) struct Transfers {
    stop: Arc<AtomicBool>,
    pub writes: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Transfers {
    pub(crate) fn start(w: Session) -> Transfers {
        let stop = Arc::new(AtomicBool::new(false));
        let writes = Arc::new(AtomicU64::new(0));
        let (halt, count) = (stop.clone(), writes.clone());
        let task = tokio::spawn(async move {
            let mut i: i32 = 0;
            while !halt.load(Ordering::Relaxed) {
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
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        Transfers { stop, writes, task }
    }

    pub(crate) async fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
    }
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
        let load = Transfers::start(pg.connect(&db).await.unwrap());
        let writes = load.writes.clone();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let req = request(pg, &db, pg, 2);
        let before = writes.load(Ordering::Relaxed);
        let r = copy::copy_database(&req, &|_| {}, std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("copy failed: {e:?}"));
        let during = writes.load(Ordering::Relaxed) - before;
        tokio::time::sleep(Duration::from_millis(100)).await;
        load.stop().await;
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

const SMALL: &str = "
    CREATE EXTENSION citext;
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE people (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name citext UNIQUE,
                         mood mood, born date, tags text[], data jsonb);
    CREATE TABLE pets (id serial PRIMARY KEY, owner int REFERENCES people (id) ON DELETE CASCADE,
                       name text NOT NULL);
    CREATE INDEX pets_owner ON pets (owner);
    CREATE VIEW happy AS SELECT name FROM people WHERE mood = 'happy';
    INSERT INTO people (name, mood, born, tags, data)
        SELECT 'P' || g, (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, date '2000-01-01' + g,
               ARRAY['a' || g, 'b'], jsonb_build_object('n', g, 's', 'é\"' || g)
        FROM generate_series(1, 3000) g;
    INSERT INTO pets (owner, name) SELECT 1 + g % 3000, 'pet ' || g FROM generate_series(1, 5000) g;";

#[tokio::test]
async fn copies_across_servers_and_major_versions() {
    let (pg15, pg18) = (harness::server(15).await, harness::server(18).await);
    for (src, dst) in [(pg15, pg18), (pg18, pg15)] {
        eprintln!("-- {} -> {}", src.bins.major, dst.bins.major);
        let (db, s) = fresh_db(src).await;
        s.batch_execute(SMALL).await.unwrap();
        // A role only the source server has: its grant is reported, not fatal.
        let role = format!("only_src_{}", harness::uuid_like());
        let q = grove_core::ident::quote_ident(&role);
        s.batch_execute(&format!("CREATE ROLE {q}; GRANT SELECT ON pets TO {q}"))
            .await
            .unwrap();
        let mut req = request(src, &db, dst, 2);
        // Into 15 whole tables, written frozen; into 18 in block ranges.
        let whole = dst.bins.major == 15;
        if whole {
            req.split_above_pages = u64::MAX;
        }
        let r = copy::copy_database(&req, &|_| {}, std::future::pending()).await;
        s.batch_execute(&format!("DROP OWNED BY {q}; DROP ROLE {q}"))
            .await
            .unwrap();
        let r = r.unwrap_or_else(|e| panic!("copy failed: {e:?}"));
        assert!(!r.binary, "different majors go in text");
        assert_eq!(r.rows, 8000);
        assert_eq!(r.extensions, vec!["citext".to_string()]);
        assert_eq!(
            r.skipped_grants,
            vec![format!("SELECT ON TABLE \"public\".\"pets\" TO {q}")]
        );
        let c = dst.connect(&r.database).await.unwrap();
        for (t, key) in [("people", "id"), ("pets", "id")] {
            assert_eq!(
                checksum(&c, t, key).await,
                checksum(&s, t, key).await,
                "{t}"
            );
        }
        if whole {
            c.batch_execute("CREATE EXTENSION pg_visibility")
                .await
                .unwrap();
            for t in ["people", "pets"] {
                let row = c
                    .query_one(
                        "SELECT pg_relation_size($1::text::regclass) / current_setting('block_size')::int,
                                all_frozen FROM pg_visibility_map_summary($1::text::regclass)",
                        &[&t],
                    )
                    .await
                    .unwrap();
                let (pages, frozen): (i64, i64) = (row.get(0), row.get(1));
                assert!(
                    pages > 0 && frozen == pages,
                    "{t}: {frozen} of {pages} pages frozen"
                );
            }
        }
        let n: i64 = c
            .query_one("SELECT count(*) FROM happy", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 1000);
        // Unique on citext (case-insensitive) and the FK hold on the copy.
        assert!(c
            .batch_execute("INSERT INTO people (name) VALUES ('p1')")
            .await
            .is_err());
        c.batch_execute("INSERT INTO people (name) VALUES ('new one')")
            .await
            .expect("identity continues after the copied rows");
        assert!(c
            .batch_execute("INSERT INTO pets (owner, name) VALUES (-1, 'x')")
            .await
            .is_err());
        assert_eq!(copy_sessions_left(src, &db).await, 0);
    }
}

/// Foreign keys both ways between two tables, one to itself, one to a unique index and one
/// NOT VALID: the copy's workers add them once both tables' rows and keys are in.
const CROSSED: &str = "
    CREATE TABLE a (id int PRIMARY KEY, b_id int, parent int, note text CHECK (note <> ''));
    CREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL, tag text, pad text);
    CREATE UNIQUE INDEX b_tag ON b (tag);
    CREATE TABLE c (id int, tag text);
    INSERT INTO a SELECT g, 30001 - g, nullif(g - 1, 0), 'a' || g FROM generate_series(1, 30000) g;
    INSERT INTO b SELECT g, g, 't' || g, repeat('x', 60) FROM generate_series(1, 30000) g;
    INSERT INTO c SELECT g, 't' || (g % 30000 + 1) FROM generate_series(1, 20000) g;
    INSERT INTO c VALUES (0, 'no such tag');
    ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b (id);
    ALTER TABLE a ADD CONSTRAINT a_parent FOREIGN KEY (parent) REFERENCES a (id);
    ALTER TABLE b ADD CONSTRAINT b_a FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE;
    ALTER TABLE c ADD CONSTRAINT c_tag FOREIGN KEY (tag) REFERENCES b (tag) NOT VALID;
    ANALYZE;";

#[tokio::test]
async fn adds_foreign_keys_with_the_rows_in_a_safe_order() {
    for_each_version!(|pg| {
        let (db, s) = fresh_db(pg).await;
        s.batch_execute(CROSSED).await.unwrap();
        // Several workers, every table in block ranges.
        let req = request(pg, &db, pg, 3);
        let r = copy::copy_database(&req, &|_| {}, std::future::pending())
            .await
            .unwrap_or_else(|e| panic!("copy failed: {e:?}"));
        assert_eq!(r.rows, 80001);
        let c = pg.connect(&r.database).await.unwrap();
        let (x, y) = tokio::try_join!(schema::introspect(&s), schema::introspect(&c)).unwrap();
        let d = schema::diff(&x, &y);
        assert!(d.is_empty(), "the copy's schema differs:\n{}", d.summary());
        let fks = "SELECT conname::text, convalidated FROM pg_constraint
                   WHERE contype = 'f' ORDER BY conname";
        let got: Vec<(String, bool)> = c
            .query(fks, &[])
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let want = [
            ("a_b", true),
            ("a_parent", true),
            ("b_a", true),
            ("c_tag", false),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        assert_eq!(got, want);
        // Added by the workers, before the post-data step (its CHECK constraint).
        let late: Vec<String> = c
            .query(
                "SELECT conname::text FROM pg_constraint
                 WHERE contype = 'f' AND oid > (SELECT oid FROM pg_constraint
                                                  WHERE conrelid = 'a'::regclass AND contype = 'c')",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(
            late.is_empty(),
            "added after the rows and indexes: {late:?}"
        );
        for bad in [
            "INSERT INTO a VALUES (0, 999999, NULL, 'x')",
            "INSERT INTO a VALUES (0, 1, 999999, 'x')",
            "INSERT INTO b VALUES (0, 999999, 'new', 'x')",
            "INSERT INTO c VALUES (1, 'none')",
        ] {
            assert!(c.batch_execute(bad).await.is_err(), "{bad} went in");
        }
        for t in ["a", "b"] {
            assert_eq!(checksum(&c, t, "id").await, checksum(&s, t, "id").await);
        }
        assert_eq!(copy_sessions_left(pg, &db).await, 0);
    });
}

#[tokio::test]
async fn refuses_objects_it_cannot_copy_before_anything_moves() {
    for_each_version!(|pg| {
        let (db, s) = fresh_db(pg).await;
        s.batch_execute(
            "CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2);
             CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq);
             CREATE TEXT SEARCH DICTIONARY my_dict (TEMPLATE = simple);",
        )
        .await
        .unwrap();
        let req = request(pg, &db, pg, 2);
        let phases = std::sync::Mutex::new(Vec::new());
        let e = copy::copy_database(
            &req,
            &|p| phases.lock().unwrap().push(p.phase.clone()),
            std::future::pending(),
        )
        .await
        .expect_err("a database with an operator was copied");
        assert_eq!(e.code, grove_core::ErrorCode::InvalidInput, "{e:?}");
        assert!(
            e.message
                .contains("1 operator (public.===(integer,integer))")
                && e.message
                    .contains("1 text search dictionary (public.my_dict)"),
            "{}",
            e.message
        );
        assert_eq!(*phases.lock().unwrap(), vec!["checking".to_string()]);
        assert!(!db_exists(pg, &req.build_as).await);
        assert!(!db_exists(pg, req.publish_as.as_ref().unwrap()).await);
        assert_eq!(copy_sessions_left(pg, &db).await, 0);
    });
}

#[tokio::test]
async fn cancel_mid_copy_leaves_nothing_behind() {
    for_each_version!(|pg| {
        let (db, s) = fresh_db(pg).await;
        s.batch_execute(
            "CREATE TABLE big (id bigint PRIMARY KEY, payload text);
             INSERT INTO big SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 400000) g;",
        )
        .await
        .unwrap();
        let req = request(pg, &db, pg, 1);
        let cancel = tokio::sync::Notify::new();
        let seen = std::sync::Mutex::new(None::<CopyProgress>);
        let on_progress = |p: &CopyProgress| {
            if p.phase == "copying rows" && p.active.iter().any(|t| t.bytes > 0) {
                *seen.lock().unwrap() = Some(p.clone());
                cancel.notify_one();
            }
        };
        let e = copy::copy_database(&req, &on_progress, cancel.notified())
            .await
            .expect_err("the copy finished before it was cancelled");
        assert_eq!(e.code, grove_core::ErrorCode::Cancelled, "{e:?}");
        let seen = seen
            .lock()
            .unwrap()
            .clone()
            .expect("no progress while copying rows");
        let t = &seen.active[0];
        eprintln!("cancelled at {t:?}");
        assert!(
            t.rows > 0 && t.rows < 400000 && t.bytes_per_sec > 0.0,
            "{t:?}"
        );
        assert!(
            !db_exists(pg, &req.build_as).await,
            "the temporary database was left"
        );
        assert!(!db_exists(pg, req.publish_as.as_ref().unwrap()).await);
        assert_eq!(
            copy_sessions_left(pg, &db).await,
            0,
            "a copy session stayed on the source"
        );
        assert_eq!(copy_sessions_left(pg, &req.build_as).await, 0);
    });
}
