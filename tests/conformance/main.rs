//! Schema-diff conformance: migra's 26 and apgdiff's 124 schema pairs
//! (`../shared/conformance/schema-diff`, see its README), round-tripped on PostgreSQL 15 and 18.
//!
//! For every case and version: load FROM and TO into two fresh databases (psql, errors noted),
//! diff, apply the migration to FROM in one transaction (stopping at the first error), compare
//! FROM and TO — with `pg_dump --schema-only --no-owner` on 15 (Debian's pg_dump matches that
//! server), with a catalog-query oracle on 18 (the bundled 18 ships no pg_dump) — then diff
//! again and expect nothing. Outcomes: `pass`, `loose` (only column order differs, which no
//! migration changes without rebuilding the table), `FAIL`, `xfail` (a listed expected
//! failure, with its reason), `no-load` (the inputs do not load on a current PostgreSQL; the
//! round trip on whatever did load is shown in brackets for information).
//!
//! Runs as `cargo test -p grove-app --test conformance` (custom harness: prints a table, ends
//! with `N passed, N failed`, exits non-zero on any failure not in `EXPECTED_FAILURES`).
//! The fixtures are found only relative to the project root. Arguments filter cases by
//! substring of `suite/case` (a filter must match some case, and something must pass);
//! `GROVE_CONFORMANCE_VERBOSE=1` prints each failure's script and differences,
//! `GROVE_CONFORMANCE_TIMING=1` the time of each step. The two servers are this process's own
//! throwaway clusters, run with fsync off; up to 3 cases run at a time on each.
#[path = "../harness/mod.rs"]
mod harness;

use grove_core::conn::Session;
use grove_core::ident::quote_ident;
use grove_core::local_pg::LocalPg;
use grove_core::schema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Cases that cannot pass, with the reason. (suite, case, versions or empty for all, reason)
const EXPECTED_FAILURES: &[(&str, &str, &[u32], &str)] = &[];

/// Load errors that are not the inputs' fault: statements recreating what every current
/// database already has.
const BENIGN_LOAD_ERRORS: &[&str] = &[
    // `CREATE EXTENSION plpgsql` / `CREATE PROCEDURAL LANGUAGE plpgsql`: built in since 9.0.
    "extension \"plpgsql\" already exists",
    "language \"plpgsql\" already exists",
    // `CREATE SCHEMA public`: exists in every new database.
    "schema \"public\" already exists",
];

/// Roles the fixtures grant to, own objects as, or name in policies.
const ROLES: &[&str] = &[
    "postgres",
    "admin",
    "anonymous",
    "asi",
    "customer",
    "dv",
    "fordfrog",
    "intranet",
    "krioweb2",
    "manager",
    "schemainspect_test_role",
    "webuser",
];

#[derive(Clone)]
struct Case {
    suite: &'static str,
    name: String,
    from: Option<PathBuf>,
    to: Option<PathBuf>,
}

#[derive(Clone, Debug)]
enum Outcome {
    Pass,
    Loose,
    Fail(String),
    NoLoad {
        reason: String,
        partial: Option<Box<Outcome>>,
    },
}

impl Outcome {
    fn short(&self) -> String {
        match self {
            Outcome::Pass => "pass".into(),
            Outcome::Loose => "loose".into(),
            Outcome::Fail(_) => "FAIL".into(),
            Outcome::NoLoad { partial, .. } => match partial {
                Some(p) => format!("no-load [{}]", p.short().to_lowercase()),
                None => "no-load".into(),
            },
        }
    }
}

/// The fixtures belong with the project: `../shared/conformance/schema-diff` from its root,
/// and nowhere else (a copy found elsewhere could be another checkout's).
fn fixture_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("../shared/conformance/schema-diff");
    assert!(
        dir.join("README.md").is_file(),
        "schema-diff conformance fixtures not found: expected {} (`../shared/conformance/schema-diff` \
         relative to the project root {}), with its README.md",
        dir.display(),
        root.display()
    );
    dir
}

fn cases(dir: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    for (suite, from, to) in [
        ("migra", "a.sql", "b.sql"),
        ("apgdiff", "_original.sql", "_new.sql"),
    ] {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(suite))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(suite).display()))
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert!(
            !names.is_empty(),
            "no {suite} cases in {}",
            dir.join(suite).display()
        );
        for name in names {
            let d = dir.join(suite).join(&name);
            let file = |suffix: &str| {
                let p = if suite == "migra" {
                    d.join(suffix)
                } else {
                    d.join(format!("{name}{suffix}"))
                };
                p.is_file().then_some(p)
            };
            out.push(Case {
                suite,
                name: name.clone(),
                from: file(from),
                to: file(to),
            });
        }
    }
    out
}

