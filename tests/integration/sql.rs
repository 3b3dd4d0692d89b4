//! The SQL editor's execution path (`grove_core::sql`) against real PostgreSQL 15 and 18.
use crate::{for_each_version, harness};
use grove_core::local_pg::LocalPg;
use grove_core::paths::Paths;
use grove_core::sql::history::{self, HistoryQuery};
use grove_core::sql::schema::{FunctionKind, RelationKind};
use grove_core::sql::{
    export_query, load_schema, ExportFormat, RunEvent, RunOptions, RunResult, SqlSession,
    SqlTarget, TxStatus,
};
use grove_core::{ErrorCode, Grove};
use std::time::{Duration, Instant};

fn target(pg: &LocalPg, db: &str, protected: bool) -> SqlTarget {
    SqlTarget {
        fields: pg.fields(db),
        password: Some(pg.password().to_string()),
        server_id: "local".into(),
        branch: db.into(),
        protected,
    }
}

async fn session(pg: &LocalPg) -> (String, SqlSession) {
    let (db, _admin) = harness::fresh_db(pg).await;
    let s = SqlSession::open(&target(pg, &db, false), None)
        .await
        .unwrap();
    (db, s)
}

async fn run(s: &mut SqlSession, sql: &str) -> RunResult {
    s.run_collect(sql, &RunOptions::default()).await
}

async fn run_ok(s: &mut SqlSession, sql: &str) -> RunResult {
    let r = run(s, sql).await;
    assert!(r.error.is_none(), "{sql}: {:?}", r.error);
    r
}

fn texts(rows: &[Vec<Option<String>>]) -> Vec<Vec<Option<&str>>> {
    rows.iter()
        .map(|r| r.iter().map(|c| c.as_deref()).collect())
        .collect()
}

#[tokio::test]
async fn runs_scripts_mixing_ddl_dml_and_queries() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        let script = "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2));\n\
                      INSERT INTO items VALUES (1, 'one', 1.10), (2, 'two', 2.20), (3, 'three', NULL);\n\
                      -- a comment between statements; with a semicolon\n\
                      UPDATE items SET price = price * 2 WHERE price IS NOT NULL;\n\
                      SELECT id, name, price FROM items ORDER BY id;\n\
                      DELETE FROM items WHERE id = 3;\n\
                      SELECT count(*) AS n FROM items";
        let r = run_ok(&mut s, script).await;
        assert_eq!(r.tx_status, TxStatus::Idle);
        let tags: Vec<_> = r
            .statements
            .iter()
            .map(|s| s.tag.as_deref().unwrap())
            .collect();
        assert_eq!(
            tags,
            [
                "CREATE TABLE",
                "INSERT 0 3",
                "UPDATE 2",
                "SELECT 3",
                "DELETE 1",
                "SELECT 1"
            ]
        );
        let counts: Vec<_> = r.statements.iter().map(|s| s.rows_affected).collect();
        assert_eq!(
            counts,
            [None, Some(3.0), Some(2.0), Some(3.0), Some(1.0), Some(1.0)]
        );
        // Offsets point at each statement in the script.
        for st in &r.statements {
            let text: String = script
                .chars()
                .skip(st.sql_offset as usize)
                .take(st.sql_length as usize)
                .collect();
            assert!(
                !text.starts_with(char::is_whitespace) && !text.ends_with(';'),
                "{text:?}"
            );
        }
        assert!(script[r.statements[3].sql_offset as usize..].starts_with("SELECT id, name"));

        let select = &r.statements[3];
        let cols: Vec<_> = select
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_name.as_str(), c.type_oid))
            .collect();
        assert_eq!(
            cols,
            [
                ("id", "integer", 23),
                ("name", "text", 25),
                ("price", "numeric", 1700)
            ]
        );
        assert!(select.columns[0].table_oid.is_some());
        assert_eq!(select.columns[1].column_attnum, Some(2));
        assert_eq!(
            texts(&select.rows),
            [
                [Some("1"), Some("one"), Some("2.20")],
                [Some("2"), Some("two"), Some("4.40")],
                [Some("3"), Some("three"), None]
            ]
        );
        assert_eq!(texts(&r.statements[5].rows), [[Some("2")]]);
        assert!(r
            .statements
            .iter()
            .all(|s| s.duration_ms >= 0.0 && !s.truncated));

        // An empty script runs nothing and still reports the status.
        let empty = run_ok(&mut s, "  -- nothing\n;;").await;
        assert!(empty.statements.is_empty());
        assert_eq!(empty.tx_status, TxStatus::Idle);
    });
}

