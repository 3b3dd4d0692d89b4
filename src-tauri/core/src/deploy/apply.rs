//! Applying a request's script to the parent, and finding out what an interrupted apply did.
use super::store::{self, DeployRequest, DeployStatus};
use super::{backup, check, ApplyOptions};
use crate::branch::{fault, Branches, Locked, Op};
use crate::conn::Session;
use crate::error::{ApiError, ErrorCode, Result};
use crate::schema::{self, stored, MigrationStatement};

/// The database keeping request `id`'s dropped data.
pub(super) fn backup_db(id: i64) -> String {
    format!("grove_revert_{id}")
}

pub(crate) async fn apply(
    engine: &Branches,
    l: &Locked,
    op: &Op<'_>,
    id: i64,
    opts: &ApplyOptions,
) -> Result<DeployRequest> {
    let req = store::get(&l.s, id).await?;
    store::require_status(
        &req,
        &[DeployStatus::Open, DeployStatus::Conflicted],
        "an open request can be applied",
    )?;
    let (checked, cmp) = Box::pin(check::check(engine, l, op, id, !opts.skip_dry_run)).await?;
    check::refuse_conflicts(
        &checked.conflicts,
        &format!("deploy request #{id} cannot be applied"),
    )?;
    if let Some(d) = checked.dry_run.as_ref().filter(|d| !d.ok) {
        let at = d
            .failed_statement
            .map(|i| format!(" at statement {}", i + 1))
            .unwrap_or_default();
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "the dry run failed{at}: {}",
                d.error.clone().unwrap_or_else(|| format!(
                    "{} object(s) differ from what was expected",
                    d.leftover.len()
                ))
            ),
        )
        .with_hint("`grove deploy check` shows the details; nothing was applied"));
    }
    let script = cmp.result.migration.clone();
    if script.is_empty() {
        return Err(ApiError::invalid(format!(
            "deploy request #{id}: \"{}\" has no schema changes for \"{}\"",
            req.child, req.parent
        )));
    }
    let parent = engine.get(&req.parent).await?;
    if parent.protected && opts.confirm.as_deref() != Some(parent.name.as_str()) {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!("\"{}\" is protected: type its name to apply", parent.name),
        )
        .with_hint("pass --confirm NAME"));
    }
    let (items, keyless) = backup::plan(&cmp.parent, &cmp.merged);
    let before = stored::encode(&cmp.parent)?;
    let script_json =
        serde_json::to_value(&script).map_err(|e| ApiError::internal(e.to_string()))?;
    l.s.execute(
        "UPDATE deploy_requests SET status = 'applying', error = NULL, steps_done = 0,
                script = $2, before_schema = $3, backup_db = NULL WHERE id = $1",
        &[&id, &script_json, &before],
    )
    .await?;
    let backup = backup_db(id);
    let outcome = Box::pin(run(
        engine,
        l,
        op,
        id,
        &req.parent,
        &script,
        &items,
        &backup,
        opts,
    ))
    .await;
    match outcome {
        Ok(()) => {
            let window = store::revert_window(&l.s).await?;
            let note = (!keyless.is_empty()).then(|| {
                format!(
                    "a revert cannot bring back the values of {} (no key to match rows)",
                    keyless.join(", ")
                )
            });
            let kept = (!items.is_empty()).then_some(backup.as_str());
            l.s.execute(
                "UPDATE deploy_requests SET status = 'applied', applied_by = current_user || ' (' || $2 || ')',
                        applied_at = now(), revert_until = now() + make_interval(secs => $3),
                        backup_db = $4, error = $5, steps_done = $6 WHERE id = $1",
                &[&id, &engine.client(), &window.as_secs_f64(), &kept, &note, &steps(&script)],
            )
            .await?;
            op.phase("done");
            store::get(&l.s, id).await
        }
        Err((done, e)) => {
            if done == 0 {
                engine.drop_quietly(&l.s, &backup).await;
            }
            let total = steps(&script);
            let msg = if done == 0 {
                format!("{e}; nothing was applied")
            } else {
                format!(
                    "{e}; stopped after {done} of {total} steps: the parent has the first {done}"
                )
            };
            store::record_error(&l.s, id, DeployStatus::Open, &msg).await?;
            l.s.execute(
                "UPDATE deploy_requests SET steps_done = $2 WHERE id = $1",
                &[&id, &done],
            )
            .await?;
            Err({
                let mut e = e;
                e.message = msg;
                e
            })
        }
    }
}

/// Transactions in a script: one, plus one per `COMMIT;` it has inside.
fn steps(script: &[MigrationStatement]) -> i32 {
    1 + script.iter().filter(|s| s.sql == "COMMIT;").count() as i32
}