fn expected_failure(case: &Case, version: u32) -> Option<&'static str> {
    EXPECTED_FAILURES
        .iter()
        .find(|(s, c, v, _)| {
            *s == case.suite && *c == case.name && (v.is_empty() || v.contains(&version))
        })
        .map(|(_, _, _, r)| *r)
}

// ---- one server ------------------------------------------------------------------------------

struct Server {
    pg: &'static LocalPg,
    major: u32,
    psql: PathBuf,
    pg_dump: Option<PathBuf>,
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
            u.starts_with("CREATE ROLE")
                || u.starts_with("CREATE USER")
                || (u.starts_with("GRANT ") && !u.contains(" ON "))
                || (u.starts_with("REVOKE ") && !u.contains(" ON "))
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

// ---- comparison ------------------------------------------------------------------------------

/// pg_dump output without comments, SET lines, blank lines and `\restrict` lines, as a sorted
/// list of statements (pg_dump breaks ties between same-named objects by OID).
fn normalize_dump(text: &str) -> Vec<String> {
    let mut stmts = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut dollar: Option<String> = None;
    for line in text.lines() {
        if dollar.is_none()
            && cur.is_empty()
            && (line.trim().is_empty()
                || line.starts_with("--")
                || line.starts_with("SET ")
                || line.starts_with("SELECT pg_catalog.set_config(")
                || line.starts_with("\\restrict")
                || line.starts_with("\\unrestrict"))
        {
            continue;
        }
        if dollar.is_none() && line.trim().is_empty() {
            continue;
        }
        cur.push(line);
        // Track dollar quotes ($tag$ … $tag$).
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                if j < b.len() && b[j] == b'$' {
                    let tag = &line[i..=j];
                    match &dollar {
                        None => dollar = Some(tag.to_string()),
                        Some(t) if t == tag => dollar = None,
                        _ => {}
                    }
                    i = j + 1;
                    continue;
                }
            }
            i += 1;
        }
        if dollar.is_none() && line.trim_end().ends_with(';') {
            stmts.push(cur.join("\n"));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        stmts.push(cur.join("\n"));
    }
    stmts.sort();
    stmts
}

/// The same statements with the column lines of each CREATE TABLE sorted.
fn loosen_dump(stmts: &[String]) -> Vec<String> {
    let mut out: Vec<String> = stmts
        .iter()
        .map(|s| {
            let lines: Vec<&str> = s.lines().collect();
            if (s.starts_with("CREATE TABLE") || s.starts_with("CREATE UNLOGGED TABLE"))
                && lines.len() > 2
            {
                let mut mid: Vec<String> = lines[1..lines.len() - 1]
                    .iter()
                    .map(|l| l.trim_end_matches(',').to_string())
                    .collect();
                mid.sort();
                format!(
                    "{}\n{}\n{}",
                    lines[0],
                    mid.join("\n"),
                    lines[lines.len() - 1]
                )
            } else {
                s.clone()
            }
        })
        .collect();
    out.sort();
    out
}

fn loosen_oracle(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("colorder "))
        .cloned()
        .collect()
}

fn difference(a: &[String], b: &[String]) -> String {
    let only = |x: &[String], y: &[String]| -> Vec<String> {
        let mut y: Vec<&String> = y.iter().collect();
        let mut out = Vec::new();
        for s in x {
            if let Some(p) = y.iter().position(|t| *t == s) {
                y.remove(p);
            } else {
                out.push(s.clone());
            }
        }
        out
    };
    let clip = |s: &String| {
        let one = s.replace('\n', " ");
        if one.chars().count() > 300 {
            format!("{}…", one.chars().take(300).collect::<String>())
        } else {
            one
        }
    };
    let mut text = String::new();
    for s in only(a, b).iter().take(8) {
        text.push_str(&format!("\n      migrated only: {}", clip(s)));
    }
    for s in only(b, a).iter().take(8) {
        text.push_str(&format!("\n      target only:   {}", clip(s)));
    }
    text
}