#[tokio::test]
async fn transactions_and_settings_carry_over_between_runs() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        run_ok(&mut s, "CREATE TABLE t (x int)").await;

        let r = run_ok(&mut s, "BEGIN").await;
        assert_eq!(r.tx_status, TxStatus::InTransaction);
        let r = run_ok(&mut s, "INSERT INTO t VALUES (1)").await;
        assert_eq!(r.tx_status, TxStatus::InTransaction);
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT count(*) FROM t").await.statements[0].rows),
            [[Some("1")]]
        );
        let r = run_ok(&mut s, "ROLLBACK").await;
        assert_eq!(r.tx_status, TxStatus::Idle);
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT count(*) FROM t").await.statements[0].rows),
            [[Some("0")]]
        );

        // A failed transaction is reported as such until rolled back.
        run_ok(&mut s, "BEGIN; INSERT INTO t VALUES (2)").await;
        let r = run(&mut s, "SELECT 1/0").await;
        assert_eq!(r.error.as_ref().unwrap().sqlstate.as_deref(), Some("22012"));
        assert_eq!(r.tx_status, TxStatus::Failed);
        let r = run(&mut s, "SELECT 1").await;
        assert_eq!(r.error.unwrap().sqlstate.as_deref(), Some("25P02"));
        assert_eq!(run_ok(&mut s, "ROLLBACK").await.tx_status, TxStatus::Idle);

        // COMMIT keeps; SET and temporary tables live as long as the session.
        run_ok(&mut s, "BEGIN; INSERT INTO t VALUES (3); COMMIT").await;
        run_ok(
            &mut s,
            "SET application_name = 'tab 1'; CREATE TEMP TABLE scratch AS SELECT 42 AS v",
        )
        .await;
        let r = run_ok(&mut s, "SELECT current_setting('application_name'), (SELECT v FROM scratch), (SELECT count(*) FROM t)").await;
        assert_eq!(
            texts(&r.statements[0].rows),
            [[Some("tab 1"), Some("42"), Some("1")]]
        );
        assert_eq!(s.tx_status(), TxStatus::Idle);
    });
}

/// Waits until a statement containing `text` runs in `db` (polling `pg_stat_activity`), so
/// a cancel or an abandoned run hits it mid-statement however slow the machine is.
async fn wait_running(pg: &LocalPg, db: &str, text: &str) {
    let admin = pg.connect("postgres").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND state = 'active' \
                 AND pid <> pg_backend_pid() AND position($2 in query) > 0",
                &[&db, &text],
            )
            .await
            .unwrap()
            .get(0);
        if n > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no statement with {text:?} started in {db}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn cancel_stops_a_running_query_and_the_session_stays_usable() {
    for_each_version!(|pg| {
        let (db, mut s) = session(pg).await;
        let canceller = s.canceller();
        let running = db.clone();
        let cancelled_at = tokio::spawn(async move {
            wait_running(pg, &running, "pg_sleep(60)").await;
            let at = Instant::now();
            canceller.cancel().await.unwrap();
            at
        });
        let r = run(&mut s, "SELECT pg_sleep(60); SELECT 'not reached'").await;
        let returned = Instant::now();
        let took = returned - cancelled_at.await.unwrap();
        eprintln!("cancel returned after {took:?}");
        assert!(took < Duration::from_millis(1500), "cancel took {took:?}");
        let e = r.error.unwrap();
        assert_eq!(
            (e.code, e.sqlstate.as_deref()),
            (ErrorCode::Cancelled, Some("57014"))
        );
        assert_eq!(
            r.statements.len(),
            1,
            "the script stops at the cancelled statement"
        );
        assert_eq!(r.tx_status, TxStatus::Idle);
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT 1").await.statements[0].rows),
            [[Some("1")]]
        );

        // Inside a transaction, cancelling fails the transaction; ROLLBACK recovers.
        run_ok(&mut s, "BEGIN").await;
        let c = s.canceller();
        let running = db.clone();
        tokio::spawn(async move {
            wait_running(pg, &running, "pg_sleep(60)").await;
            c.cancel().await.unwrap();
        });
        let r = run(&mut s, "SELECT pg_sleep(60)").await;
        assert_eq!(r.error.unwrap().code, ErrorCode::Cancelled);
        assert_eq!(r.tx_status, TxStatus::Failed);
        assert_eq!(run_ok(&mut s, "ROLLBACK").await.tx_status, TxStatus::Idle);

        // A run whose future is dropped mid-statement (a closed tab) does not wedge the session.
        let defaults = RunOptions::default();
        let abandoned: Result<RunResult, ()> = tokio::select! {
            r = s.run_collect("SELECT pg_sleep(30)", &defaults) => Ok(r),
            () = wait_running(pg, &db, "pg_sleep(30)") => Err(()),
        };
        assert!(abandoned.is_err());
        let started = Instant::now();
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT 2").await.statements[0].rows),
            [[Some("2")]]
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    });
}

