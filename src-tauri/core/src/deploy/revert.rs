//! Reverting an applied request: the parent's schema as it was before, the data the deploy
//! dropped put back, rows written since kept.
use super::backup;
use super::store::{self, DeployRequest, DeployStatus};
use super::ApplyOptions;
use crate::branch::{fault, Branches, Locked, Op};
use crate::conn::Session;
use crate::error::{ApiError, ErrorCode, Result};
use crate::ident::quote_ident as qi;
use crate::schema::model::{Catalog, ObjRef};
use crate::schema::{self, merge, stored};

pub(crate) async fn revert(
    engine: &Branches,
    l: &Locked,
    op: &Op<'_>,
    id: i64,
    opts: &ApplyOptions,
) -> Result<DeployRequest> {
    let req = store::get(&l.s, id).await?;
    store::require_status(
        &req,
        &[DeployStatus::Applied],
        "an applied request can be reverted",
    )?;
    if !req.revertible {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            format!(
                "deploy request #{id} can no longer be reverted: its revert window ended at {}",
                req.revert_until.unwrap_or_default()
            ),
        )
        .with_hint("write the way back as a new change on a child and deploy it"));
    }
    let row =
        l.s.query_one(
            "SELECT before_schema, backup_db FROM deploy_requests WHERE id = $1",
            &[&id],
        )
        .await?;
    let before = stored::decode(&row.get::<_, Vec<u8>>(0))?;
    let backup_name: Option<String> = row.get(1);
    let parent =
        store::branch_name(&l.s, store::ends(&l.s, id).await?.parent_id, "target", id).await?;
    op.phase("comparing schemas");
    let now =
        schema::introspect_database(&engine.server().with_database(&parent), engine.password())
            .await?;
    let backup_session = match &backup_name {
        Some(db) => Some(engine.connect_internal(db).await?),
        None => None,
    };
    let items = match &backup_session {
        Some(b) => backup::load(b).await?,
        None => Vec::new(),
    };
    let relaxed = relaxed(&before, &now, &items);
    let first = {
        let (now, relaxed) = (now.clone(), relaxed.clone());
        schema::off_runtime(move || schema::diff(&now, &relaxed).migration).await?
    };
    let mut notes = Vec::new();
    store::set_status(&l.s, id, DeployStatus::Reverting).await?;
    let s = engine.connect_internal(&parent).await?;
    let ran = Box::pin(async {
        s.batch_execute(&format!(
            "SET lock_timeout = {}; SET statement_timeout = {}; BEGIN",
            opts.lock_timeout.as_millis(),
            opts.statement_timeout.as_millis()
        ))
        .await?;
        op.phase("reverting the schema");
        for st in &first {
            op.check()?;
            s.batch_execute(&st.sql)
                .await
                .map_err(|e| ApiError::from(e).context(st.sql.clone()))?;
        }
        if let Some(b) = &backup_session {
            op.phase("putting back the data the deploy dropped");
            for (n, it) in items.iter().enumerate() {
                backup::restore(b, &s, n, it)
                    .await
                    .map_err(|e| e.context(format!("putting back {}", it.table)))?;
            }
        }
        let target = still_nullable(&s, &before, &items, &mut notes).await?;
        let last = {
            let relaxed = relaxed.clone();
            schema::off_runtime(move || schema::diff(&relaxed, &target).migration).await?
        };
        for st in &last {
            op.check()?;
            s.batch_execute(&st.sql)
                .await
                .map_err(|e| ApiError::from(e).context(st.sql.clone()))?;
        }
        fault::point("revert:before-commit");
        s.batch_execute("COMMIT").await?;
        Ok::<_, ApiError>(())
    })
    .await;
    if let Err(e) = ran {
        let _ = s.batch_execute("ROLLBACK").await;
        let msg = format!("{e}; nothing was reverted");
        store::record_error(&l.s, id, DeployStatus::Applied, &msg).await?;
        return Err({
            let mut e = e;
            e.message = msg;
            e
        });
    }
    drop(backup_session);
    l.s.execute(
        "UPDATE deploy_requests SET status = 'reverted', error = $3, backup_db = NULL,
                reverted_by = current_user || ' (' || $2 || ')', reverted_at = now() WHERE id = $1",
        &[
            &id,
            &engine.client(),
            &(!notes.is_empty()).then(|| notes.join("; ")),
        ],
    )
    .await?;
    if let Some(db) = backup_name {
        engine.drop_quietly(&l.s, &db).await;
    }
    op.phase("done");
    store::get(&l.s, id).await
}

/// `before`, except that a restored NOT NULL column stays nullable where rows written since
/// the deploy have no value for it (they are kept; each such column gets a note).
async fn still_nullable(
    s: &Session,
    before: &Catalog,
    items: &[backup::Item],
    notes: &mut Vec<String>,
) -> Result<Catalog> {
    let mut target = before.clone();
    for it in items.iter().filter(|i| !i.whole) {
        let Some(t) = target.tables.get_mut(&it.table) else {
            continue;
        };
        for col in t
            .columns
            .iter_mut()
            .filter(|c| c.not_null && it.columns.iter().any(|n| *n == c.name))
        {
            let sql = format!(
                "SELECT EXISTS (SELECT 1 FROM {} WHERE {} IS NULL)",
                it.table,
                qi(&col.name)
            );
            if s.query_one(&sql, &[]).await?.get::<_, bool>(0) {
                col.not_null = false;
                notes.push(format!(
                    "{}.{} stays nullable: rows written since the deploy have no value for it",
                    it.table,
                    qi(&col.name)
                ));
            }
        }
    }
    Ok(target)
}

/// `before` loosened so the backed-up data can go in first: restored columns nullable, and
/// foreign keys the revert adds left out (they come in the last step, checked against the
/// restored rows).
fn relaxed(before: &Catalog, now: &Catalog, items: &[backup::Item]) -> Catalog {
    let mut c = before.clone();
    for it in items.iter().filter(|i| !i.whole) {
        if let Some(t) = c.tables.get_mut(&it.table) {
            for col in t
                .columns
                .iter_mut()
                .filter(|x| it.columns.iter().any(|n| *n == x.name))
            {
                col.not_null = false;
            }
        }
    }
    for (q, t) in c.tables.iter_mut() {
        t.constraints.retain(|name, k| {
            k.kind != "f" || now.has(&ObjRef::Constraint(q.clone(), name.clone()))
        });
    }
    merge::prune_graph(&mut c);
    c
}
