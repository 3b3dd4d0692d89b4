//! One throwaway server per major version, and one case's round trip on it.
use crate::compare::{difference, loosen_dump, loosen_oracle, normalize_dump, oracle};
use crate::harness;
use crate::suites::{Case, Outcome, BENIGN_LOAD_ERRORS, ROLES};
use grove_core::conn::Session;
use grove_core::ident::quote_ident;
use grove_core::local_pg::LocalPg;
use grove_core::schema;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub struct Server {
    pub pg: &'static LocalPg,
    pub major: u32,
    psql: PathBuf,
    pub pg_dump: Option<PathBuf>,
    /// One session for CREATE/DROP DATABASE (connections are slow in debug builds).
    admin: Session,
    /// Role memberships are cluster-wide: loads that grant roles take turns.
    role_lock: tokio::sync::Mutex<()>,
}

impl Server {
    async fn create_db(&self, name: &str) {
        let t = Instant::now();
        self.admin
            .batch_execute(&format!("CREATE DATABASE {}", quote_ident(name)))
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e:?}"));
        if std::env::var_os("GROVE_CONFORMANCE_TIMING").is_some() {
            let f: String = self
                .admin
                .query_one(
                    "SELECT current_setting('fsync') || current_setting('full_page_writes')",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            eprintln!("    create {name} {:?} {f}", t.elapsed());
        }
    }