#[tokio::test]
async fn values_render_as_the_exact_server_text() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        run_ok(
            &mut s,
            "CREATE TYPE mood AS ENUM ('sad', 'happy');\n\
             CREATE TYPE pair AS (a int, b text);\n\
             SET TimeZone = 'America/New_York'",
        )
        .await;
        let cases: &[(&str, Option<&str>, &str)] = &[
            (
                "1234567890.123456789012345::numeric",
                Some("1234567890.123456789012345"),
                "numeric",
            ),
            ("'NaN'::numeric", Some("NaN"), "numeric"),
            ("0.1::float8", Some("0.1"), "double precision"),
            (
                "9223372036854775807::int8",
                Some("9223372036854775807"),
                "bigint",
            ),
            (
                "'2024-01-15 12:34:56.789+00'::timestamptz",
                Some("2024-01-15 07:34:56.789-05"),
                "timestamp with time zone",
            ),
            (
                "'2024-07-01 00:00'::timestamp",
                Some("2024-07-01 00:00:00"),
                "timestamp without time zone",
            ),
            (
                "'{\"b\": [1, 2.50, null], \"a\": \"x\"}'::jsonb",
                Some("{\"a\": \"x\", \"b\": [1, 2.50, null]}"),
                "jsonb",
            ),
            (
                "'{\"keep\":  \"spacing\"}'::json",
                Some("{\"keep\":  \"spacing\"}"),
                "json",
            ),
            ("ARRAY[1, NULL, 3]", Some("{1,NULL,3}"), "integer[]"),
            (
                "ARRAY['a b', NULL, 'q\"uote', 'NULL', '', 'c,d']::text[]",
                Some("{\"a b\",NULL,\"q\\\"uote\",\"NULL\",\"\",\"c,d\"}"),
                "text[]",
            ),
            ("'\\xdeadbeef'::bytea", Some("\\xdeadbeef"), "bytea"),
            ("convert_to('hé', 'UTF8')", Some("\\x68c3a9"), "bytea"),
            ("NULL::text", None, "text"),
            ("'NULL'::text", Some("NULL"), "text"),
            ("''::text", Some(""), "text"),
            ("'happy'::mood", Some("happy"), "mood"),
            (
                "ARRAY['sad', 'happy']::mood[]",
                Some("{sad,happy}"),
                "mood[]",
            ),
            ("ROW(1, 'x y')::pair", Some("(1,\"x y\")"), "pair"),
            ("ROW(NULL, '')::pair", Some("(,\"\")"), "pair"),
            (
                "'1 year 2 months 3 days 04:05:06.5'::interval",
                Some("1 year 2 mons 3 days 04:05:06.5"),
                "interval",
            ),
            (
                "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid",
                Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                "uuid",
            ),
            ("true", Some("t"), "boolean"),
            ("false", Some("f"), "boolean"),
            ("'tab\tnew\nline ☃'::text", Some("tab\tnew\nline ☃"), "text"),
        ];
        let select = format!(
            "SELECT {}",
            cases.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        );
        let r = run_ok(&mut s, &select).await;
        let st = &r.statements[0];
        assert_eq!(st.rows.len(), 1);
        for (i, (expr, want, type_name)) in cases.iter().enumerate() {
            assert_eq!(st.rows[0][i].as_deref(), *want, "{expr}");
            assert_eq!(st.columns[i].type_name, *type_name, "{expr}");
        }
        assert_eq!(st.columns[0].type_oid, 1700);
        // The second run knows the user-defined type names from the start.
        let mut columns_events = 0;
        s.run("SELECT 'sad'::mood", &RunOptions::default(), |ev| {
            if let RunEvent::Columns { columns, .. } = ev {
                columns_events += 1;
                assert_eq!(columns[0].type_name, "mood");
            }
            true
        })
        .await;
        assert_eq!(columns_events, 1);
    });
}

