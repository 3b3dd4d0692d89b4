//! Deploy requests in `grove_catalog.deploy_requests`.
use crate::conn::Session;
use crate::error::{ApiError, ErrorCode, Result};
use crate::schema::MigrationStatement;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio_postgres::Row;
use ts_rs::TS;
use uuid::Uuid;

/// How long after an apply it can be reverted, unless the server's settings say otherwise.
pub const DEFAULT_REVERT_WINDOW: Duration = Duration::from_secs(30 * 60);
const REVERT_WINDOW_SETTING: &str = "deploy.revert_window_secs";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub enum DeployStatus {
    Open,
    Conflicted,
    /// An apply is running (or was interrupted: the next operation finds out which).
    Applying,
    Applied,
    Reverting,
    Reverted,
    Closed,
}

impl DeployStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeployStatus::Open => "open",
            DeployStatus::Conflicted => "conflicted",
            DeployStatus::Applying => "applying",
            DeployStatus::Applied => "applied",
            DeployStatus::Reverting => "reverting",
            DeployStatus::Reverted => "reverted",
            DeployStatus::Closed => "closed",
        }
    }
    fn parse(s: &str) -> DeployStatus {
        match s {
            "conflicted" => DeployStatus::Conflicted,
            "applying" => DeployStatus::Applying,
            "applied" => DeployStatus::Applied,
            "reverting" => DeployStatus::Reverting,
            "reverted" => DeployStatus::Reverted,
            "closed" => DeployStatus::Closed,
            _ => DeployStatus::Open,
        }
    }
}

/// The verdict of a request's latest check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct CheckSummary {
    pub checked_at: String,
    /// No merge base: the child's changes are whatever differs from the parent.
    pub two_way: bool,
    pub conflicts: u32,
    pub statements: u32,
    pub hazards: u32,
    /// None: no dry run.
    pub dry_run_ok: Option<bool>,
}

/// A request to deploy a child's schema changes into its parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DeployRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub child: String,
    /// The branch the changes go into.
    pub parent: String,
    pub author: String,
    pub created_at: String,
    pub status: DeployStatus,
    pub last_check: Option<CheckSummary>,
    /// The statements as applied.
    pub script: Option<Vec<MigrationStatement>>,
    pub applied_by: Option<String>,
    pub applied_at: Option<String>,
    /// Transactions of the script committed by the latest apply.
    pub steps_done: i32,
    /// Why the latest apply or revert stopped.
    pub error: Option<String>,
    pub revert_until: Option<String>,
    /// Applied, inside the revert window, with what a revert needs.
    pub revertible: bool,
    pub reverted_by: Option<String>,
    pub reverted_at: Option<String>,
}

const SELECT: &str = "SELECT id, child_name, parent_name, author, created_at, status, last_check,
        script, applied_by, applied_at, steps_done, error, revert_until, reverted_by, reverted_at,
        status = 'applied' AND revert_until > now() AND before_schema IS NOT NULL AS revertible,
        child_id, parent_id
   FROM deploy_requests";

fn from_row(r: &Row) -> DeployRequest {
    let ts = |c: &str| {
        r.get::<_, Option<chrono::DateTime<chrono::Utc>>>(c)
            .map(|t| t.to_rfc3339())
    };
    let json = |c: &str| r.get::<_, Option<serde_json::Value>>(c);
    DeployRequest {
        id: r.get("id"),
        child: r.get("child_name"),
        parent: r.get("parent_name"),
        author: r.get("author"),
        created_at: ts("created_at").unwrap_or_default(),
        status: DeployStatus::parse(r.get("status")),
        last_check: json("last_check").and_then(|v| serde_json::from_value(v).ok()),
        script: json("script").and_then(|v| serde_json::from_value(v).ok()),
        applied_by: r.get("applied_by"),
        applied_at: ts("applied_at"),
        steps_done: r.get("steps_done"),
        error: r.get("error"),
        revert_until: ts("revert_until"),
        revertible: r.get("revertible"),
        reverted_by: r.get("reverted_by"),
        reverted_at: ts("reverted_at"),
    }
}

/// The branches a request joins, by id (names may have changed since).
pub(super) struct Ends {
    pub child_id: Uuid,
    pub parent_id: Uuid,
}