    async fn drop_db(&self, name: &str) {
        let _ = self
            .admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(name)
            ))
            .await;
    }

    fn command(&self, tool: &Path, db: &str) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(tool);
        c.env("PGPASSWORD", self.pg.password())
            .env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.pg.port.to_string())
            .env("PGUSER", grove_core::local_pg::SUPERUSER)
            .env("PGDATABASE", db)
            .env("PGCONNECT_TIMEOUT", "10")
            .env_remove("PGSERVICE")
            .kill_on_drop(true);
        c
    }

    /// Loads a file with psql, errors not stopping it; returns the error lines.
    async fn load(&self, db: &str, file: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let grants_roles = text.lines().any(|l| {
            let u = l.trim().to_uppercase();
            u.contains("CREATE ROLE")
                || u.starts_with("CREATE USER")
                || ((u.contains("GRANT ") || u.contains("REVOKE ")) && !u.contains(" ON "))
        });
        let _turn = if grants_roles {
            Some(self.role_lock.lock().await)
        } else {
            None
        };
        let out = self
            .command(&self.psql, db)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=0", "-f"])
            .arg(file)
            .output()
            .await
            .expect("run psql");
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("ERROR:"))
            .map(|l| l.split("ERROR:").nth(1).unwrap_or(l).trim().to_string())
            .collect()
    }

    /// The schema as comparable text: normalised pg_dump statements, or oracle lines.
    async fn snapshot(&self, db: &str, session: &Session) -> Result<Vec<String>, String> {
        match &self.pg_dump {
            Some(pg_dump) => {
                let out = self
                    .command(pg_dump, db)
                    .args(["--schema-only", "--no-owner"])
                    .output()
                    .await
                    .map_err(|e| format!("pg_dump: {e}"))?;
                if !out.status.success() {
                    return Err(format!(
                        "pg_dump failed: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                Ok(normalize_dump(&String::from_utf8_lossy(&out.stdout)))
            }
            None => oracle(session).await,
        }
    }
}

// ---- one case --------------------------------------------------------------------------------

/// A database name unique per case and side (a long case name is cut, a hash of it kept).
fn db_name(case: &Case, side: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (case.suite, &case.name).hash(&mut h);
    let mut n = format!("cf_{}_{}", &case.suite[..1], case.name);
    n.truncate(36);
    format!(
        "{n}_{:08x}_{side}_{}",
        h.finish() as u32,
        std::process::id()
    )
}

pub struct CaseResult {
    pub outcome: Outcome,
    pub detail: String,
}

pub async fn run_case(srv: &Server, case: &Case) -> CaseResult {
    let (Some(from), Some(to)) = (&case.from, &case.to) else {
        return CaseResult {
            outcome: Outcome::NoLoad {
                reason: "the fixture has no input files".into(),
                partial: None,
            },
            detail: String::new(),
        };
    };
    if srv.major < case.min_pg {
        return CaseResult {
            outcome: Outcome::NoLoad {
                reason: format!("needs PostgreSQL {} (min_pg)", case.min_pg),
                partial: None,
            },
            detail: String::new(),
        };
    }
    let (a, b) = (db_name(case, "a"), db_name(case, "b"));
    let t0 = Instant::now();
    tokio::join!(srv.create_db(&a), srv.create_db(&b));
    let t1 = Instant::now();
    let (ea, eb) = tokio::join!(srv.load(&a, from), srv.load(&b, to));
    let t2 = Instant::now();
    let bad: Vec<String> = ea
        .iter()
        .map(|e| format!("from: {e}"))
        .chain(eb.iter().map(|e| format!("to: {e}")))
        .filter(|e| !BENIGN_LOAD_ERRORS.iter().any(|b| e.contains(b)))
        .collect();
    let round = round_trip(srv, &a, &b).await;
    let t3 = Instant::now();
    tokio::join!(srv.drop_db(&a), srv.drop_db(&b));
    if std::env::var_os("GROVE_CONFORMANCE_TIMING").is_some() {
        eprintln!(
            "    timing {}: create {:?} load {:?} round trip {:?} drop {:?}",
            case.name,
            t1 - t0,
            t2 - t1,
            t3 - t2,
            t3.elapsed()
        );
    }
    if bad.is_empty() {
        round
    } else {
        CaseResult {
            outcome: Outcome::NoLoad {
                reason: bad.join("; "),
                partial: Some(Box::new(round.outcome)),
            },
            detail: round.detail,
        }
    }
}

/// The case as a deploy request: merge base = FROM (through the stored format), child = TO,
/// parent unchanged. No conflicts, and the deploy's script is the diff's, statement for
/// statement, or the same statements with independent ones in another order (then that
/// script is the one applied below, which must give TO).
fn as_deploy(
    from: &schema::Catalog,
    to: &schema::Catalog,
    d: &schema::SchemaDiff,
) -> Result<Option<String>, String> {
    let stored =
        schema::stored::encode(from).map_err(|e| format!("storing the base: {}", e.message))?;
    let base =
        schema::stored::decode(&stored).map_err(|e| format!("reading the base: {}", e.message))?;
    let t = schema::merge::three_way(&base, from, to);
    if !t.conflicts.is_empty() {
        let m: Vec<String> = t.conflicts.iter().map(|c| c.message.clone()).collect();
        return Err(format!("deploy: unexpected conflicts: {}", m.join("; ")));
    }
    let deploy = schema::diff(from, &t.merged);
    let sql = |d: &schema::SchemaDiff| {
        d.migration
            .iter()
            .map(|s| s.sql.clone())
            .collect::<Vec<_>>()
    };
    let sorted = |d: &schema::SchemaDiff| {
        let mut v = sql(d);
        v.sort();
        v
    };
    if sql(&deploy) != sql(d) && sorted(&deploy) == sorted(d) {
        // The same statements, independent ones in another order: apply the deploy's.
        return Ok(Some(deploy.migration_sql()));
    }
    if sql(&deploy) != sql(d) {
        return Err(format!(
            "deploy: the script differs from the diff's:\n{}\n-- diff:\n{}",
            deploy.migration_sql(),
            d.migration_sql()
        ));
    }
    Ok(None)
}

/// The deploy's dry run on only the part of FROM around the changes: FROM cut down to it is
/// rebuilt in an empty database, the whole script runs there, and the result must be TO cut
/// down the same way.
async fn part_dry_run(
    srv: &Server,
    a: &str,
    from: &schema::Catalog,
    to: &schema::Catalog,
    script: &str,
) -> Result<(), String> {
    let (part_from, part_to) = schema::around_changes(from, to, 1.0).expect("no share limit");
    let db = format!("{a}_part");
    srv.create_db(&db).await;
    let out = async {
        let s = srv.pg.connect(&db).await.map_err(|e| e.message)?;
        let empty = schema::introspect(&s).await.map_err(|e| e.message)?;
        let build = schema::diff(&empty, &part_from).migration_sql();
        s.batch_execute(&build)
            .await
            .map_err(|e| format!("dry run: rebuilding the part: {e}\n{build}"))?;
        s.batch_execute(&format!("BEGIN;\n{script}\nCOMMIT;"))
            .await
            .map_err(|e| {
                format!(
                    "dry run on the part: {}",
                    grove_core::ApiError::from(e).message
                )
            })?;
        let got = schema::introspect(&s).await.map_err(|e| e.message)?;
        let left = schema::diff(&got, &part_to);
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "dry run on the part: the result differs: {}",
                left.migration_sql()
            ))
        }
    }
    .await;
    srv.drop_db(&db).await;
    out
}