#[tokio::test]
async fn error_positions_point_into_the_whole_script() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        let script = "SELECT 1;\nSELECT * FROM no_such_table;\nSELECT 3;";
        let r = run(&mut s, script).await;
        let e = r.error.clone().unwrap();
        assert_eq!(e.code, ErrorCode::ServerError);
        assert_eq!(e.sqlstate.as_deref(), Some("42P01"));
        assert!(e.message.contains("no_such_table"), "{}", e.message);
        let want = script.find("no_such_table").unwrap() as u32 + 1;
        assert_eq!(e.position, Some(want));
        assert_eq!(r.statements.len(), 2, "the third statement did not run");
        assert_eq!(r.statements[0].tag.as_deref(), Some("SELECT 1"));
        assert_eq!(r.statements[1].error.as_ref(), Some(&e));

        // Positions count characters, as PostgreSQL's do.
        let script = "SELECT 'é☃';\n  SELEC 2";
        let e = run(&mut s, script).await.error.unwrap();
        assert_eq!(e.sqlstate.as_deref(), Some("42601"));
        let chars_before = script[..script.find("SELEC ").unwrap()].chars().count() as u32;
        assert_eq!(e.position, Some(chars_before + 1));

        // Errors raised inside a function carry no script position.
        let script = "CREATE FUNCTION boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1/0; END $$;\nSELECT boom()";
        let e = run(&mut s, script).await.error.unwrap();
        assert_eq!(e.sqlstate.as_deref(), Some("22012"));
        assert_eq!(e.position, None);

        // COPY from the client is refused before it reaches the server.
        let e = run(&mut s, "SELECT 1; COPY t FROM STDIN")
            .await
            .error
            .unwrap();
        assert_eq!((e.code, e.position), (ErrorCode::InvalidInput, Some(11)));
        assert_eq!(run_ok(&mut s, "SELECT 1").await.tx_status, TxStatus::Idle);
    });
}

#[tokio::test]
async fn notices_are_captured_per_statement() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        let script = "DO $$ BEGIN RAISE NOTICE 'first %', 1; RAISE WARNING 'second'; END $$;\n\
                      SELECT 1;\n\
                      DO $$ BEGIN RAISE NOTICE 'third' USING HINT = 'a hint', ERRCODE = '01000'; END $$;\n\
                      CREATE TABLE IF NOT EXISTS n (x int); CREATE TABLE IF NOT EXISTS n (x int)";
        let mut order = Vec::new();
        let mut result = RunResult::collect([]);
        s.run(script, &RunOptions::default(), |ev| {
            order.push(match &ev {
                RunEvent::Notice { index, .. } => format!("notice {index}"),
                RunEvent::StatementDone { index, .. } => format!("done {index}"),
                _ => String::new(),
            });
            result.push(ev);
            true
        })
        .await;
        assert!(result.error.is_none());
        let notices = |i: usize| {
            result.statements[i]
                .notices
                .iter()
                .map(|n| (n.severity.as_str(), n.message.as_str()))
                .collect::<Vec<_>>()
        };
        assert_eq!(notices(0), [("NOTICE", "first 1"), ("WARNING", "second")]);
        assert!(notices(1).is_empty());
        assert_eq!(notices(2), [("NOTICE", "third")]);
        assert_eq!(
            result.statements[2].notices[0].hint.as_deref(),
            Some("a hint")
        );
        assert_eq!(result.statements[2].notices[0].sqlstate, "01000");
        assert!(notices(3).is_empty());
        assert_eq!(
            notices(4),
            [("NOTICE", "relation \"n\" already exists, skipping")]
        );
        order.retain(|o| !o.is_empty());
        assert_eq!(
            order,
            [
                "notice 0", "notice 0", "done 0", "done 1", "notice 2", "done 2", "done 3",
                "notice 4", "done 4"
            ]
        );
    });
}

#[tokio::test]
async fn protected_sessions_are_read_only_until_unlocked() {
    for_each_version!(|pg| {
        let (db, admin) = harness::fresh_db(pg).await;
        admin.batch_execute("CREATE TABLE t (x int)").await.unwrap();
        let mut s = SqlSession::open(&target(pg, &db, true), None)
            .await
            .unwrap();
        assert!(s.read_only());
        let r = run(&mut s, "INSERT INTO t VALUES (1)").await;
        let e = r.error.unwrap();
        assert_eq!(e.sqlstate.as_deref(), Some("25006"), "{e:?}");
        assert!(r.read_only);
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT count(*) FROM t").await.statements[0].rows),
            [[Some("0")]]
        );

        // Not inside a transaction: a ROLLBACK would silently undo the unlock.
        run_ok(&mut s, "BEGIN").await;
        assert_eq!(s.unlock().await.unwrap_err().code, ErrorCode::Conflict);
        run_ok(&mut s, "ROLLBACK").await;

        s.unlock().await.unwrap();
        assert!(!s.read_only());
        let r = run_ok(&mut s, "INSERT INTO t VALUES (1)").await;
        assert_eq!(r.statements[0].tag.as_deref(), Some("INSERT 0 1"));
        assert!(!r.read_only);
        s.set_read_only(true).await.unwrap();
        assert_eq!(
            run(&mut s, "DELETE FROM t")
                .await
                .error
                .unwrap()
                .sqlstate
                .as_deref(),
            Some("25006")
        );

        // An unprotected session writes from the start.
        let mut w = SqlSession::open(&target(pg, &db, false), None)
            .await
            .unwrap();
        assert!(!w.read_only());
        run_ok(&mut w, "INSERT INTO t VALUES (2)").await;
    });
}

