//! Deploy requests: promote a child branch's schema changes into its parent (or any branch of
//! the server), checked three ways against the merge base stored when the child was made.
//!
//! - **check**: base → child and base → parent (`schema::merge`), conflicts, and the script
//!   (the parent as it is now → the parent with the child's changes); a **dry run** applies
//!   the script to a throwaway copy of the parent (a template copy when the parent is idle and
//!   small, else its schema rebuilt from Grove's model) and diffs the result against what is
//!   expected.
//! - **apply**: under `lock_timeout` / `statement_timeout`; one transaction unless the script
//!   needs a commit inside (enum values added and used), then step by step, recording each
//!   step. Before anything changes, the parent's schema is recorded and the data the script
//!   drops (tables; columns dropped or retyped, keyed by primary key) is copied into a
//!   backup database in the same transaction.
//! - **revert** (within the server's revert window): plans the way back to the recorded
//!   schema, runs it, and puts the backed-up data back; rows written since stay.
//!
//! Requests live in `grove_catalog.deploy_requests`; every mutation holds the server's
//! operation lock, like branch operations.
mod apply;
mod backup;
mod check;
mod dry_run;
mod revert;
mod store;

pub use check::DeployCheck;
pub use dry_run::DryRun;
pub use store::{CheckSummary, DeployRequest, DeployStatus, DEFAULT_REVERT_WINDOW};

pub(crate) use apply::{apply, reconcile};
pub(crate) use check::{check, compare, refuse_conflicts};
pub(crate) use revert::revert;

use crate::branch::{Branches, Locked};
use crate::error::{ApiError, Result};
use std::time::Duration;
use uuid::Uuid;

pub(crate) async fn insert(
    l: &Locked,
    child: (Uuid, &str),
    parent: (Uuid, &str),
    client: &str,
) -> Result<DeployRequest> {
    store::insert(&l.s, child, parent, client).await
}

pub(crate) async fn list(engine: &Branches) -> Result<Vec<DeployRequest>> {
    match engine.catalog_if_exists().await? {
        Some(s) => store::list(&s).await,
        None => Ok(Vec::new()),
    }
}

pub(crate) async fn get(engine: &Branches, id: i64) -> Result<DeployRequest> {
    match engine.catalog_if_exists().await? {
        Some(s) => store::get(&s, id).await,
        None => Err(ApiError::not_found(format!("no deploy request #{id}"))),
    }
}

/// Closes an open request (it stays listed).
pub(crate) async fn close(l: &Locked, id: i64) -> Result<DeployRequest> {
    let req = store::get(&l.s, id).await?;
    store::require_status(
        &req,
        &[DeployStatus::Open, DeployStatus::Conflicted],
        "an open request can be closed",
    )?;
    store::set_status(&l.s, id, DeployStatus::Closed).await?;
    store::get(&l.s, id).await
}

/// How long an applied request can be reverted on the server of `engine`.
pub(crate) async fn revert_window(engine: &Branches) -> Result<Duration> {
    store::revert_window(&engine.catalog_session().await?).await
}

pub(crate) async fn set_revert_window(engine: &Branches, window: Duration) -> Result<Duration> {
    let s = engine.catalog_session().await?;
    store::set_revert_window(&s, window).await?;
    store::revert_window(&s).await
}

/// How an apply runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// `lock_timeout` of every statement (waiting for a lock longer fails the apply).
    pub lock_timeout: Duration,
    /// `statement_timeout` of every statement.
    pub statement_timeout: Duration,
    /// The parent's name typed by the user: required when the parent is protected.
    pub confirm: Option<String>,
    /// Apply without a dry run first.
    pub skip_dry_run: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(600),
            confirm: None,
            skip_dry_run: false,
        }
    }
}

/// Drops the backups of applied requests whose revert window has passed, and backups no
/// request refers to. Returns what was dropped.
pub(crate) async fn expire_backups(engine: &Branches, l: &Locked) -> Result<Vec<String>> {
    let rows =
        l.s.query(
            "SELECT d.datname::text, r.id FROM pg_database d
               LEFT JOIN deploy_requests r ON r.backup_db = d.datname
              WHERE starts_with(d.datname, 'grove_revert_')
                AND (r.id IS NULL OR r.status <> 'applied' OR r.revert_until < now())",
            &[],
        )
        .await?;
    let mut dropped = Vec::new();
    for r in rows {
        let (db, id): (String, Option<i64>) = (r.get(0), r.get(1));
        engine.drop_quietly(&l.s, &db).await;
        if let Some(id) = id {
            l.s.execute(
                "UPDATE deploy_requests SET backup_db = NULL WHERE id = $1",
                &[&id],
            )
            .await?;
        }
        dropped.push(format!("revert data {db}"));
    }
    Ok(dropped)
}
