//! Query history (every run) and named saved queries, in the local SQLite state
//! (`query_history`, `saved_queries`; see migrations/0001). Searches are LIKE over the SQL (and
//! the name), newest first.
use crate::error::{ApiError, ErrorCode, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use ts_rs::TS;

/// History keeps this many runs; older ones are dropped as new ones come.
pub const HISTORY_KEEP: i64 = 10_000;

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct HistoryEntry {
    pub id: u32,
    pub server_id: String,
    pub branch: String,
    pub sql: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: Option<f64>,
    pub row_count: Option<f64>,
    /// The message of the error that stopped the run.
    pub error: Option<String>,
}

/// What to list: all filters optional; `limit` defaults to 100.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct HistoryQuery {
    /// Substring of the SQL (case-insensitive for ASCII).
    pub search: Option<String>,
    pub server_id: Option<String>,
    pub branch: Option<String>,
    pub limit: Option<u32>,
}

/// A named query the user saved.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SavedQuery {
    pub id: u32,
    pub name: String,
    pub sql: String,
    pub server_id: Option<String>,
    pub branch: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A saved query as the user edits it.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct SavedQueryDraft {
    pub name: String,
    pub sql: String,
    pub server_id: Option<String>,
    pub branch: Option<String>,
}

pub(crate) struct NewHistoryEntry<'a> {
    pub server_id: &'a str,
    pub branch: &'a str,
    pub sql: &'a str,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub duration_ms: f64,
    pub row_count: Option<f64>,
    pub error: Option<&'a str>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// `%text%` with LIKE's wildcards in `text` escaped (ESCAPE '\').
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn id_of(v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| ApiError::new(ErrorCode::Storage, "stored id out of range"))
}

pub(crate) async fn record(store: &Store, e: &NewHistoryEntry<'_>) -> Result<u32> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO query_history (server_id, branch, sql, started_at, duration_ms, row_count, error)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(e.server_id)
    .bind(e.branch)
    .bind(e.sql)
    .bind(
        e.started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
    )
    .bind(e.duration_ms.round() as i64)
    .bind(e.row_count.map(|n| n as i64))
    .bind(e.error)
    .fetch_one(store.pool())
    .await?;
    sqlx::query("DELETE FROM query_history WHERE id <= ?")
        .bind(id - HISTORY_KEEP)
        .execute(store.pool())
        .await?;
    id_of(id)
}

/// Recorded runs, newest first.
pub async fn list_history(store: &Store, q: &HistoryQuery) -> Result<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT id, server_id, branch, sql, started_at, duration_ms, row_count, error
         FROM query_history
         WHERE (?1 IS NULL OR sql LIKE ?1 ESCAPE '\\')
           AND (?2 IS NULL OR server_id = ?2)
           AND (?3 IS NULL OR branch = ?3)
         ORDER BY started_at DESC, id DESC
         LIMIT ?4",
    )
    .bind(
        q.search
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(like_pattern),
    )
    .bind(&q.server_id)
    .bind(&q.branch)
    .bind(i64::from(q.limit.unwrap_or(100)))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                id: id_of(r.try_get("id")?)?,
                server_id: r.try_get("server_id")?,
                branch: r.try_get("branch")?,
                sql: r.try_get("sql")?,
                started_at: r.try_get("started_at")?,
                duration_ms: r
                    .try_get::<Option<i64>, _>("duration_ms")?
                    .map(|v| v as f64),
                row_count: r.try_get::<Option<i64>, _>("row_count")?.map(|v| v as f64),
                error: r.try_get("error")?,
            })
        })
        .collect()
}

/// Forgets all history (or that of one server).
pub async fn clear_history(store: &Store, server_id: Option<&str>) -> Result<()> {
    sqlx::query("DELETE FROM query_history WHERE ?1 IS NULL OR server_id = ?1")
        .bind(server_id)
        .execute(store.pool())
        .await?;
    Ok(())
}