pub(super) async fn insert(
    s: &Session,
    child: (Uuid, &str),
    parent: (Uuid, &str),
    client: &str,
) -> Result<DeployRequest> {
    let row = s
        .query_one(
            "INSERT INTO deploy_requests (child_id, child_name, parent_id, parent_name, author, status)
             VALUES ($1, $2, $3, $4, current_user || ' (' || $5 || ')', 'open') RETURNING id",
            &[&child.0, &child.1, &parent.0, &parent.1, &client],
        )
        .await?;
    get(s, row.get(0)).await
}

pub(super) async fn list(s: &Session) -> Result<Vec<DeployRequest>> {
    let rows = s.query(&format!("{SELECT} ORDER BY id DESC"), &[]).await?;
    Ok(rows.iter().map(from_row).collect())
}

pub(super) async fn get(s: &Session, id: i64) -> Result<DeployRequest> {
    Ok(from_row(&get_row(s, id).await?))
}

pub(super) async fn ends(s: &Session, id: i64) -> Result<Ends> {
    let r = get_row(s, id).await?;
    Ok(Ends {
        child_id: r.get("child_id"),
        parent_id: r.get("parent_id"),
    })
}

async fn get_row(s: &Session, id: i64) -> Result<Row> {
    s.query_opt(&format!("{SELECT} WHERE id = $1"), &[&id])
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("no deploy request #{id}"))
                .with_hint("`grove deploy list` shows the requests")
        })
}

/// Fails unless request `r` is in one of `allowed` (named in the error as "an open request",
/// "an applied request"…).
pub(super) fn require_status(
    r: &DeployRequest,
    allowed: &[DeployStatus],
    what: &str,
) -> Result<()> {
    if allowed.contains(&r.status) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        format!(
            "deploy request #{} is {}: only {what}",
            r.id,
            r.status.as_str()
        ),
    ))
}

pub(super) async fn set_status(s: &Session, id: i64, status: DeployStatus) -> Result<()> {
    s.execute(
        "UPDATE deploy_requests SET status = $2 WHERE id = $1",
        &[&id, &status.as_str()],
    )
    .await?;
    Ok(())
}

pub(super) async fn record_check(s: &Session, id: i64, summary: &CheckSummary) -> Result<()> {
    let status = if summary.conflicts > 0 {
        "conflicted"
    } else {
        "open"
    };
    let json = serde_json::to_value(summary).map_err(|e| ApiError::internal(e.to_string()))?;
    s.execute(
        "UPDATE deploy_requests SET last_check = $2,
                status = CASE WHEN status IN ('open', 'conflicted') THEN $3 ELSE status END
          WHERE id = $1",
        &[&id, &json, &status],
    )
    .await?;
    Ok(())
}

pub(super) async fn record_error(
    s: &Session,
    id: i64,
    status: DeployStatus,
    error: &str,
) -> Result<()> {
    s.execute(
        "UPDATE deploy_requests SET status = $2, error = $3 WHERE id = $1",
        &[&id, &status.as_str(), &error],
    )
    .await?;
    Ok(())
}

/// The merge base stored for a branch (None: made before Grove stored them).
pub(super) async fn merge_base(s: &Session, branch: Uuid) -> Result<Option<Vec<u8>>> {
    Ok(
        s.query_opt("SELECT base_schema FROM branches WHERE id = $1", &[&branch])
            .await?
            .and_then(|r| r.get(0)),
    )
}

/// The server's revert window.
pub(super) async fn revert_window(s: &Session) -> Result<Duration> {
    let v: Option<String> = s
        .query_opt(
            "SELECT value FROM settings WHERE name = $1",
            &[&REVERT_WINDOW_SETTING],
        )
        .await?
        .map(|r| r.get(0));
    Ok(v.and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_REVERT_WINDOW))
}

pub(super) async fn set_revert_window(s: &Session, window: Duration) -> Result<()> {
    if window > Duration::from_secs(30 * 24 * 3600) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "the revert window can be at most 30 days",
        ));
    }
    s.execute(
        "INSERT INTO settings (name, value) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&REVERT_WINDOW_SETTING, &window.as_secs().to_string()],
    )
    .await?;
    Ok(())
}

/// The current name of a request's branch (`role`: "child" or "target"), or NotFound.
pub(super) async fn branch_name(s: &Session, id: Uuid, role: &str, request: i64) -> Result<String> {
    s.query_opt("SELECT name FROM branches WHERE id = $1", &[&id])
        .await?
        .map(|r| r.get(0))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "the {role} branch of deploy request #{request} no longer exists"
            ))
            .with_hint("close the request")
        })
}