/// The catalog-query oracle: one sorted line per fact, written independently of
/// `grove_core::schema::introspect` (different queries, PostgreSQL's own printers, owners
/// normalised away as in `pg_dump --no-owner`).
async fn oracle(s: &Session) -> Result<Vec<String>, String> {
    const USER: &str = "n.nspname NOT IN ('pg_catalog','information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";
    let not_ext = |cat: &str, oid: &str| {
        format!("NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '{cat}'::regclass AND e.objid = {oid} AND e.deptype = 'e')")
    };
    let acl = |acl: &str, kind: &str, owner: &str| {
        format!(
            "(SELECT string_agg(format('%s:%s:%s', CASE WHEN x.grantee = {owner} THEN 'OWNER' WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, x.privilege_type, x.is_grantable), ',' ORDER BY 1) FROM aclexplode(coalesce({acl}, acldefault({kind}, {owner}))) x)"
        )
    };
    let queries = vec![
        format!("SELECT format('schema %I comment=%s acl=%s', n.nspname, obj_description(n.oid, 'pg_namespace'), {}) FROM pg_namespace n WHERE {USER}", acl("n.nspacl", "'n'", "n.nspowner")),
        "SELECT format('extension %I version=%s schema=%I', e.extname, e.extversion, n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace".into(),
        format!("SELECT format('collation %s %s comment=%s', c.oid::regcollation, (to_jsonb(c) - 'oid' - 'collowner' - 'collnamespace' - 'collname' - 'collversion')::text, obj_description(c.oid, 'pg_collation')) FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace WHERE {USER} AND {}", not_ext("pg_collation", "c.oid")),
        format!("SELECT format('relation %s kind=%s persistence=%s options=%s rls=%s force=%s replident=%s bound=%s partkey=%s comment=%s acl=%s', c.oid::regclass, c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relreplident, pg_get_expr(c.relpartbound, c.oid), CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, obj_description(c.oid, 'pg_class'), CASE WHEN c.relkind IN ('r','p','v','m','f','S') THEN {} END) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p','v','m','S','f','c') AND {USER} AND {}", acl("c.relacl", "(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::\"char\"", "c.relowner"), not_ext("pg_class", "c.oid")),
        format!("SELECT format('column %s.%I type=%s notnull=%s default=%s identity=%s generated=%s collation=%s storage=%s statistics=%s compression=%s local=%s comment=%s acl=%s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END, CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END, coalesce(a.attstattarget::int, -1), a.attcompression, CASE WHEN c.relispartition THEN NULL ELSE a.attislocal END, col_description(a.attrelid, a.attnum), (SELECT string_agg(format('%s:%s:%s', CASE WHEN x.grantee = c.relowner THEN 'OWNER' WHEN x.grantee = 0 THEN 'PUBLIC' ELSE x.grantee::regrole::text END, x.privilege_type, x.is_grantable), ',' ORDER BY 1) FROM aclexplode(a.attacl) x)) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f','c') AND {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('colorder %s %s', c.oid::regclass, string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum)) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f','c') AND {USER} GROUP BY c.oid"),
        format!("SELECT format('constraint %s %I %s local=%s comment=%s', coalesce(co.conrelid::regclass::text, co.contypid::regtype::text), co.conname, pg_get_constraintdef(co.oid), co.conislocal, obj_description(co.oid, 'pg_constraint')) FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE co.contype <> 'n' AND {USER}"),
        format!("SELECT format('index %s clustered=%s replident=%s statistics=%s comment=%s', pg_get_indexdef(i.indexrelid), i.indisclustered, i.indisreplident, (SELECT string_agg(a.attnum || ':' || a.attstattarget, ',') FROM pg_attribute a WHERE a.attrelid = i.indexrelid AND coalesce(a.attstattarget::int, -1) >= 0), obj_description(i.indexrelid, 'pg_class')) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('view %s %s', c.oid::regclass, pg_get_viewdef(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v','m') AND {USER} AND {}", not_ext("pg_class", "c.oid")),
        format!("SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s', s.seqrelid::regclass, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle) FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {USER} AND {}", not_ext("pg_class", "c.oid")),
        "SELECT format('owned %s by %s.%I (%s)', d.objid::regclass, d.refobjid::regclass, a.attname, d.deptype) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid AND c.relkind = 'S' JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0".into(),
        format!("SELECT format('function %s %s comment=%s acl=%s', p.oid::regprocedure, CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END, obj_description(p.oid, 'pg_proc'), {}) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {USER} AND {}", acl("p.proacl", "'f'", "p.proowner"), not_ext("pg_proc", "p.oid")),
        format!("SELECT format('trigger %s enabled=%s comment=%s', pg_get_triggerdef(t.oid), t.tgenabled, obj_description(t.oid, 'pg_trigger')) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND {USER}"),
        "SELECT format('policy %I.%I %I permissive=%s roles=%s cmd=%s qual=%s check=%s comment=%s', p.schemaname, p.tablename, p.policyname, p.permissive, p.roles, p.cmd, p.qual, p.with_check, obj_description(po.oid, 'pg_policy')) FROM pg_policies p JOIN pg_policy po ON po.polname = p.policyname AND po.polrelid = format('%I.%I', p.schemaname, p.tablename)::regclass".into(),
        format!("SELECT format('type %s kind=%s labels=%s base=%s notnull=%s default=%s range=%s comment=%s acl=%s', t.oid::regtype, t.typtype, (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, t.typnotnull, t.typdefault, (SELECT format('%s %s %s %s %s', r.rngsubtype::regtype, r.rngsubopc, r.rngcollation, r.rngcanonical, r.rngsubdiff) FROM pg_range r WHERE r.rngtypid = t.oid), obj_description(t.oid, 'pg_type'), {}) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN ('e','d','r','c','b','m') AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') AND {USER} AND {}", acl("t.typacl", "'T'", "t.typowner"), not_ext("pg_type", "t.oid")),
        // Parents in order (numbering gaps left by NO INHERIT are invisible).
        "SELECT format('inherits %s %s', i.inhrelid::regclass, string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r','p','f') GROUP BY i.inhrelid".into(),
        "SELECT format('rule %s', pg_get_ruledef(r.oid)) FROM pg_rewrite r WHERE r.rulename <> '_RETURN' AND r.oid >= 16384".into(),
        "SELECT format('statistics %s', pg_get_statisticsobjdef(s.oid)) FROM pg_statistic_ext s".into(),
    ];
    s.batch_execute("SET search_path = ''")
        .await
        .map_err(|e| format!("oracle: {e}"))?;
    let mut lines = Vec::new();
    for q in queries {
        let rows = s
            .query(q.as_str(), &[])
            .await
            .map_err(|e| format!("oracle query failed: {e:?}\n{q}"))?;
        for r in rows {
            let l: Option<String> = r.get(0);
            lines.extend(l);
        }
    }
    lines.sort();
    Ok(lines)
}