fn row_to_saved(r: &sqlx::sqlite::SqliteRow) -> Result<SavedQuery> {
    Ok(SavedQuery {
        id: id_of(r.try_get("id")?)?,
        name: r.try_get("name")?,
        sql: r.try_get("sql")?,
        server_id: r.try_get("server_id")?,
        branch: r.try_get("branch")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Saves a new query (`id` None) or updates one. Names are unique.
pub async fn save_query(
    store: &Store,
    id: Option<u32>,
    draft: &SavedQueryDraft,
) -> Result<SavedQuery> {
    let name = draft.name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid("the query needs a name"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "a query name must be at most 200 printable characters",
        ));
    }
    let now = now();
    let result = match id {
        None => {
            sqlx::query(
                "INSERT INTO saved_queries (name, sql, server_id, branch, created_at, updated_at)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            )
            .bind(name)
            .bind(&draft.sql)
            .bind(&draft.server_id)
            .bind(&draft.branch)
            .bind(&now)
            .bind(&now)
            .fetch_optional(store.pool())
            .await
        }
        Some(id) => sqlx::query(
            "UPDATE saved_queries SET name = ?, sql = ?, server_id = ?, branch = ?, updated_at = ?
                 WHERE id = ? RETURNING *",
        )
        .bind(name)
        .bind(&draft.sql)
        .bind(&draft.server_id)
        .bind(&draft.branch)
        .bind(&now)
        .bind(i64::from(id))
        .fetch_optional(store.pool())
        .await,
    };
    let row = result.map_err(|e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => ApiError::new(
            ErrorCode::AlreadyExists,
            format!("a saved query named \"{name}\" already exists"),
        ),
        _ => e.into(),
    })?;
    match row {
        Some(r) => row_to_saved(&r),
        None => Err(ApiError::not_found(format!(
            "no saved query with id {}",
            id.unwrap_or_default()
        ))),
    }
}

/// Saved queries whose name or SQL contains `search`, most recently changed first.
pub async fn list_saved_queries(
    store: &Store,
    search: Option<&str>,
    limit: Option<u32>,
) -> Result<Vec<SavedQuery>> {
    let rows = sqlx::query(
        "SELECT * FROM saved_queries
         WHERE ?1 IS NULL OR name LIKE ?1 ESCAPE '\\' OR sql LIKE ?1 ESCAPE '\\'
         ORDER BY updated_at DESC, id DESC
         LIMIT ?2",
    )
    .bind(search.filter(|s| !s.is_empty()).map(like_pattern))
    .bind(i64::from(limit.unwrap_or(100)))
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(row_to_saved).collect()
}

pub async fn delete_saved_query(store: &Store, id: u32) -> Result<()> {
    let r = sqlx::query("DELETE FROM saved_queries WHERE id = ?")
        .bind(i64::from(id))
        .execute(store.pool())
        .await?;
    if r.rows_affected() == 0 {
        return Err(ApiError::not_found(format!("no saved query with id {id}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[tokio::test]
    async fn history_and_saved_queries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite")).await.unwrap();
        let t0 = chrono::Utc::now();
        for (i, sql) in ["SELECT 1", "select 100% off", "UPDATE t SET x = 1"]
            .iter()
            .enumerate()
        {
            record(
                &store,
                &NewHistoryEntry {
                    server_id: "local",
                    branch: if i == 2 { "dev" } else { "main" },
                    sql,
                    started_at: t0 + chrono::Duration::seconds(i as i64),
                    duration_ms: 1.4,
                    row_count: Some(i as f64),
                    error: (i == 1).then_some("boom"),
                },
            )
            .await
            .unwrap();
        }
        let all = list_history(&store, &HistoryQuery::default())
            .await
            .unwrap();
        assert_eq!(
            all.iter().map(|h| h.sql.as_str()).collect::<Vec<_>>(),
            ["UPDATE t SET x = 1", "select 100% off", "SELECT 1"]
        );
        assert_eq!(all[1].error.as_deref(), Some("boom"));
        assert_eq!(all[0].duration_ms, Some(1.0));
        let q = |search: &str, branch: Option<&str>, limit| HistoryQuery {
            search: Some(search.into()),
            branch: branch.map(Into::into),
            limit,
            server_id: None,
        };
        let hits = list_history(&store, &q("select", None, None))
            .await
            .unwrap();
        assert_eq!(hits.len(), 2, "LIKE is case-insensitive");
        let hits = list_history(&store, &q("0%", None, None)).await.unwrap();
        assert_eq!(hits.len(), 1, "% is literal");
        let hits = list_history(&store, &q("", Some("main"), Some(1)))
            .await
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].sql, "select 100% off");

        let draft = |name: &str, sql: &str| SavedQueryDraft {
            name: name.into(),
            sql: sql.into(),
            server_id: None,
            branch: Some("main".into()),
        };
        let a = save_query(&store, None, &draft("users", "SELECT * FROM users"))
            .await
            .unwrap();
        let b = save_query(&store, None, &draft("orders", "SELECT * FROM orders"))
            .await
            .unwrap();
        let dup = save_query(&store, None, &draft("users", "x"))
            .await
            .unwrap_err();
        assert_eq!(dup.code, ErrorCode::AlreadyExists);
        // The update below must be stamped later than `b` (the list sorts by that): wait for
        // the clock to pass b's timestamp (stored in microseconds) rather than for a guessed
        // time.
        let b_at = chrono::DateTime::parse_from_rfc3339(&b.updated_at).unwrap();
        let later = b_at + chrono::Duration::microseconds(1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while chrono::Utc::now() < later {
            assert!(
                std::time::Instant::now() < deadline,
                "the clock stands still"
            );
            tokio::task::yield_now().await;
        }
        let a2 = save_query(
            &store,
            Some(a.id),
            &draft("all users", "SELECT * FROM users u"),
        )
        .await
        .unwrap();
        assert_eq!((a2.id, a2.name.as_str()), (a.id, "all users"));
        let found = list_saved_queries(&store, Some("USERS"), None)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0], a2);
        let found = list_saved_queries(&store, Some("orders"), None)
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0], b);
        assert_eq!(
            list_saved_queries(&store, None, None).await.unwrap()[0].id,
            a2.id
        );
        delete_saved_query(&store, b.id).await.unwrap();
        assert_eq!(
            delete_saved_query(&store, b.id).await.unwrap_err().code,
            ErrorCode::NotFound
        );
        clear_history(&store, None).await.unwrap();
        assert!(list_history(&store, &HistoryQuery::default())
            .await
            .unwrap()
            .is_empty());
    }
}
