//! Root branches synced from a source (see `crate::source`): added as an online copy and
//! linked in one transaction; refreshed by building a new copy under a temporary name and
//! swapping it in like a reset (the previous version stays as an undoable snapshot, children
//! are untouched). The `sources` table of the catalog keeps the settings and how the last
//! refresh went.
use super::engine::*;
use super::progress::{Op, ProgressFn};
use super::types::*;
use super::*;
use crate::copy::{self, TableSelection};
use crate::error::{ApiError, Result};
use crate::source::{LastRefresh, Schedule, SourceInfo, SourceLocation, SourceSpec};
use chrono::{DateTime, Utc};
use tokio_postgres::Row;
use uuid::Uuid;

const SELECT_SOURCES: &str = "
    SELECT b.name AS root, s.* FROM sources s JOIN branches b ON b.id = s.root_id";

impl Branches {
    /// Creates the root branch `name` as an online copy of `from` (the database `spec`
    /// describes, with its password) and links them.
    pub async fn add_synced_root(
        &self,
        name: &str,
        spec: &SourceSpec,
        from: copy::Endpoint,
        progress: ProgressFn<'_>,
    ) -> Result<SourceInfo> {
        validate_branch_name(name)?;
        let op = Op::new("source-add", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        catalog::ensure_free(&l.s, name).await?;
        let started = Utc::now();
        let label = format!("{} (database \"{}\")", spec.from, spec.database);
        let (tmp, copied) = self
            .copy_from(&l, &op, from, spec.selection.clone(), &label, None)
            .await?;
        let published = async {
            let fingerprint = self.prepare(&op, &tmp, false).await?;
            op.check()?;
            op.phase("publishing");
            let size = database_size(&l.s, &tmp).await?;
            let id = Uuid::new_v4();
            let tx = l.s.client.transaction().await?;
            let sql = format!("ALTER DATABASE {} RENAME TO {}", q(&tmp), q(name));
            tx.batch_execute(&sql).await.map_err(busy)?;
            tx.execute(
                "INSERT INTO branches (id, name, is_root, created_by, parent_schema_fingerprint)
                 VALUES ($1, $2, true, current_user || ' (' || $3 || ')', $4)",
                &[&id, &name, &self.client, &fingerprint],
            )
            .await?;
            let (connection, url) = match &spec.from {
                SourceLocation::Connection(c) => (Some(c.as_str()), None),
                SourceLocation::Url(u) => (None, Some(u.as_str())),
            };
            let filters = serde_json::to_value(&spec.selection.filters)
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let sel = &spec.selection;
            tx.execute(
                "INSERT INTO sources (root_id, connection, url, database, tables, exclude_tables,
                                      schema_only_tables, filters, schedule, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, current_user || ' (' || $10 || ')')",
                &[
                    &id,
                    &connection,
                    &url,
                    &spec.database,
                    &sel.include,
                    &sel.exclude,
                    &sel.schema_only,
                    &filters,
                    &spec.schedule.map(|s| s.to_string()),
                    &self.client,
                ],
            )
            .await?;
            record_success(&tx, id, spec.schedule, started, &copied, size).await?;
            fault::point("source-add:before-commit");
            tx.commit().await.map_err(busy)?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = published {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e);
        }
        op.phase("done");
        source_of(&l.s, name).await
    }

