//! The dry run: the script applied to a throwaway copy of the parent, and the result compared
//! with what the deploy should give.
use crate::branch::{Branches, Locked};
use crate::error::{ApiError, Result};
use crate::schema::{self, Catalog, DiffStatus, MigrationStatement, ObjectDiff};
use serde::Serialize;
use std::time::Instant;
use ts_rs::TS;

/// A parent at most this big is copied whole (a template copy, with its rows) when nobody
/// uses it; else its schema is rebuilt in an empty database from Grove's model.
const COPY_WHOLE_UP_TO: i64 = 256 << 20;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DryRun {
    /// Every statement ran and the result is the schema expected.
    pub ok: bool,
    /// What the script ran on: the changed objects and what they touch (`PART`), a template
    /// copy of the parent, or its whole schema rebuilt from Grove's model.
    pub copy: String,
    /// The statement that failed (index into the script).
    pub failed_statement: Option<u32>,
    pub error: Option<String>,
    /// Where the result differs from the schema expected.
    pub leftover: Vec<ObjectDiff>,
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// Applies `script` to a throwaway copy of `parent` (whose catalog is `parent_cat`) and
/// compares the result with `expected`. The copy is first only the objects around the
/// changes, rebuilt from Grove's model (quick whatever the parent's size); when that run
/// fails or differs, the verdict comes from a copy of the whole parent. Nothing is left on
/// the server.
pub(super) async fn run(
    engine: &Branches,
    l: &Locked,
    parent: &str,
    parent_cat: &Catalog,
    expected: &Catalog,
    script: &[MigrationStatement],
) -> Result<DryRun> {
    let started = Instant::now();
    let (from, to) = (parent_cat.clone(), expected.clone());
    let part = schema::off_runtime(move || schema::around_changes(&from, &to, 0.5)).await?;
    if let Some((part_from, part_to)) = part {
        let tmp = engine.temp_name();
        let out = async {
            rebuild(engine, l, &tmp, &part_from).await?;
            try_script(engine, &tmp, &part_to, script, PART).await
        }
        .await;
        engine.drop_quietly(&l.s, &tmp).await;
        match out {
            Ok(dry) if dry.ok => return Ok(timed(dry, started)),
            Ok(_) => tracing::info!("dry run: the changed part failed; trying the whole parent"),
            Err(e) => tracing::info!("dry run of the changed part: {e}; trying the whole parent"),
        }
    }
    let tmp = engine.temp_name();
    let out = async {
        let copy = make_copy(engine, l, &tmp, parent, parent_cat).await?;
        try_script(engine, &tmp, expected, script, copy).await
    }
    .await;
    engine.drop_quietly(&l.s, &tmp).await;
    Ok(timed(out.map_err(|e| e.context("dry run"))?, started))
}

const PART: &str = "the changed objects and what they touch, rebuilt from Grove's model";

fn timed(mut dry: DryRun, started: Instant) -> DryRun {
    dry.duration_ms = started.elapsed().as_millis() as u64;
    dry
}

/// Runs `script` on database `tmp` and compares the result with `expected`.
async fn try_script(
    engine: &Branches,
    tmp: &str,
    expected: &Catalog,
    script: &[MigrationStatement],
    copy: &str,
) -> Result<DryRun> {
    let s = engine.connect_internal(tmp).await?;
    let mut dry = DryRun {
        ok: false,
        copy: copy.to_string(),
        failed_statement: None,
        error: None,
        leftover: Vec::new(),
        duration_ms: 0,
    };
    for (i, st) in script.iter().enumerate() {
        if let Err(e) = s.batch_execute(&st.sql).await {
            dry.failed_statement = Some(i as u32);
            dry.error = Some(ApiError::from(e).to_string());
            return Ok(dry);
        }
    }
    let got = schema::introspect(&s.client).await?;
    let expected = expected.clone();
    dry.leftover = schema::off_runtime(move || {
        let d = schema::diff(&got, &expected);
        d.objects
            .into_iter()
            .filter(|o| o.status != DiffStatus::Unchanged)
            .collect::<Vec<_>>()
    })
    .await?;
    dry.ok = dry.leftover.is_empty();
    Ok(dry)
}

/// A template copy of `parent` when it is small and idle, else an empty database given the
/// parent's schema from `parent_cat`.
async fn make_copy(
    engine: &Branches,
    l: &Locked,
    tmp: &str,
    parent: &str,
    parent_cat: &Catalog,
) -> Result<&'static str> {
    let size: i64 =
        l.s.query_one("SELECT pg_database_size($1)", &[&parent])
            .await?
            .get(0);
    if size <= COPY_WHOLE_UP_TO {
        own_sessions_gone(l, parent).await?;
        if engine.template_copy(&l.s, tmp, parent).await.is_ok() {
            return Ok("template copy (schema and rows)");
        }
    }
    rebuild(engine, l, tmp, parent_cat).await?;
    Ok("schema rebuilt from Grove's model")
}

/// An empty database `tmp` given the schema `cat`.
async fn rebuild(engine: &Branches, l: &Locked, tmp: &str, cat: &Catalog) -> Result<()> {
    engine.create_empty(&l.s, tmp).await?;
    let s = engine.connect_internal(tmp).await?;
    let empty = schema::introspect(&s.client).await?;
    let cat = cat.clone();
    let build = schema::off_runtime(move || schema::diff(&empty, &cat).migration).await?;
    // In batches: one round trip per statement is what would take the time.
    for chunk in build.chunks(200) {
        let sql: Vec<&str> = chunk.iter().map(|st| st.sql.as_str()).collect();
        s.batch_execute(&sql.join("\n")).await.map_err(|e| {
            ApiError::from(e).context("rebuilding the parent's schema from Grove's model")
        })?;
    }
    Ok(())
}

/// Waits (up to 2 s) for the sessions the comparison just closed on `parent` to end, so that
/// they do not make it look busy.
async fn own_sessions_gone(l: &Locked, parent: &str) -> Result<()> {
    let deadline = Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let n: i64 =
            l.s.query_one(
                "SELECT count(*) FROM pg_stat_activity
                  WHERE datname = $1 AND application_name = 'grove schema diff'",
                &[&parent],
            )
            .await?
            .get(0);
        if n == 0 || Instant::now() > deadline {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
