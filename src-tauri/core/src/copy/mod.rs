//! The online copy: copies a database that is in use into a new database on a target server
//! (the same server or another, of the same major version or not), consistent as of one
//! instant, without blocking or disconnecting anyone on the source.
//!
//! In order: one leader session on the source exports a snapshot (`check`: objects the copy
//! cannot carry are named in an error before anything is created); the schema is read in that
//! snapshot with Grove's own catalog model and fitted to the target (`plan`: grants to roles
//! the target lacks are set aside and reported, extensions get a version the target has); the
//! new database is created under the caller's temporary name; the pre-data schema (types,
//! tables, views, functions; no indexes or constraints) is applied in one transaction; the
//! rows are streamed by parallel workers sharing the snapshot (`data`); sequences are set to
//! their values at the snapshot (`source`); the post-data schema (indexes, constraints,
//! triggers, row security, materialized views) is applied in one transaction; then the
//! database is renamed into place when asked. On failure or cancellation the new database is
//! dropped and every session closed: nothing is left behind on either server.
//!
//! A [`TableSelection`] narrows the copy (`select`): tables included or excluded (with their
//! partitions), tables copied without rows, and a row filter per table, run on the source as
//! `COPY (SELECT … WHERE (condition)) TO STDOUT` in the read-only snapshot. It is resolved
//! against the source's schema before anything is created, and refused, naming the foreign
//! key, when it would break one.
//!
//! Indexes and keys of ordinary tables are built by index workers of their own as soon as
//! their table's rows are in, while other tables still copy, and foreign keys between such
//! tables once both tables and their keys are (`plan::stages`, `queue`); the rest of the
//! post-data schema (triggers, row security, …) follows in one transaction.
//!
//! A table bigger than [`SPLIT_PAGES`] is copied in block ranges by several workers.
//!
//! Not yet: owners (objects are owned by the user Grove connects as).
mod check;
mod data;
mod plan;
mod progress;
mod queue;
mod select;
mod source;

pub use progress::{CopyProgress, CopyProgressFn, TableProgress};
pub use queue::SPLIT_PAGES;
pub use select::TableSelection;
pub use source::APP;

use crate::conn::{ConnectionFields, Session};
use crate::error::{ApiError, ErrorCode, Result};
use crate::ident::{quote_ident, validate_name};
use crate::schema::{self, Catalog};
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

/// A server (or database) and the password to reach it.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub fields: ConnectionFields,
    pub password: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CopyRequest {
    /// The database copied (`fields.database`).
    pub source: Endpoint,
    /// The target server; `fields.database` is a database to connect to for creating one.
    pub target: Endpoint,
    /// The database built on the target (a temporary name).
    pub build_as: String,
    /// Renamed to this once complete; `None` leaves it under `build_as` (for a caller that
    /// publishes it itself).
    pub publish_as: Option<String>,
    /// How many tables are copied at once.
    pub workers: usize,
    /// Which tables and rows (default: everything).
    pub selection: TableSelection,
    /// Tables of more pages than this are copied in block ranges by several workers
    /// (default [`SPLIT_PAGES`]).
    pub split_above_pages: u64,
}

/// One table copied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCopied {
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopyResult {
    /// The database on the target: `publish_as`, or `build_as`.
    pub database: String,
    pub source_version_num: i32,
    pub target_version_num: i32,
    /// Rows went in binary format (same major version on both sides).
    pub binary: bool,
    pub tables: Vec<TableCopied>,
    pub rows: u64,
    pub bytes: u64,
    pub duration_ms: u64,
    /// Grants to roles the target server lacks, not copied: `SELECT ON TABLE "t" TO "r"`.
    pub skipped_grants: Vec<String>,
    /// The extensions the source uses, created on the target.
    pub extensions: Vec<String>,
    pub sequences_set: u32,
    /// Schema statements run before and after the rows.
    pub pre_data_statements: u32,
    pub post_data_statements: u32,
}