#[tokio::test]
async fn large_results_stream_the_first_pages_and_store_every_row() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        let opts = RunOptions {
            page_size: 100,
            max_rows: Some(1000),
        };
        let mut pages = Vec::new();
        let mut done = None;
        let summary = s
            .run(
                "SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g",
                &opts,
                |ev| {
                    match ev {
                        RunEvent::Rows { rows, .. } => pages.push(rows),
                        ev @ RunEvent::StatementDone { .. } => done = Some(ev),
                        _ => {}
                    }
                    true
                },
            )
            .await;
        assert!(summary.error.is_none());
        assert!(pages.iter().all(|p| !p.is_empty() && p.len() <= 100));
        let kept: Vec<_> = pages.concat();
        assert_eq!(kept.len(), 1000);
        assert_eq!(kept[999][0].as_deref(), Some("1000"));
        match done.unwrap() {
            RunEvent::StatementDone {
                tag,
                rows_affected,
                rows_stored,
                truncated,
                ..
            } => {
                assert_eq!(tag, "SELECT 200000");
                assert_eq!(rows_affected, Some(200000.0));
                assert_eq!(rows_stored, 200000.0);
                assert!(!truncated, "every row was stored");
            }
            _ => unreachable!(),
        }
        let tail = s.fetch_rows(0, 199_990, 50).unwrap();
        assert_eq!(tail.len(), 10);
        assert_eq!(tail[9][0].as_deref(), Some("200000"));
        assert_eq!(tail[9][1].as_deref().map(str::len), Some(100));

        // A sink that stops (the UI went away) cancels the statement and skips the rest.
        let started = Instant::now();
        let mut seen = 0;
        let summary = s
            .run(
                "SELECT generate_series(1, 50000000) AS g; SELECT 'not reached'",
                &RunOptions {
                    page_size: 1000,
                    max_rows: None,
                },
                |ev| {
                    if matches!(ev, RunEvent::Rows { .. }) {
                        seen += 1;
                    }
                    seen < 3
                },
            )
            .await;
        assert_eq!(summary.error.unwrap().code, ErrorCode::Cancelled);
        assert_eq!(summary.statements_done, 0);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            texts(&run_ok(&mut s, "SELECT 'still here'").await.statements[0].rows),
            [[Some("still here")]]
        );
    });
}

#[tokio::test]
async fn every_row_of_a_large_result_can_be_fetched_until_the_next_run() {
    for_each_version!(|pg| {
        let (_db, mut s) = session(pg).await;
        let mut sent = 0usize;
        let mut done = None;
        let summary = s
            .run(
                "SELECT 1 AS one;\nSELECT g FROM generate_series(1,250000) g",
                &RunOptions::default(),
                |ev| {
                    match ev {
                        RunEvent::Rows { index: 1, rows } => sent += rows.len(),
                        RunEvent::StatementDone {
                            index: 1,
                            rows_stored,
                            truncated,
                            ..
                        } => done = Some((rows_stored, truncated)),
                        _ => {}
                    }
                    true
                },
            )
            .await;
        assert!(summary.error.is_none(), "{:?}", summary.error);
        assert_eq!(sent, RunOptions::default().max_rows.unwrap() as usize);
        assert_eq!(done, Some((250000.0, false)));
        let numbers = |rows: Vec<Vec<Option<String>>>| -> Vec<u64> {
            rows.iter()
                .map(|r| r[0].as_deref().unwrap().parse().unwrap())
                .collect()
        };
        // Rows 249,951–250,000, a middle range, and the first statement's one row.
        let end = s.fetch_rows(1, 249_950, 50).unwrap();
        assert_eq!(numbers(end), (249_951..=250_000).collect::<Vec<_>>());
        let middle = s.fetch_rows(1, 120_000, 1000).unwrap();
        assert_eq!(numbers(middle), (120_001..=121_000).collect::<Vec<_>>());
        assert!(s.fetch_rows(1, 250_000, 10).unwrap().is_empty());
        assert_eq!(texts(&s.fetch_rows(0, 0, 10).unwrap()), [[Some("1")]]);
        // Readable from a handle without the session (as the app does while a run goes on).
        let results = s.results();
        assert_eq!(results.stored(1), 250_000);

        // The next run replaces them; a run without a row limit (CLI, export) stores none.
        run_ok(&mut s, "SELECT 'next'").await;
        assert!(s.fetch_rows(1, 0, 10).unwrap().is_empty());
        assert_eq!(results.stored(0), 1);
        let opts = RunOptions {
            page_size: 1000,
            max_rows: None,
        };
        let r = s
            .run_collect("SELECT generate_series(1, 5000)", &opts)
            .await;
        assert_eq!(r.statements[0].rows.len(), 5000);
        assert_eq!(r.statements[0].rows_stored, 0.0);
        assert_eq!(results.stored(0), 0);
    });
}

