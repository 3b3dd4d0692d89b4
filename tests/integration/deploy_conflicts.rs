//! The three-way conflict matrix: a root made from BASE, a child created from it (so its merge
//! base is stored), then PARENT's SQL run on the root and CHILD's on the child. Each scenario
//! asserts the verdict; a clean one is applied and the parent must then equal a database built
//! from BASE + PARENT + CHILD.
use crate::branches::{close, engine, unique};
use crate::for_each_version;
use crate::harness::{self, fresh_db};
use grove_core::api::{CheckDeploy, CreateDeploy, OpContext, RunDeploy};
use grove_core::deploy::{ApplyOptions, DeployCheck};
use grove_core::local_pg::LocalPg;
use grove_core::paths::Paths;
use grove_core::{Grove, ServerRef};

pub(crate) struct Scenario {
    pub name: &'static str,
    pub base: &'static str,
    pub parent: &'static str,
    pub child: &'static str,
    /// None: clean; Some(text): a conflict whose message contains it.
    pub conflict: Option<&'static str>,
}

const T: &str = "CREATE TABLE t (id int PRIMARY KEY, a text, b int);";

fn scenarios() -> Vec<Scenario> {
    let s = |name, base, parent, child, conflict| Scenario {
        name,
        base,
        parent,
        child,
        conflict,
    };
    vec![
        s(
            "independent columns in one table",
            T,
            "ALTER TABLE t ADD COLUMN p int;",
            "ALTER TABLE t ADD COLUMN c int;",
            None,
        ),
        s(
            "the same column added alike",
            T,
            "ALTER TABLE t ADD COLUMN x int;",
            "ALTER TABLE t ADD COLUMN x int;",
            None,
        ),
        s(
            "the same column added with different types",
            T,
            "ALTER TABLE t ADD COLUMN x int;",
            "ALTER TABLE t ADD COLUMN x text;",
            Some("both branches added column \"x\""),
        ),
        s(
            "child indexes a column the parent dropped",
            T,
            "ALTER TABLE t DROP COLUMN b;",
            "CREATE INDEX t_b ON t (b);",
            Some("which the parent dropped"),
        ),
        s(
            "parent renamed (drop+create) a table the child altered",
            T,
            "DROP TABLE t; CREATE TABLE t2 (id int PRIMARY KEY, a text, b int);",
            "ALTER TABLE t ADD COLUMN c int;",
            Some("which the parent dropped"),
        ),
        s(
            "both add different enum values",
            "CREATE TYPE mood AS ENUM ('sad', 'ok');",
            "ALTER TYPE mood ADD VALUE 'happy';",
            "ALTER TYPE mood ADD VALUE 'angry';",
            Some("type \"public\".\"mood\""),
        ),
        s(
            "both change a function differently",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 3';",
            Some("both branches changed function"),
        ),
        s(
            "both change a function alike",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';",
            "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';",
            None,
        ),
        s(
            "child views a column the parent retyped",
            T,
            "ALTER TABLE t ALTER COLUMN b TYPE bigint;",
            "CREATE VIEW v AS SELECT id, b FROM t;",
            Some("whose type the parent changed"),
        ),
        s(
            "parent indexes a column the child drops",
            T,
            "CREATE INDEX t_a ON t (a);",
            "ALTER TABLE t DROP COLUMN a;",
            Some("which the child dropped"),
        ),
        s(
            "independent new tables",
            T,
            "CREATE TABLE p (id int);",
            "CREATE TABLE c (id int REFERENCES t (id));",
            None,
        ),
        s(
            "child references a table the parent dropped",
            "CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE u (id int, t_id int);",
            "DROP TABLE t;",
            "ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_id) REFERENCES t (id);",
            Some("which the parent dropped"),
        ),
        s(
            "child sets a default, parent comments the column",
            T,
            "COMMENT ON COLUMN t.a IS 'from the parent';",
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x';",
            None,
        ),
        s(
            "both retype one column differently",
            T,
            "ALTER TABLE t ALTER COLUMN b TYPE bigint;",
            "ALTER TABLE t ALTER COLUMN b TYPE numeric;",
            Some("both branches changed column \"b\""),
        ),
        s(
            "same-named checks that differ",
            T,
            "ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b > 0);",
            "ALTER TABLE t ADD CONSTRAINT b_pos CHECK (b >= 0);",
            Some("constraint \"b_pos\""),
        ),
        s(
            "child drops a table the parent added a column to",
            T,
            "ALTER TABLE t ADD COLUMN p int;",
            "DROP TABLE t;",
            Some("which the child dropped"),
        ),
        s(
            "child adds a NOT NULL column, parent an index",
            T,
            "CREATE INDEX t_a ON t (a);",
            "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0;",
            None,
        ),
        s(
            "child drops a column, parent changed its comment",
            T,
            "COMMENT ON COLUMN t.b IS 'b';",
            "ALTER TABLE t DROP COLUMN b;",
            Some("the child drops column \"b\""),
        ),
    ]
}