async fn round_trip(srv: &Server, a: &str, b: &str) -> CaseResult {
    let fail = |m: String, detail: String| CaseResult {
        outcome: Outcome::Fail(m),
        detail,
    };
    let (sa, sb) = match tokio::try_join!(srv.pg.connect(a), srv.pg.connect(b)) {
        Ok(x) => x,
        Err(e) => return fail(format!("connect: {}", e.message), String::new()),
    };
    let (ca, cb) = match tokio::try_join!(schema::introspect(&sa), schema::introspect(&sb)) {
        Ok(x) => x,
        Err(e) => return fail(format!("introspection: {}", e.message), String::new()),
    };
    let d = schema::diff(&ca, &cb);
    let script = match as_deploy(&ca, &cb, &d) {
        Ok(reordered) => reordered.unwrap_or_else(|| d.migration_sql()),
        Err(m) => return fail(m, d.migration_sql()),
    };
    if let Err(m) = part_dry_run(srv, a, &ca, &cb, &script).await {
        return fail(m, script);
    }
    if let Err(e) = sa
        .batch_execute(&format!("BEGIN;\n{script}\nCOMMIT;"))
        .await
    {
        let e = grove_core::ApiError::from(e);
        return fail(format!("migration failed: {}", e.message), script);
    }
    let (da, db) = match tokio::try_join!(srv.snapshot(a, &sa), srv.snapshot(b, &sb)) {
        Ok(x) => x,
        Err(e) => return fail(e, script),
    };
    let outcome = if da == db {
        Outcome::Pass
    } else {
        let loose = if srv.pg_dump.is_some() {
            loosen_dump(&da) == loosen_dump(&db)
        } else {
            loosen_oracle(&da) == loosen_oracle(&db)
        };
        if loose {
            Outcome::Loose
        } else {
            return fail(
                format!(
                    "schemas differ after the migration:{}",
                    difference(&da, &db)
                ),
                script,
            );
        }
    };
    // Idempotence: nothing left to do.
    match schema::introspect(&sa).await {
        Ok(again) => {
            let d2 = schema::diff(&again, &cb);
            if !d2.is_empty() {
                return fail(
                    format!(
                        "second diff not empty: {}",
                        d2.changes()
                            .map(|o| format!("{} {} ({:?})", o.kind.as_str(), o.identity, o.status))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!("{script}\n-- second migration:\n{}", d2.migration_sql()),
                );
            }
        }
        Err(e) => return fail(format!("introspection: {}", e.message), script),
    }
    CaseResult {
        outcome,
        detail: script,
    }
}

// ---- start ------------------------------------------------------------------------------------

pub async fn server(major: u32) -> Server {
    let pg = harness::server(major).await;
    let admin = pg.connect("postgres").await.expect("admin");
    // This process's throwaway clusters: durability only slows CREATE/DROP DATABASE down.
    for setting in [
        "ALTER SYSTEM SET fsync = off",
        "ALTER SYSTEM SET synchronous_commit = off",
        "ALTER SYSTEM SET full_page_writes = off",
        "SELECT pg_reload_conf()",
    ] {
        admin.batch_execute(setting).await.expect("server settings");
    }
    for r in ROLES {
        admin
            .batch_execute(&format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit}) THEN CREATE ROLE {id}; END IF; END $$",
                lit = grove_core::ident::quote_literal(r),
                id = quote_ident(r)
            ))
            .await
            .unwrap_or_else(|e| panic!("create role {r}: {e:?}"));
    }
    let pg_dump = harness::bin_dir(major).join("pg_dump");
    Server {
        pg,
        major,
        psql: harness::bin_dir(15).join("psql"),
        pg_dump: pg_dump.is_file().then_some(pg_dump),
        admin,
        role_lock: tokio::sync::Mutex::new(()),
    }
}