/// Copies `req.source` into a new database on `req.target`. `cancelled` resolving stops the
/// copy: sessions are closed, the new database is dropped, and the error's code is
/// `Cancelled`.
pub async fn copy_database(
    req: &CopyRequest,
    progress: CopyProgressFn<'_>,
    cancelled: impl Future<Output = ()>,
) -> Result<CopyResult> {
    validate_name("database", &req.build_as).map_err(ApiError::invalid)?;
    if let Some(p) = &req.publish_as {
        validate_name("database", p).map_err(ApiError::invalid)?;
    }
    let admin = source::open(&req.target, &req.target.fields.database).await?;
    let created = AtomicBool::new(false);
    let outcome = tokio::select! {
        r = run(req, &admin, progress, &created) => r,
        _ = cancelled => Err(ApiError::new(
            ErrorCode::Cancelled,
            "online copy cancelled; nothing was left behind",
        )),
    };
    // The copy's future is gone: its sessions on both servers are closed.
    if outcome.is_err() && created.load(Ordering::SeqCst) {
        drop_new_database(&admin, &req.build_as).await;
    }
    outcome
}

/// Drops the copy's unfinished database. `WITH (FORCE)` waits only 5 s for the sessions it
/// terminates to exit; on a busy machine the copy's own sessions, just closed mid-`COPY`,
/// can take longer (seen once in a loaded test run): then it tries again, for up to a minute.
async fn drop_new_database(admin: &Session, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match admin.batch_execute(&sql).await {
            Ok(()) => return,
            Err(e)
                if e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE)
                    && std::time::Instant::now() < deadline =>
            {
                tracing::debug!("online copy: {name} still in use, dropping it again: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            Err(e) => {
                tracing::warn!("online copy: dropping {name}: {e}");
                return;
            }
        }
    }
}

async fn run(
    req: &CopyRequest,
    admin: &Session,
    out: CopyProgressFn<'_>,
    created: &AtomicBool,
) -> Result<CopyResult> {
    let mut tracker = progress::Tracker::new(out);
    tracker.phase("checking");
    let leader = source::leader(&req.source).await?;
    check::refuse_unsupported(&leader.session).await?;
    let sequences = source::sequence_values(&leader.session).await?;
    tracker.phase("reading schema");
    let (full, facts, target_version_num) = tokio::try_join!(
        read_source(&req.source, &leader.snapshot),
        target_facts(admin),
        async {
            let r = admin.query_one("SELECT current_setting('server_version_num')::int", &[]);
            Ok::<i32, ApiError>(r.await?.get(0))
        }
    )?;
    plan::refuse_newer_features(&full, leader.version_num, target_version_num)?;
    let mut fitted = plan::fit(full, &facts)?;
    let selected = select::apply(&mut fitted.catalog, &req.selection)?;
    let mut tables = plan::tables(&fitted.catalog, &selected.schema_only, &selected.filters);
    let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    // May wait (up to lock_timeout) behind someone's ALTER TABLE on the source.
    tracker.phase("locking the tables");
    source::lock_tables(&leader.session, &names).await?;
    let pages = source::table_pages(&leader.session).await?;
    for t in tables.iter_mut() {
        t.pages = pages.get(&t.name).copied().unwrap_or(0);
    }

    tracker.phase("creating schema");
    created.store(true, Ordering::SeqCst);
    let create = format!(
        "CREATE DATABASE {} TEMPLATE template0",
        quote_ident(&req.build_as)
    );
    if let Err(e) = admin.batch_execute(&create).await {
        if e.code() == Some(&tokio_postgres::error::SqlState::DUPLICATE_DATABASE) {
            created.store(false, Ordering::SeqCst);
        }
        return Err(ApiError::from(e).context(format!("creating {}", req.build_as)));
    }
    let target = source::open(&req.target, &req.build_as).await?;
    let (scripts, tables) = plan_scripts(&target, fitted.catalog, tables).await?;
    let (pre_sql, post_sql, extensions) = scripts;
    let step = |what| plan::schema_step(what, leader.version_num, target_version_num);
    apply(
        &target,
        &pre_sql,
        &step("creating the schema (before the rows)"),
    )
    .await?;

    let est: Vec<(String, Option<u64>)> = tables
        .iter()
        .map(|t| (t.name.clone(), t.estimated_rows))
        .collect();
    tracker.set_tables(&est);
    let binary = leader.version_num / 10000 == target_version_num / 10000;
    let index_statements: usize = tables
        .iter()
        .map(|t| t.indexes.len() + t.foreign_keys.len())
        .sum();
    let job = data::DataJob {
        src: &req.source,
        dst: &req.target,
        dst_database: &req.build_as,
        leader: &leader,
        tables: &tables,
        workers: req.workers,
        binary,
        // A range of blocks is scanned as such (a TID range scan) from PostgreSQL 14 on.
        split: (leader.version_num >= 140000).then_some(req.split_above_pages),
    };
    let copied = data::copy_all(&job, &tracker).await?;
    let source_version_num = leader.version_num;
    let _ = leader.session.batch_execute("COMMIT").await;
    drop(leader);

    tracker.phase("setting sequences");
    let sequences_set = source::set_sequences(&target, &sequences).await?;
    tracker.phase("building indexes and constraints");
    let post = plan::schema_step(
        "creating indexes, constraints and triggers",
        source_version_num,
        target_version_num,
    );
    apply(&target, &post_sql, &post).await?;
    drop(target);

    let mut database = req.build_as.clone();
    if let Some(name) = &req.publish_as {
        tracker.phase("publishing");
        let sql = format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&req.build_as),
            quote_ident(name)
        );
        admin
            .batch_execute(&sql)
            .await
            .map_err(|e| ApiError::from(e).context(format!("renaming the copy to {name}")))?;
        created.store(false, Ordering::SeqCst);
        database = name.clone();
    }
    tracker.phase("done");
    Ok(CopyResult {
        database,
        source_version_num,
        target_version_num,
        binary,
        rows: copied.iter().map(|t| t.rows).sum(),
        bytes: copied.iter().map(|t| t.bytes).sum(),
        tables: copied,
        duration_ms: tracker.started.elapsed().as_millis() as u64,
        skipped_grants: fitted.skipped_grants,
        extensions,
        sequences_set,
        pre_data_statements: pre_sql.len() as u32,
        post_data_statements: (post_sql.len() + index_statements) as u32,
    })
}