#[tokio::test]
async fn history_is_kept_across_reopening_the_store() {
    for_each_version!(|pg| {
        let dir = harness::scratch_dir(&format!("sql-history-{}", pg.bins.major));
        let (db, _admin) = harness::fresh_db(pg).await;
        {
            let grove = Grove::open(Paths::at(&dir)).await.unwrap();
            let mut s = SqlSession::open(&target(pg, &db, false), Some(grove.store.clone()))
                .await
                .unwrap();
            run_ok(&mut s, "SELECT generate_series(1, 3) AS n").await;
            run(&mut s, "SELECT 1;\nSELECT * FROM missing_table").await;
            run_ok(&mut s, "  -- only a comment  ").await;
            grove.store.close().await;
        }
        let grove = Grove::open(Paths::at(&dir)).await.unwrap();
        let all = history::list_history(&grove.store, &HistoryQuery::default())
            .await
            .unwrap();
        assert_eq!(all.len(), 2, "empty scripts are not recorded: {all:?}");
        assert_eq!(all[0].sql, "SELECT 1;\nSELECT * FROM missing_table");
        assert!(all[0].error.as_deref().unwrap().contains("missing_table"));
        assert_eq!(all[0].row_count, Some(1.0));
        assert_eq!(
            (all[0].server_id.as_str(), all[0].branch.as_str()),
            ("local", db.as_str())
        );
        assert_eq!(all[1].sql, "SELECT generate_series(1, 3) AS n");
        assert_eq!(
            (all[1].row_count, all[1].error.as_deref()),
            (Some(3.0), None)
        );
        assert!(all[0].started_at >= all[1].started_at);
        let hits = history::list_history(
            &grove.store,
            &HistoryQuery {
                search: Some("GENERATE_series".into()),
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(hits.len(), 1);
    });
}

#[tokio::test]
async fn exports_stream_full_results_to_csv_and_json_files() {
    for_each_version!(|pg| {
        let (db, admin) = harness::fresh_db(pg).await;
        admin
            .batch_execute(
                "CREATE TABLE e (id int, name text, price numeric, ok bool, doc jsonb, tags text[]);
                 INSERT INTO e VALUES
                   (1, 'plain', 1.50, true, '{\"a\":1}', '{x,y}'),
                   (2, 'comma, \"quote\"' || E'\\n' || 'newline', NULL, false, NULL, NULL),
                   (3, '', 12345678901234567890.123, NULL, '[1,2]', '{}');",
            )
            .await
            .unwrap();
        let t = target(pg, &db, true);
        let dir = harness::scratch_dir(&format!("sql-export-{}", pg.bins.major));
        let query = "SELECT * FROM e ORDER BY id;";

        let csv = dir.join("e.csv");
        let sum = export_query(&t, query, ExportFormat::Csv, &csv, |_| true)
            .await
            .unwrap();
        assert_eq!(sum.rows, 3.0);
        let text = std::fs::read_to_string(&csv).unwrap();
        assert_eq!(sum.bytes, text.len() as f64);
        assert_eq!(
            text,
            "id,name,price,ok,doc,tags\n\
             1,plain,1.50,t,\"{\"\"a\"\": 1}\",\"{x,y}\"\n\
             2,\"comma, \"\"quote\"\"\nnewline\",,f,,\n\
             3,\"\",12345678901234567890.123,,\"[1, 2]\",{}\n"
        );

        let json = dir.join("e.json");
        let sum = export_query(&t, query, ExportFormat::Json, &json, |_| true)
            .await
            .unwrap();
        assert_eq!(sum.rows, 3.0);
        let text = std::fs::read_to_string(&json).unwrap();
        assert!(
            text.contains("\"price\":12345678901234567890.123"),
            "numbers stay exact: {text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 3);
        assert_eq!(
            v[0],
            serde_json::json!({"id": 1, "name": "plain", "price": 1.5, "ok": true, "doc": {"a": 1}, "tags": "{x,y}"})
        );
        assert_eq!(v[1]["name"], "comma, \"quote\"\nnewline");
        assert!(v[1]["price"].is_null() && v[2]["ok"].is_null());
        assert_eq!(v[2]["name"], "");

        let nd = dir.join("e.ndjson");
        export_query(&t, query, ExportFormat::Ndjson, &nd, |_| true)
            .await
            .unwrap();
        let text = std::fs::read_to_string(&nd).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[2]["doc"], serde_json::json!([1, 2]));

        // An empty result is an empty array; errors map into the query text and leave no file.
        let empty = dir.join("empty.json");
        export_query(
            &t,
            "SELECT * FROM e WHERE false",
            ExportFormat::Json,
            &empty,
            |_| true,
        )
        .await
        .unwrap();
        assert_eq!(std::fs::read_to_string(&empty).unwrap(), "[]\n");
        let bad = dir.join("bad.csv");
        let e = export_query(
            &t,
            "\n  SELECT nope FROM e",
            ExportFormat::Csv,
            &bad,
            |_| true,
        )
        .await
        .unwrap_err();
        assert_eq!(
            (e.sqlstate.as_deref(), e.position),
            (Some("42703"), Some(11))
        );
        assert!(!bad.exists() && !dir.join("bad.csv.part").exists());
        let e = export_query(&t, "SELECT 1; SELECT 2", ExportFormat::Json, &bad, |_| true)
            .await
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput);

        // Large exports stream, and cancel through the progress callback.
        let big = dir.join("big.csv");
        let sum = export_query(
            &t,
            "SELECT g, md5(g::text) FROM generate_series(1, 200000) g",
            ExportFormat::Csv,
            &big,
            |_| true,
        )
        .await
        .unwrap();
        assert_eq!(sum.rows, 200000.0);
        assert_eq!(
            std::fs::read_to_string(&big).unwrap().lines().count(),
            200001
        );
        let e = export_query(
            &t,
            "SELECT g, md5(g::text) FROM (SELECT generate_series(1, 50000000) AS g) s",
            ExportFormat::Ndjson,
            &dir.join("huge.ndjson"),
            |bytes| bytes < 3e6,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::Cancelled);
        assert!(!dir.join("huge.ndjson").exists());
    });
}

#[tokio::test]
async fn schema_for_autocomplete() {
    for_each_version!(|pg| {
        let (db, admin) = harness::fresh_db(pg).await;
        admin
            .batch_execute(
                "CREATE SCHEMA app;
                 CREATE TABLE app.users (id bigint PRIMARY KEY, email varchar(200) NOT NULL, note text);
                 CREATE VIEW app.emails AS SELECT email FROM app.users;
                 CREATE FUNCTION app.add(a integer, b integer DEFAULT 1) RETURNS integer LANGUAGE sql AS 'SELECT a + b';
                 CREATE PROCEDURE app.noop() LANGUAGE sql AS 'SELECT 1';",
            )
            .await
            .unwrap();
        let schema = load_schema(&target(pg, &db, false), false).await.unwrap();
        for s in ["app", "public", "pg_catalog", "information_schema"] {
            assert!(
                schema.schemas.iter().any(|x| x == s),
                "{s}: {:?}",
                schema.schemas
            );
        }
        assert_eq!(schema.search_path, ["public"]);
        assert!(schema.relations.iter().all(|r| r.schema != "pg_catalog"));
        let users = schema
            .relations
            .iter()
            .find(|r| r.schema == "app" && r.name == "users")
            .unwrap();
        assert_eq!(users.kind, RelationKind::Table);
        let cols: Vec<_> = users
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.type_name.as_str(), c.nullable))
            .collect();
        assert_eq!(
            cols,
            [
                ("id", "bigint", false),
                ("email", "character varying(200)", false),
                ("note", "text", true)
            ]
        );
        let view = schema
            .relations
            .iter()
            .find(|r| r.name == "emails")
            .unwrap();
        assert_eq!(view.kind, RelationKind::View);
        let add = schema.functions.iter().find(|f| f.name == "add").unwrap();
        assert_eq!(add.arguments, "a integer, b integer DEFAULT 1");
        assert_eq!(add.result.as_deref(), Some("integer"));
        assert_eq!(add.kind, FunctionKind::Function);
        let noop = schema.functions.iter().find(|f| f.name == "noop").unwrap();
        assert_eq!(noop.kind, FunctionKind::Procedure);

        let with_system = load_schema(&target(pg, &db, false), true).await.unwrap();
        assert!(with_system
            .functions
            .iter()
            .any(|f| f.schema == "pg_catalog" && f.name == "now"));
    });
}