    /// Replaces the root `name` with a fresh copy of its source (reached through `from`). The
    /// previous version is kept as a reset-undo snapshot; on failure the root is untouched and
    /// the failure is recorded.
    pub async fn refresh_synced_root(
        &self,
        name: &str,
        from: copy::Endpoint,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<SourceInfo> {
        let done = self.refresh(name, from, on_busy, false, progress).await?;
        done.ok_or_else(|| ApiError::internal("a refresh that was asked for was skipped"))
    }

    /// `refresh_synced_root` if the schedule still says it is due once the operation lock is
    /// held (another Grove may have just refreshed it); None when it was not.
    pub async fn refresh_synced_root_if_due(
        &self,
        name: &str,
        from: copy::Endpoint,
        progress: ProgressFn<'_>,
    ) -> Result<Option<SourceInfo>> {
        self.refresh(name, from, OnBusy::Fail, true, progress).await
    }

    async fn refresh(
        &self,
        name: &str,
        from: copy::Endpoint,
        on_busy: OnBusy,
        only_if_due: bool,
        progress: ProgressFn<'_>,
    ) -> Result<Option<SourceInfo>> {
        let op = Op::new("source-refresh", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, name).await?;
        let info = source_of(&l.s, name).await?;
        let id = uuid_of(&b)?;
        if only_if_due {
            let due: bool =
                l.s.query_one(
                    "SELECT coalesce(schedule IS NOT NULL AND next_due_at <= now(), false)
                       FROM sources WHERE root_id = $1",
                    &[&id],
                )
                .await?
                .get(0);
            if !due {
                return Ok(None);
            }
        }
        refuse_protected(&b, "refreshed")?;
        let started = Utc::now();
        l.s.execute(
            "UPDATE sources SET last_started_at = $2, last_finished_at = NULL,
                    last_duration_ms = NULL, last_outcome = 'running', last_error = NULL
              WHERE root_id = $1",
            &[&id, &started],
        )
        .await?;
        let label = format!("{} (database \"{}\")", info.spec.from, info.spec.database);
        let refreshed = async {
            let (tmp, copied) = self
                .copy_from(&l, &op, from, info.spec.selection.clone(), &label, None)
                .await?;
            let swapped = async {
                fault::point("source-refresh:after-copy");
                let fingerprint = self.prepare(&op, &tmp, false).await?;
                op.check()?;
                self.settle(&l.s, &b.name, b.protected, on_busy).await?;
                op.phase("swapping");
                let size = database_size(&l.s, &tmp).await?;
                let tx = swap_in(&mut l, &b, &tmp, &fingerprint, None).await?;
                record_success(&tx, id, info.spec.schedule, started, &copied, size).await?;
                fault::point("source-refresh:before-commit");
                tx.commit().await.map_err(busy)?;
                Ok::<_, ApiError>(())
            }
            .await;
            if let Err(e) = swapped {
                self.drop_quietly(&l.s, &tmp).await;
                return Err(e);
            }
            Ok(())
        }
        .await;
        if let Err(e) = refreshed {
            record_failure(&l.s, id, info.spec.schedule, &e.message).await?;
            return Err(e.context(format!("refreshing \"{name}\" from {label}")));
        }
        op.phase("done");
        source_of(&l.s, name).await.map(Some)
    }

    /// Records a refresh of root `name` that failed before it could start (its source could
    /// not be located), so that the schedule waits for the next slot.
    pub async fn record_refresh_failure(&self, name: &str, error: &str) -> Result<()> {
        let s = self.catalog().await?;
        let info = source_of(&s, name).await?;
        let id = uuid_of(&catalog::get(&s, name).await?)?;
        s.execute(
            "UPDATE sources SET last_started_at = now() WHERE root_id = $1",
            &[&id],
        )
        .await?;
        record_failure(&s, id, info.spec.schedule, error).await
    }

    /// The source of root `name`.
    pub async fn source(&self, name: &str) -> Result<SourceInfo> {
        source_of(&self.catalog().await?, name).await
    }

    /// Every source on this server; with `due_only`, those whose schedule says it is time.
    pub async fn sources(&self, due_only: bool) -> Result<Vec<SourceInfo>> {
        let Some(s) = self.existing_catalog().await? else {
            return Ok(Vec::new());
        };
        let filter = if due_only {
            " WHERE s.schedule IS NOT NULL AND s.next_due_at <= now()"
        } else {
            ""
        };
        let rows = s
            .query(&format!("{SELECT_SOURCES}{filter} ORDER BY b.name"), &[])
            .await?;
        rows.iter().map(info_from_row).collect()
    }

    /// Unlinks root `name` from its source; the root stays as it is.
    pub async fn remove_source(&self, name: &str) -> Result<SourceInfo> {
        let op = Op::new("source-remove", super::no_progress(), &self.cancel);
        let l = self.begin(&op).await?;
        let info = source_of(&l.s, name).await?;
        l.s.execute(
            "DELETE FROM sources WHERE root_id = (SELECT id FROM branches WHERE name = $1)",
            &[&name],
        )
        .await?;
        Ok(info)
    }
}

async fn record_failure(
    s: &crate::conn::Session,
    id: Uuid,
    schedule: Option<Schedule>,
    error: &str,
) -> Result<()> {
    let next = schedule.map(|s| s.next_after(Utc::now()));
    s.execute(
        "UPDATE sources SET last_finished_at = now(),
                last_duration_ms = (extract(epoch FROM now() - last_started_at) * 1000)::bigint,
                last_outcome = 'failed', last_error = $2, next_due_at = $3
          WHERE root_id = $1",
        &[&id, &error, &next],
    )
    .await?;
    Ok(())
}

async fn database_size(s: &crate::conn::Session, db: &str) -> Result<i64> {
    Ok(s.query_one("SELECT pg_database_size($1::text)", &[&db])
        .await?
        .get(0))
}

/// Records a successful copy and the next time the schedule wants one.
async fn record_success(
    tx: &tokio_postgres::Transaction<'_>,
    id: Uuid,
    schedule: Option<Schedule>,
    started: DateTime<Utc>,
    copied: &copy::CopyResult,
    size: i64,
) -> Result<()> {
    let now = Utc::now();
    let next = schedule.map(|s| s.next_after(now));
    let ms = (now - started).num_milliseconds();
    tx.execute(
        "UPDATE sources SET last_started_at = $2, last_finished_at = $3, last_duration_ms = $4,
                last_size_bytes = $5, last_rows = $6, last_outcome = 'ok', last_error = NULL,
                next_due_at = $7
          WHERE root_id = $1",
        &[
            &id,
            &started,
            &now,
            &ms,
            &size,
            &(copied.rows as i64),
            &next,
        ],
    )
    .await?;
    Ok(())
}

async fn source_of(s: &crate::conn::Session, name: &str) -> Result<SourceInfo> {
    let row = s
        .query_opt(&format!("{SELECT_SOURCES} WHERE b.name = $1"), &[&name])
        .await?;
    match row {
        Some(r) => info_from_row(&r),
        None => {
            catalog::get(s, name).await?;
            Err(
                ApiError::not_found(format!("branch \"{name}\" is not linked to a source"))
                    .with_hint("`grove source add` creates a root branch synced from a source"),
            )
        }
    }
}

fn info_from_row(r: &Row) -> Result<SourceInfo> {
    let ts = |c: &str| r.get::<_, Option<DateTime<Utc>>>(c).map(|t| t.to_rfc3339());
    let from = match (r.get::<_, Option<String>>("connection"), r.get("url")) {
        (Some(c), _) => SourceLocation::Connection(c),
        (None, Some(u)) => SourceLocation::Url(u),
        (None, None) => return Err(ApiError::internal("a source row has no location")),
    };
    let filters: serde_json::Value = r.get("filters");
    let filters = serde_json::from_value(filters)
        .map_err(|e| ApiError::internal(format!("bad source filters: {e}")))?;
    let schedule = match r.get::<_, Option<String>>("schedule") {
        Some(s) => Some(Schedule::parse(&s)?),
        None => None,
    };
    let last_refresh = ts("last_started_at").map(|started_at| LastRefresh {
        started_at,
        finished_at: ts("last_finished_at"),
        duration_ms: r
            .get::<_, Option<i64>>("last_duration_ms")
            .map(|v| v as u64),
        size_bytes: r.get::<_, Option<i64>>("last_size_bytes").map(|v| v as u64),
        rows: r.get::<_, Option<i64>>("last_rows").map(|v| v as u64),
        outcome: r
            .get::<_, Option<String>>("last_outcome")
            .unwrap_or_default(),
        error: r.get("last_error"),
    });
    Ok(SourceInfo {
        root: r.get("root"),
        spec: SourceSpec {
            from,
            database: r.get("database"),
            selection: TableSelection {
                include: r.get("tables"),
                exclude: r.get("exclude_tables"),
                schema_only: r.get("schema_only_tables"),
                filters,
            },
            schedule,
        },
        created_at: ts("created_at").unwrap_or_default(),
        last_refresh,
        next_due_at: ts("next_due_at"),
    })
}