/// The source's catalog, read in the copy's snapshot on a session of its own.
async fn read_source(src: &Endpoint, snapshot: &str) -> Result<Catalog> {
    let s = source::follower(src, snapshot).await?;
    // `introspect` opens its own transaction: inside ours, its BEGIN is only a warning, so it
    // reads in our snapshot, and its COMMIT ends our transaction.
    schema::introspect(&s)
        .await
        .map_err(|e| e.context("reading the source's schema"))
}

/// Roles and installable extensions of the target server.
async fn target_facts(admin: &Session) -> Result<plan::TargetFacts> {
    let (roles, exts) = tokio::try_join!(
        admin.query("SELECT rolname::text FROM pg_roles", &[]),
        admin.query(
            "SELECT a.name::text, a.default_version, array_agg(v.version)
             FROM pg_available_extensions a
             JOIN pg_available_extension_versions v ON v.name = a.name
             GROUP BY a.name, a.default_version",
            &[]
        )
    )
    .map_err(|e| ApiError::from(e).context("reading the target server's roles and extensions"))?;
    Ok(plan::TargetFacts {
        roles: roles.iter().map(|r| r.get(0)).collect(),
        extensions: exts
            .iter()
            .map(|r| {
                let versions: Vec<String> = r.get(2);
                (r.get(0), (r.get(1), versions.into_iter().collect()))
            })
            .collect(),
    })
}

/// The pre-data and post-data scripts (the schema planner's migrations empty → pre-data and
/// indexed → source), the extensions the first one creates, and `tables` with the index
/// statements their workers run.
#[allow(clippy::type_complexity)]
async fn plan_scripts(
    target: &Session,
    full: Catalog,
    mut tables: Vec<plan::TableJob>,
) -> Result<((Vec<String>, Vec<String>, Vec<String>), Vec<plan::TableJob>)> {
    let empty = schema::introspect(target)
        .await
        .map_err(|e| e.context("reading the new database"))?;
    tokio::task::spawn_blocking(move || {
        let stages = plan::stages(&full, &mut tables);
        let extensions = full
            .extensions
            .keys()
            .filter(|e| !empty.extensions.contains_key(*e))
            .map(|e| e.to_string())
            .collect();
        let sql = |d: schema::SchemaDiff| d.migration.into_iter().map(|s| s.sql).collect();
        let pre_sql = sql(schema::diff(&empty, &stages.pre));
        let post_sql = sql(schema::diff(&stages.indexed, &full));
        ((pre_sql, post_sql, extensions), tables)
    })
    .await
    .map_err(|e| ApiError::internal(format!("planning the copy's schema failed: {e}")))
}

/// Runs `script` in one transaction.
async fn apply(target: &Session, script: &[String], what: &str) -> Result<()> {
    if script.is_empty() {
        return Ok(());
    }
    let sql = format!("BEGIN;\n{}\nCOMMIT;", script.join("\n"));
    if let Err(e) = target.batch_execute(&sql).await {
        let _ = target.batch_execute("ROLLBACK").await;
        return Err(ApiError::from(e).context(what));
    }
    Ok(())
}