// ---- one case --------------------------------------------------------------------------------

fn db_name(case: &Case, side: &str) -> String {
    let mut n = format!("cf_{}_{}_{}", &case.suite[..1], case.name, side);
    n.truncate(50);
    format!("{n}_{}", std::process::id())
}

struct CaseResult {
    outcome: Outcome,
    detail: String,
}

async fn run_case(srv: &Server, case: &Case) -> CaseResult {
    let (Some(from), Some(to)) = (&case.from, &case.to) else {
        return CaseResult {
            outcome: Outcome::NoLoad {
                reason: "the fixture has no input files".into(),
                partial: None,
            },
            detail: String::new(),
        };
    };
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
    let script = d.migration_sql();
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

// ---- main ------------------------------------------------------------------------------------

async fn server(major: u32) -> Server {
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

fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let verbose = std::env::var_os("GROVE_CONFORMANCE_VERBOSE").is_some();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let code = rt.block_on(run(filters, verbose));
    std::process::exit(code);
}

async fn run(filters: Vec<String>, verbose: bool) -> i32 {
    let started = Instant::now();
    let dir = fixture_dir();
    let all: Vec<Case> = cases(&dir)
        .into_iter()
        .filter(|c| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|f| format!("{}/{}", c.suite, c.name).contains(f.as_str()))
        })
        .collect();
    assert!(!all.is_empty(), "no case matches the filters {filters:?}");
    eprintln!(
        "schema-diff conformance: {} cases from {}",
        all.len(),
        dir.display()
    );
    let mut results: BTreeMap<(u32, String, String), CaseResult> = BTreeMap::new();
    let mut servers = Vec::new();
    for major in harness::VERSIONS {
        servers.push(Arc::new(server(major).await));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for srv in &servers {
        eprintln!(
            "PostgreSQL {}: comparing with {}",
            srv.pg.bins.version,
            if srv.pg_dump.is_some() {
                "pg_dump --schema-only --no-owner"
            } else {
                "the catalog-query oracle"
            }
        );
        let limit = Arc::new(Semaphore::new(3));
        for case in &all {
            let (srv, case, limit) = (srv.clone(), case.clone(), limit.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.unwrap();
                let t = Instant::now();
                let r = match tokio::time::timeout(Duration::from_secs(120), run_case(&srv, &case))
                    .await
                {
                    Ok(r) => r,
                    Err(_) => CaseResult {
                        outcome: Outcome::Fail("timed out after 120 s".into()),
                        detail: String::new(),
                    },
                };
                eprintln!(
                    "  pg{} {}/{}: {} ({} ms)",
                    srv.major,
                    case.suite,
                    case.name,
                    r.outcome.short(),
                    t.elapsed().as_millis()
                );
                (srv.major, case, r)
            });
        }
    }
    while let Some(r) = tasks.join_next().await {
        let (major, case, r) = r.expect("case task");
        results.insert((major, case.suite.to_string(), case.name.clone()), r);
    }

    // The table.
    println!();
    println!(
        "{:<8} {:<42} {:<22} {:<22}",
        "suite", "case", "pg15", "pg18"
    );
    let mut unexpected = Vec::new();
    let mut xpass = Vec::new();
    let mut totals: BTreeMap<(String, u32), [u32; 5]> = BTreeMap::new();
    let (mut passed, mut failed) = (0u32, 0u32);
    for case in &all {
        let mut cells = Vec::new();
        for major in harness::VERSIONS {
            let r = &results[&(major, case.suite.to_string(), case.name.clone())];
            let expected = expected_failure(case, major);
            let t = totals.entry((case.suite.to_string(), major)).or_default();
            let cell = match (&r.outcome, expected) {
                (Outcome::Pass, e) => {
                    t[0] += 1;
                    passed += 1;
                    if e.is_some() {
                        xpass.push(format!("{}/{} on {major}", case.suite, case.name));
                    }
                    "pass".to_string()
                }
                (Outcome::Loose, e) => {
                    t[1] += 1;
                    passed += 1;
                    if e.is_some() {
                        xpass.push(format!("{}/{} on {major}", case.suite, case.name));
                    }
                    "loose".to_string()
                }
                (Outcome::Fail(m), Some(_)) => {
                    t[2] += 1;
                    failed += 1;
                    let _ = m;
                    "xfail".to_string()
                }
                (Outcome::Fail(m), None) => {
                    t[3] += 1;
                    failed += 1;
                    unexpected.push((case.clone(), major, m.clone(), r.detail.clone()));
                    "FAIL".to_string()
                }
                (o @ Outcome::NoLoad { .. }, _) => {
                    t[4] += 1;
                    o.short()
                }
            };
            cells.push(cell);
        }
        println!(
            "{:<8} {:<42} {:<22} {:<22}",
            case.suite, case.name, cells[0], cells[1]
        );
    }

    println!("\ninputs that do not load (not counted as passed or failed):");
    for case in &all {
        for major in harness::VERSIONS {
            if let Outcome::NoLoad { reason, .. } =
                &results[&(major, case.suite.to_string(), case.name.clone())].outcome
            {
                println!("  {}/{} on {major}: {reason}", case.suite, case.name);
            }
        }
    }
    if !EXPECTED_FAILURES.is_empty() {
        println!("\nexpected failures:");
        for (s, c, v, reason) in EXPECTED_FAILURES {
            let on = if v.is_empty() {
                "all versions".to_string()
            } else {
                v.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            println!("  {s}/{c} ({on}): {reason}");
        }
    }
    for x in &xpass {
        println!("note: expected failure passed: {x} (remove it from EXPECTED_FAILURES)");
    }
    if !unexpected.is_empty() {
        println!("\nunexpected failures:");
        for (case, major, m, detail) in &unexpected {
            println!("  {}/{} on PostgreSQL {major}: {m}", case.suite, case.name);
            if verbose && !detail.is_empty() {
                println!("    script:\n{}", indent(detail, "      "));
            }
        }
    }
    println!("\ntotals (pass / loose / expected failure / FAIL / inputs do not load):");
    for ((suite, major), t) in &totals {
        println!(
            "  {suite:<8} PostgreSQL {major}: {} pass, {} loose, {} xfail, {} FAIL, {} no-load",
            t[0], t[1], t[2], t[3], t[4]
        );
    }
    println!(
        "({} unexpected, {} expected failures; {:.0} s)",
        unexpected.len(),
        failed as usize - unexpected.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{passed} passed, {failed} failed");
    if passed == 0 {
        // Every case failed to load (psql, roles, servers…): nothing was tested.
        println!("nothing passed: no migration was checked");
        return 1;
    }
    if unexpected.is_empty() {
        0
    } else {
        1
    }
}

fn indent(s: &str, pad: &str) -> String {
    s.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