fn grove_sql(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(harness::grove_bin())
        .env("GROVE_DATA_DIR", data)
        .env_remove("GROVE_SERVER")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[tokio::test]
async fn cli_grove_sql_prints_every_format_and_fails_with_the_server_error() {
    for_each_version!(|pg| {
        let (db, admin) = harness::fresh_db(pg).await;
        admin
            .batch_execute(
                "CREATE TABLE t (id int, name text, price numeric);
                 INSERT INTO t VALUES (1, 'a,b', 1.50), (2, NULL, 20);",
            )
            .await
            .unwrap();
        let data = harness::scratch_dir(&format!("cli-sql-{}", pg.bins.major));
        let server = pg.uri("postgres");
        let q = "SELECT id, name, price FROM t ORDER BY id";
        let sql = |extra: &[&str]| {
            let mut args = vec!["--server", server.as_str()];
            args.extend_from_slice(extra);
            grove_sql(&data, &args, None)
        };

        let o = sql(&["sql", &db, "-c", q]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            " id | name | price\n----+------+-------\n  1 | a,b  |  1.50\n  2 |      |    20\n(2 rows)\n"
        );

        let o = sql(&["sql", &db, "--format", "csv", "-c", q]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "id,name,price\n1,\"a,b\",1.50\n2,,20\n");

        for args in [
            vec!["sql", db.as_str(), "--format", "json", "-c", q],
            vec!["--json", "sql", db.as_str(), "-c", q],
        ] {
            let o = sql(&args);
            assert!(o.status.success(), "{}", stderr(&o));
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(
                v,
                serde_json::json!([{"id": 1, "name": "a,b", "price": 1.5}, {"id": 2, "name": null, "price": 20}])
            );
            assert!(stdout(&o).contains("\"price\":1.50"), "exact numeric text");
        }

        // A script from a file and from stdin; commands print their tags, notices go to stderr.
        let script = "CREATE TEMP TABLE s (x int);\nINSERT INTO s VALUES (1), (2);\nDO $$ BEGIN RAISE NOTICE 'hello'; END $$;\nSELECT sum(x) AS total FROM s;";
        let file = data.join("script.sql");
        std::fs::write(&file, script).unwrap();
        let o = sql(&["sql", &db, "--file", file.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "CREATE TABLE\nINSERT 0 2\nDO\n total\n-------\n     3\n(1 row)\n"
        );
        assert_eq!(stderr(&o), "NOTICE:  hello\n");
        let o = grove_sql(
            &data,
            &[
                "--server", &server, "sql", &db, "--format", "csv", "--file", "-",
            ],
            Some(script),
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "total\n3\n");

        // Errors: exit 1, one line with the server's message, SQLSTATE and script position.
        let bad = "SELECT 1 AS one;\nSELECT * FROM missing_table";
        let o = sql(&["sql", &db, "-c", bad]);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            stdout(&o).starts_with(" one\n"),
            "earlier results still print"
        );
        assert_eq!(
            stderr(&o),
            "grove: relation \"missing_table\" does not exist (SQLSTATE 42P01, position 32)\n"
        );
        let o = sql(&["--json", "sql", &db, "-c", bad]);
        assert_eq!(o.status.code(), Some(1));
        let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&stdout(&o))
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(docs[0], serde_json::json!([{"one": 1}]));
        assert_eq!(docs[1]["error"]["sqlstate"], "42P01");
        assert_eq!(docs[1]["error"]["position"], 32);
        assert_eq!(
            docs[1]["error"]["message"],
            "relation \"missing_table\" does not exist"
        );

        let o = sql(&["sql", &db]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("-c SQL or --file"), "{}", stderr(&o));
        let o = sql(&["sql", &db, "-c", "SELECT 1", "--file", "x.sql"]);
        assert_eq!(o.status.code(), Some(2), "usage error");
        let o = sql(&["sql", "no_such_db", "-c", "SELECT 1"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("no_such_db"), "{}", stderr(&o));

        // A protected branch is read-only unless --allow-write.
        let branches = grove_core::branch::Branches::new(
            pg.fields("postgres"),
            Some(pg.password().to_string()),
        );
        branches
            .import(&db, None, grove_core::branch::no_progress())
            .await
            .unwrap();
        branches.set_protected(&db, true).await.unwrap();
        let insert = "INSERT INTO t VALUES (3, 'c', 3)";
        let o = sql(&["sql", &db, "-c", insert]);
        assert_eq!(o.status.code(), Some(1));
        assert!(stderr(&o).contains("SQLSTATE 25006"), "{}", stderr(&o));
        let o = sql(&["sql", &db, "--allow-write", "-c", insert]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), "INSERT 0 1\n");
    });
}
