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
    /// "template copy (schema and rows)" or "schema rebuilt from Grove's model".
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
/// compares the result with `expected`. Nothing is left on the server.
pub(super) async fn run(
    engine: &Branches,
    l: &Locked,
    parent: &str,
    parent_cat: &Catalog,
    expected: &Catalog,
    script: &[MigrationStatement],
) -> Result<DryRun> {
    let started = Instant::now();
    let tmp = engine.temp_name();
    let out = async {
        let copy = make_copy(engine, l, &tmp, parent, parent_cat).await?;
        let s = engine.connect_internal(&tmp).await?;
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
        Ok::<_, ApiError>(dry)
    }
    .await;
    engine.drop_quietly(&l.s, &tmp).await;
    let mut dry = out.map_err(|e| e.context("dry run"))?;
    dry.duration_ms = started.elapsed().as_millis() as u64;
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
    engine.create_empty(&l.s, tmp).await?;
    let s = engine.connect_internal(tmp).await?;
    let empty = schema::introspect(&s.client).await?;
    let parent_cat = parent_cat.clone();
    let build = schema::off_runtime(move || schema::diff(&empty, &parent_cat).migration).await?;
    // In batches: one round trip per statement is what would take the time.
    for chunk in build.chunks(200) {
        let sql: Vec<&str> = chunk.iter().map(|st| st.sql.as_str()).collect();
        s.batch_execute(&sql.join("\n")).await.map_err(|e| {
            ApiError::from(e).context("rebuilding the parent's schema from Grove's model")
        })?;
    }
    Ok("schema rebuilt from Grove's model")
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
