//! The three-way check of a child against its parent, and the script it yields.
use super::dry_run::{self, DryRun};
use super::store::{self, CheckSummary, DeployRequest};
use crate::branch::{Branches, Locked, Op};
use crate::error::{ApiError, Result};
use crate::schema::merge::{self, Conflict};
use crate::schema::{self, stored, Catalog, ObjectDiff, SchemaDiff};
use serde::Serialize;
use std::time::Instant;
use ts_rs::TS;
use uuid::Uuid;

/// What a deploy would do, and whether it can.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export, export_to = "../../../ui/src/bindings/")]
pub struct DeployCheck {
    pub request: DeployRequest,
    /// No merge base was stored for the child (made before Grove kept them): every difference
    /// counts as the child's change and conflicts cannot be seen.
    pub two_way: bool,
    pub conflicts: Vec<Conflict>,
    /// Base → child.
    pub child_changes: Vec<ObjectDiff>,
    /// Base → parent (what the parent changed since the child was made).
    pub parent_changes: Vec<ObjectDiff>,
    /// The parent as it is now → after the deploy: the objects that change (only those), the
    /// counts, and the script.
    pub result: SchemaDiff,
    pub dry_run: Option<DryRun>,
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// A comparison with the catalogs it was made from.
pub(crate) struct Compared {
    pub two_way: bool,
    pub conflicts: Vec<Conflict>,
    pub child_changes: Vec<ObjectDiff>,
    pub parent_changes: Vec<ObjectDiff>,
    pub result: SchemaDiff,
    pub parent: Catalog,
    pub merged: Catalog,
}

/// Compares branch `child` (id `child_id`, whose merge base is stored) with `parent`.
pub(crate) async fn compare(
    engine: &Branches,
    l: &Locked,
    child: (Uuid, &str),
    parent: &str,
) -> Result<Compared> {
    let base = store::merge_base(&l.s, child.0).await?;
    let fields = engine.server();
    let pw = engine.password();
    let (pf, cf) = (fields.with_database(parent), fields.with_database(child.1));
    let (p, c) = tokio::try_join!(
        schema::introspect_database(&pf, pw),
        schema::introspect_database(&cf, pw),
    )?;
    let base = match base {
        Some(bytes) => match stored::decode(&bytes) {
            Ok(b) => Some(b),
            Err(e) => {
                tracing::warn!("merge base of {}: {e}; comparing two ways", child.1);
                None
            }
        },
        None => None,
    };
    schema::off_runtime(move || {
        let two_way = base.is_none();
        let (conflicts, child_changes, parent_changes, merged) = match base {
            Some(base) => {
                let t = merge::three_way(&base, &p, &c);
                (t.conflicts, t.child_changes, t.parent_changes, t.merged)
            }
            None => (Vec::new(), Vec::new(), Vec::new(), c),
        };
        let mut result = schema::diff(&p, &merged);
        result
            .objects
            .retain(|o| o.status != schema::DiffStatus::Unchanged);
        let child_changes = if two_way {
            result.objects.clone()
        } else {
            child_changes
        };
        Compared {
            two_way,
            conflicts,
            child_changes,
            parent_changes,
            result,
            parent: p,
            merged,
        }
    })
    .await
}

/// Checks request `id` (with a dry run when asked and there are no conflicts) and records
/// the verdict.
pub(crate) async fn check(
    engine: &Branches,
    l: &Locked,
    op: &Op<'_>,
    id: i64,
    with_dry_run: bool,
) -> Result<(DeployCheck, Compared)> {
    let started = Instant::now();
    let ends = store::ends(&l.s, id).await?;
    let child = store::branch_name(&l.s, ends.child_id, "child", id).await?;
    let parent = store::branch_name(&l.s, ends.parent_id, "target", id).await?;
    op.phase("comparing schemas");
    let cmp = compare(engine, l, (ends.child_id, &child), &parent).await?;
    let dry_run = if with_dry_run && cmp.conflicts.is_empty() && !cmp.result.migration.is_empty() {
        op.phase("dry run");
        Some(
            dry_run::run(
                engine,
                l,
                &parent,
                &cmp.parent,
                &cmp.merged,
                &cmp.result.migration,
            )
            .await?,
        )
    } else {
        None
    };
    let summary = CheckSummary {
        checked_at: chrono::Utc::now().to_rfc3339(),
        two_way: cmp.two_way,
        conflicts: cmp.conflicts.len() as u32,
        statements: cmp.result.migration.len() as u32,
        hazards: cmp
            .result
            .migration
            .iter()
            .map(|s| s.hazards.len() as u32)
            .sum(),
        dry_run_ok: dry_run.as_ref().map(|d| d.ok),
    };
    store::record_check(&l.s, id, &summary).await?;
    let check = DeployCheck {
        request: store::get(&l.s, id).await?,
        two_way: cmp.two_way,
        conflicts: cmp.conflicts.clone(),
        child_changes: cmp.child_changes.clone(),
        parent_changes: cmp.parent_changes.clone(),
        result: cmp.result.clone(),
        dry_run,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    Ok((check, cmp))
}

/// The conflicts as one error (for apply and rebase, which refuse them).
pub(crate) fn refuse_conflicts(conflicts: &[Conflict], what: &str) -> Result<()> {
    if conflicts.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = conflicts
        .iter()
        .map(|c| format!("- {}", c.message))
        .collect();
    Err(ApiError::new(
        crate::error::ErrorCode::Conflict,
        format!(
            "{what}: {} conflict(s)\n{}",
            conflicts.len(),
            lines.join("\n")
        ),
    )
    .with_hint("change the child (or the parent) so that they agree, then check again"))
}
