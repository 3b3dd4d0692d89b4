//! Sessions on the two servers. On the source: only read-only, repeatable-read sessions
//! named [`APP`], all in one exported snapshot (`pg_export_snapshot` on the leader, `SET
//! TRANSACTION SNAPSHOT` on the others), as `pg_dump -j` does; the leader keeps its
//! transaction open until every worker has imported the snapshot and finished.
use super::Endpoint;
use crate::conn::{self, ConnectOptions, Session};
use crate::error::{ApiError, ErrorCode, Result};
use crate::ident::quote_literal;
use crate::schema::model::QualName;
use std::collections::HashMap;
use tokio_postgres::error::SqlState;

/// `application_name` of every session a copy opens, on both servers.
pub const APP: &str = "grove online copy";

const BEGIN: &str = "SET default_transaction_read_only = on; \
     BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

pub(super) async fn open(at: &Endpoint, database: &str) -> Result<Session> {
    let opts = ConnectOptions {
        application_name: APP.into(),
        ..Default::default()
    };
    conn::connect(
        &at.fields.with_database(database),
        at.password.as_deref(),
        &opts,
    )
    .await
}

/// The leader: its transaction defines the instant copied.
pub(super) struct Leader {
    pub session: Session,
    pub snapshot: String,
    pub version_num: i32,
}

pub(super) async fn leader(src: &Endpoint) -> Result<Leader> {
    let session = open(src, &src.fields.database).await?;
    session
        .batch_execute(BEGIN)
        .await
        .map_err(|e| ApiError::from(e).context("starting the copy's transaction"))?;
    let row = session
        .query_one(
            "SELECT pg_export_snapshot(), current_setting('server_version_num')::int",
            &[],
        )
        .await
        .map_err(|e| ApiError::from(e).context("exporting the copy's snapshot"))?;
    let version_num: i32 = row.get(1);
    if version_num < 120000 {
        return Err(ApiError::invalid(format!(
            "the source runs PostgreSQL {}; the online copy needs 12 or later",
            version_num / 10000
        )));
    }
    Ok(Leader {
        session,
        snapshot: row.get(0),
        version_num,
    })
}

/// A read-only session on the source that sees the leader's snapshot.
pub(super) async fn follower(src: &Endpoint, snapshot: &str) -> Result<Session> {
    let s = open(src, &src.fields.database).await?;
    s.batch_execute(&format!(
        "{BEGIN}; SET TRANSACTION SNAPSHOT {}",
        quote_literal(snapshot)
    ))
    .await
    .map_err(|e| ApiError::from(e).context("importing the copy's snapshot"))?;
    Ok(s)
}

/// Takes ACCESS SHARE locks on the tables copied (as pg_dump does): nobody's reads or writes
/// wait for them, but a table cannot be dropped or altered under the copy.
pub(super) async fn lock_tables(leader: &Session, tables: &[String]) -> Result<()> {
    // Behind someone's ALTER TABLE, give up rather than queue everybody behind us.
    leader
        .batch_execute("SET LOCAL lock_timeout = '30s'")
        .await
        .map_err(ApiError::from)?;
    for chunk in tables.chunks(500) {
        leader
            .batch_execute(&format!(
                "LOCK TABLE {} IN ACCESS SHARE MODE",
                chunk.join(", ")
            ))
            .await
            .map_err(|e| {
                if e.code() == Some(&SqlState::UNDEFINED_TABLE) {
                    // Listed in the snapshot, gone by now: dropped or renamed meanwhile.
                    return ApiError::new(
                        ErrorCode::Conflict,
                        format!(
                            "a table was dropped or renamed on the source as the copy began ({}); nothing was copied",
                            e.as_db_error().map_or("", |d| d.message())
                        ),
                    )
                    .with_hint("try again: the next copy takes the source as it is then");
                }
                ApiError::from(e).context("locking the tables copied")
            })?;
    }
    Ok(())
}

/// Takes a worker's ACCESS SHARE lock on `table` before its rows are read, without waiting.
/// The leader's lock keeps the table from being dropped, but a DROP or ALTER TABLE waiting
/// for that lock queues every later request behind it, the worker's too: waiting would block
/// the copy, the DROP and everyone behind it until the copy ended, that is, forever. So the
/// copy gives up, as `pg_dump -j` does, and the DROP goes ahead once its sessions close.
pub(super) async fn lock_for_worker(worker: &Session, table: &str) -> Result<()> {
    let sql = format!("LOCK TABLE {table} IN ACCESS SHARE MODE NOWAIT");
    worker.batch_execute(&sql).await.map_err(|e| {
        if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
            return ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "someone on the source is waiting to drop or alter table {table} (an exclusive lock); the copy gave up so as not to block them and everyone queued behind them; nothing was copied"
                ),
            )
            .with_hint("try again once that change is done");
        }
        worker.error(e).context(format!("locking table {table}"))
    })
}

/// Each table's size on the source in pages, by `"schema"."table"`.
pub(super) async fn table_pages(leader: &Session) -> Result<HashMap<String, u64>> {
    let rows = leader
        .query(
            "SELECT n.nspname::text, c.relname::text,
                    pg_relation_size(c.oid) / current_setting('block_size')::bigint
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'",
            &[],
        )
        .await
        .map_err(|e| ApiError::from(e).context("reading the tables' sizes"))?;
    Ok(rows
        .iter()
        .map(|r| {
            let name = QualName::new(r.get::<_, String>(0), r.get::<_, String>(1));
            (name.sql(), r.get::<_, i64>(2).max(0) as u64)
        })
        .collect())
}

/// The sequences' values, read right after the snapshot was taken: every row the snapshot
/// sees got its number before, so these are at least as far on. `None`: never used.
pub(super) async fn sequence_values(leader: &Session) -> Result<Vec<(QualName, Option<i64>)>> {
    let rows = leader
        .query(
            "SELECT n.nspname::text, c.relname::text, pg_sequence_last_value(c.oid)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind = 'S' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
               AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                               AND e.objid = c.oid AND e.deptype = 'e')",
            &[],
        )
        .await
        .map_err(|e| ApiError::from(e).context("reading the sequences"))?;
    Ok(rows
        .iter()
        .map(|r| {
            (
                QualName::new(r.get::<_, String>(0), r.get::<_, String>(1)),
                r.get(2),
            )
        })
        .collect())
}

/// Sets the target's sequences to the source's values.
pub(super) async fn set_sequences(
    target: &Session,
    values: &[(QualName, Option<i64>)],
) -> Result<u32> {
    let mut n = 0;
    for (seq, value) in values {
        if let Some(v) = value {
            // A sequence of a table left out of the copy is not there.
            n += target
                .execute(
                    "SELECT setval(s, $2, true) FROM (SELECT to_regclass($1::text) AS s) x
                      WHERE s IS NOT NULL",
                    &[&seq.sql(), v],
                )
                .await
                .map_err(|e| ApiError::from(e).context(format!("setting sequence {seq}")))?
                as u32;
        }
    }
    Ok(n)
}