/// Runs the script on the parent: the backup first, in the first transaction. Returns the
/// number of transactions committed along with the error.
#[allow(clippy::too_many_arguments)]
async fn run(
    engine: &Branches,
    l: &Locked,
    op: &Op<'_>,
    id: i64,
    parent: &str,
    script: &[MigrationStatement],
    items: &[backup::Item],
    backup_name: &str,
    opts: &ApplyOptions,
) -> std::result::Result<(), (i32, ApiError)> {
    let fail0 = |e: ApiError| (0, e);
    let s = engine.connect_internal(parent).await.map_err(fail0)?;
    s.batch_execute(&format!(
        "SET lock_timeout = {}; SET statement_timeout = {}; BEGIN",
        opts.lock_timeout.as_millis(),
        opts.statement_timeout.as_millis()
    ))
    .await
    .map_err(|e| fail0(e.into()))?;
    if !items.is_empty() {
        op.phase("keeping the data the deploy drops");
        engine.drop_quietly(&l.s, backup_name).await;
        engine
            .create_empty(&l.s, backup_name)
            .await
            .map_err(fail0)?;
        let dst = engine.connect_internal(backup_name).await.map_err(fail0)?;
        backup::save(&s, &dst, items)
            .await
            .map_err(|e| fail0(e.context("keeping the data the deploy drops")))?;
    }
    op.phase("applying");
    let mut done = 0;
    for (i, st) in script.iter().enumerate() {
        if let Err(e) = op.check() {
            let _ = s.batch_execute("ROLLBACK").await;
            return Err((done, e));
        }
        op.report(
            "applying",
            Some(format!("statement {} of {}", i + 1, script.len())),
            None,
        );
        if let Err(e) = s.batch_execute(&st.sql).await {
            let _ = s.batch_execute("ROLLBACK").await;
            return Err((done, statement_error(e.into(), i, st)));
        }
        if st.sql == "COMMIT;" {
            done += 1;
            record_step(&l.s, id, done).await;
        }
    }
    fault::point("deploy:before-commit");
    s.batch_execute("COMMIT")
        .await
        .map_err(|e| (done, e.into()))?;
    fault::point("deploy:after-commit");
    Ok(())
}

async fn record_step(s: &Session, id: i64, done: i32) {
    let r = s
        .execute(
            "UPDATE deploy_requests SET steps_done = $2 WHERE id = $1",
            &[&id, &done],
        )
        .await;
    if let Err(e) = r {
        tracing::warn!("recording step {done} of deploy request #{id}: {e}");
    }
}

fn statement_error(e: ApiError, i: usize, st: &MigrationStatement) -> ApiError {
    let what = if e.sqlstate.as_deref() == Some("55P03") {
        "waited longer than lock_timeout for a lock"
    } else if e.sqlstate.as_deref() == Some("57014") {
        "ran longer than statement_timeout"
    } else {
        "failed"
    };
    let mut e = e.context(format!("statement {} {what}: {}", i + 1, st.sql));
    if e.code == ErrorCode::ServerError && what != "failed" {
        e.code = ErrorCode::Conflict;
    }
    e
}

/// Requests a killed Grove left `applying` or `reverting` (called under the operation lock,
/// so no one else is running them): compares the parent with the schema recorded before.
pub(crate) async fn reconcile(engine: &Branches, l: &Locked) -> Result<()> {
    let rows =
        l.s.query(
            "SELECT id, parent_name, status, before_schema, steps_done, script
               FROM deploy_requests WHERE status IN ('applying', 'reverting')",
            &[],
        )
        .await?;
    let window = store::revert_window(&l.s).await?;
    for r in rows {
        let (id, parent, status): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
        let before: Option<Vec<u8>> = r.get(3);
        let done: i32 = r.get(4);
        let script: Vec<MigrationStatement> = r
            .get::<_, Option<serde_json::Value>>(5)
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let unchanged = match &before {
            Some(b) => {
                let b = stored::decode(b)?;
                let fields = engine.server().with_database(&parent);
                let now = schema::introspect_database(&fields, engine.password()).await?;
                schema::off_runtime(move || schema::diff(&now, &b).is_empty()).await?
            }
            None => true,
        };
        let (status, msg) = match (status.as_str(), unchanged) {
            ("applying", true) => ("open", "Grove stopped during the apply; nothing was applied (the parent is as before)".to_string()),
            ("applying", false) if steps(&script) == 1 => {
                ("applied", "Grove stopped just after the apply committed; the deploy is complete".to_string())
            }
            ("applying", false) => ("open", format!("Grove stopped during the apply, after at least {done} of {} steps committed: the parent is partly changed; check again to see what remains", steps(&script))),
            (_, true) => ("reverted", "Grove stopped during the revert, after it committed; the revert is complete".to_string()),
            (_, false) => ("applied", "Grove stopped during the revert; nothing was reverted".to_string()),
        };
        let backup = backup_db(id);
        l.s.execute(
            "UPDATE deploy_requests SET status = $2, error = $3,
                    applied_at = CASE WHEN $2 = 'applied' THEN coalesce(applied_at, now()) ELSE applied_at END,
                    revert_until = CASE WHEN $2 = 'applied'
                        THEN coalesce(revert_until, now() + make_interval(secs => $4)) ELSE revert_until END,
                    backup_db = CASE WHEN $2 = 'applied' AND EXISTS (SELECT 1 FROM pg_database WHERE datname = $5)
                        THEN $5 ELSE backup_db END
              WHERE id = $1",
            &[&id, &status, &msg, &window.as_secs_f64(), &backup],
        )
        .await?;
        if status != "applied" {
            engine.drop_quietly(&l.s, &backup).await;
        }
        tracing::info!("deploy request #{id}: {msg}");
    }
    Ok(())
}
