//! Reads one database's catalog into a [`Catalog`] with a fixed set of set-based queries
//! (one per catalog, pipelined on one connection inside a read-only repeatable-read
//! transaction), never one query per object. `search_path` is empty while reading, so every
//! name PostgreSQL prints (`format_type`, `pg_get_*def`, `pg_get_expr`) is schema-qualified.
//!
//! Three steps, one module each: `queries` (the SQL text), `read` (running the queries,
//! streaming the big results into compact rows) and `assemble` (rows → catalog and its
//! dependency graph, one assembler per object family). Assembling is CPU work: it runs on
//! the blocking pool, not on the async runtime.
mod assemble;
mod queries;
mod read;

use super::blocking::off_runtime;
use super::model::Catalog;
use crate::error::{ApiError, Result};
use tokio_postgres::Client;

// jit: catalog queries look expensive to the planner, and compiling them costs more than
// running them.
const SESSION: &str = "SET LOCAL search_path = ''; SET LOCAL statement_timeout = 0; \
     SET LOCAL lock_timeout = '30s'; SET LOCAL jit = off";

/// Reads the schema of the database `client` is connected to (one read-only, repeatable-read
/// transaction; all queries pipelined).
pub async fn introspect(client: &Client) -> Result<Catalog> {
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {SESSION}"
        ))
        .await
        .map_err(|e| ApiError::from(e).context("reading the catalog"))?;
    let rows = read::read_all(client, client).await;
    let _ = client.batch_execute("COMMIT").await;
    assemble_rows(rows).await
}

/// Like [`introspect`], with the queries split over two sessions to the same database that
/// share one snapshot (as `pg_dump -j` does): the server works on both at once.
pub async fn introspect_parallel(a: &Client, b: &Client) -> Result<Catalog> {
    let ctx = |e: tokio_postgres::Error| ApiError::from(e).context("reading the catalog");
    let row = async {
        a.batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; {SESSION}"
        ))
        .await?;
        a.query_one("SELECT pg_export_snapshot()", &[]).await
    }
    .await;
    let snapshot: String = match row {
        Ok(r) => r.get(0),
        Err(e) => {
            let _ = a.batch_execute("ROLLBACK").await;
            return Err(ctx(e));
        }
    };
    if let Err(e) = b
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; {SESSION}",
            crate::ident::quote_literal(&snapshot)
        ))
        .await
    {
        // Snapshots cannot always be shared (e.g. some poolers): read on one session.
        tracing::debug!("snapshot not shared ({e}); reading on one session");
        let _ = b.batch_execute("ROLLBACK").await;
        let rows = read::read_all(a, a).await;
        let _ = a.batch_execute("COMMIT").await;
        return assemble_rows(rows).await;
    }
    let rows = read::read_all(a, b).await;
    let _ = tokio::join!(a.batch_execute("COMMIT"), b.batch_execute("COMMIT"));
    assemble_rows(rows).await
}

/// One catalog is assembled at a time in this process. Assembling holds a database's rows and
/// its catalog under construction, about one and a half times the finished catalog; both sides
/// of a diff are read at once, and assembling them at once too doubled that peak (10,000 tables:
/// over 100 MB more).
static ASSEMBLING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Assembles what was read into a catalog, on the blocking pool.
async fn assemble_rows(rows: Result<read::Rows>) -> Result<Catalog> {
    let rows = rows.map_err(|e| e.context("reading the catalog"))?;
    let _turn = ASSEMBLING.acquire().await;
    off_runtime(move || assemble::assemble(rows)).await
}

/// Drops `v` on a background thread.
pub(crate) fn drop_later<T: Send + 'static>(v: T) {
    if std::thread::Builder::new()
        .name("grove-drop".into())
        .spawn(move || drop(v))
        .is_err()
    {
        // No thread: it is dropped here instead (the closure owned it).
    }
}