pub(crate) async fn grove_for(name: &str) -> Grove {
    Grove::open(Paths::at(harness::scratch_dir(name).join("state")))
        .await
        .unwrap()
}

pub(crate) fn ctx() -> OpContext<'static> {
    OpContext::quiet("tests")
}

/// A fresh database with `sql` run in it (no session left open).
pub(crate) async fn db_with(pg: &LocalPg, sql: &str) -> String {
    let (db, s) = fresh_db(pg).await;
    s.batch_execute(sql).await.unwrap();
    close(pg, s).await;
    db
}

pub(crate) async fn run_sql(pg: &LocalPg, db: &str, sql: &str) {
    let s = pg.connect(db).await.unwrap();
    s.batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    close(pg, s).await;
}

/// Root from `base`, child created from it, then each side's SQL: (root, child).
pub(crate) async fn fork(pg: &LocalPg, base: &str, parent: &str, child: &str) -> (String, String) {
    let br = engine(pg);
    let root = db_with(pg, base).await;
    br.import(&root, None, grove_core::branch::no_progress())
        .await
        .unwrap();
    let name = unique("child");
    br.create(
        &name,
        &root,
        false,
        grove_core::branch::OnBusy::Fail,
        grove_core::branch::no_progress(),
    )
    .await
    .unwrap();
    if !parent.is_empty() {
        run_sql(pg, &root, parent).await;
    }
    if !child.is_empty() {
        run_sql(pg, &name, child).await;
    }
    (root, name)
}

pub(crate) async fn open_request(grove: &Grove, pg: &LocalPg, child: &str) -> DeployCheck {
    let req = CreateDeploy {
        server: ServerRef::Url(pg.uri("postgres")),
        child: child.into(),
        into: None,
    };
    grove.create_deploy(req, &ctx()).await.unwrap()
}

/// The schema differences between two databases of `pg` (empty: same schema).
pub(crate) async fn schema_differences(pg: &LocalPg, a: &str, b: &str) -> Vec<String> {
    let pw = Some(pg.password());
    let d = grove_core::schema::diff_databases((&pg.fields(a), pw), (&pg.fields(b), pw))
        .await
        .unwrap();
    d.changes()
        .map(|o| format!("{} {}", o.kind.as_str(), o.identity))
        .collect()
}

#[tokio::test]
async fn conflict_matrix() {
    for_each_version!(|pg| {
        let grove = grove_for("deploy-matrix").await;
        let server = ServerRef::Url(pg.uri("postgres"));
        let mut failures = Vec::new();
        for sc in scenarios() {
            let (root, child) = fork(pg, sc.base, sc.parent, sc.child).await;
            let opened = open_request(&grove, pg, &child).await;
            assert!(!opened.two_way, "{}: a new child has a merge base", sc.name);
            let check = grove
                .check_deploy(
                    CheckDeploy {
                        server: server.clone(),
                        id: opened.request.id,
                        dry_run: true,
                    },
                    &ctx(),
                )
                .await
                .unwrap();
            let messages: Vec<&str> = check.conflicts.iter().map(|c| c.message.as_str()).collect();
            match sc.conflict {
                Some(text) => {
                    if !messages.iter().any(|m| m.contains(text)) {
                        failures.push(format!(
                            "{}: expected a conflict with {text:?}, got {messages:?}",
                            sc.name
                        ));
                    }
                }
                None if !messages.is_empty() => {
                    failures.push(format!("{}: expected clean, got {messages:?}", sc.name))
                }
                None => {
                    let dry = check.dry_run.as_ref();
                    if !check.result.migration.is_empty() && !dry.is_some_and(|d| d.ok) {
                        failures.push(format!("{}: dry run {dry:?}", sc.name));
                        continue;
                    }
                    if !check.result.migration.is_empty() {
                        let run = RunDeploy {
                            server: server.clone(),
                            id: opened.request.id,
                            options: ApplyOptions::default(),
                        };
                        if let Err(e) = grove.apply_deploy(run, &ctx()).await {
                            failures.push(format!("{}: apply: {e}", sc.name));
                            continue;
                        }
                    }
                    let child_sql = if sc.child == sc.parent { "" } else { sc.child };
                    let expected =
                        db_with(pg, &format!("{}\n{}\n{child_sql}", sc.base, sc.parent)).await;
                    let left = schema_differences(pg, &root, &expected).await;
                    if !left.is_empty() {
                        failures.push(format!(
                            "{}: the parent differs from the expected schema: {left:?}",
                            sc.name
                        ));
                    }
                }
            }
        }
        assert!(scenarios().len() >= 15);
        assert!(
            failures.is_empty(),
            "{} scenario(s) failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    });
}
