//! Operations that change the tree: import, create, reset, undo, delete, restore, rename,
//! protect, expire, housekeeping. Each takes the operation lock and publishes atomically.
use super::engine::*;
use super::progress::{Op, ProgressFn};
use super::types::*;
use super::*;
use crate::error::{ApiError, ErrorCode, Result};
use crate::schema::MigrationStatement;
use uuid::Uuid;

impl Branches {
    // ----- changing -----

    /// Tracks an existing database as a root branch; with `name`, renames it first.
    pub async fn import(
        &self,
        database: &str,
        name: Option<&str>,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let name = name.unwrap_or(database);
        validate_branch_name(name)?;
        if RESERVED_NAMES.contains(&database) || database.starts_with(INTERNAL_PREFIX) {
            return Err(ApiError::invalid(format!(
                "\"{database}\" is a system or Grove database and cannot be imported"
            )));
        }
        let op = Op::new("import", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        if catalog::find(&l.s, database).await?.is_some() {
            return Err(ApiError::new(
                ErrorCode::AlreadyExists,
                format!("\"{database}\" is already a branch"),
            ));
        }
        let valid: Option<bool> =
            l.s.query_opt(
                "SELECT datconnlimit <> -2 FROM pg_database WHERE datname = $1",
                &[&database],
            )
            .await?
            .map(|r| r.get(0));
        if valid != Some(true) {
            return Err(ApiError::not_found(format!(
                "no database named \"{database}\" on the server"
            )));
        }
        if name != database {
            catalog::ensure_free(&l.s, name).await?;
            self.settle(&l.s, database, false, OnBusy::Fail).await?;
        }
        op.phase("reading the schema");
        let fingerprint = self.prepare(&op, database, false).await?;
        op.check()?;
        op.phase("publishing");
        let tx = l.s.client.transaction().await?;
        if name != database {
            tx.batch_execute(&format!(
                "ALTER DATABASE {} RENAME TO {}",
                q(database),
                q(name)
            ))
            .await
            .map_err(busy)?;
        }
        tx.execute(
            "INSERT INTO branches (id, name, is_root, created_by, parent_schema_fingerprint)
             VALUES ($1, $2, true, current_user || ' (' || $3 || ')', $4)",
            &[&Uuid::new_v4(), &name, &self.client, &fingerprint],
        )
        .await?;
        fault::point("import:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Creates `name` as a copy of `parent` (schema only: same schema, no rows, sequences
    /// restarted).
    pub async fn create(
        &self,
        name: &str,
        parent: &str,
        schema_only: bool,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        self.create_with(name, parent, schema_only, on_busy, false, progress)
            .await
    }

    /// `create`; with `online`, the parent is copied by the online copy engine and its
    /// sessions are left alone (`on_busy` is then not needed).
    pub async fn create_with(
        &self,
        name: &str,
        parent: &str,
        schema_only: bool,
        on_busy: OnBusy,
        online: bool,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        validate_branch_name(name)?;
        let op = Op::new("create", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let p = catalog::get_present(&l.s, parent).await?;
        catalog::ensure_free(&l.s, name).await?;
        let tmp = self.copy_parent(&l, &op, &p, on_busy, online).await?;
        let published = async {
            fault::point("create:after-copy");
            let fingerprint = self.prepare(&op, &tmp, schema_only).await?;
            let base = self.merge_base(&op, &tmp).await?;
            fault::point("create:after-prepare");
            op.check()?;
            op.phase("publishing");
            let tx = l.s.client.transaction().await?;
            tx.batch_execute(&format!("ALTER DATABASE {} RENAME TO {}", q(&tmp), q(name))).await.map_err(busy)?;
            tx.execute(
                "INSERT INTO branches (id, name, parent_id, schema_only, created_by, parent_schema_fingerprint, base_schema)
                 VALUES ($1, $2, $3, $4, current_user || ' (' || $5 || ')', $6, $7)",
                &[&Uuid::new_v4(), &name, &uuid_of(&p)?, &schema_only, &self.client, &fingerprint, &base],
            )
            .await?;
            fault::point("create:before-commit");
            tx.commit().await.map_err(busy)?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = published {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e);
        }
        fault::point("create:after-rename");
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Replaces the branch with a fresh copy of its parent. The old state is kept as a
    /// snapshot (`undo_reset`) for `KEEP_SNAPSHOTS`.
    pub async fn reset(
        &self,
        name: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        self.reset_with(name, on_busy, false, progress).await
    }

    /// `reset`; with `online`, the parent is copied by the online copy engine and its sessions
    /// are left alone (the branch's own sessions are still dealt with as `on_busy` says).
    pub async fn reset_with(
        &self,
        name: &str,
        on_busy: OnBusy,
        online: bool,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let op = Op::new("reset", progress, &self.cancel);
        self.reset_replaying(name, on_busy, online, &[], op).await
    }

    /// Rebases a branch: a fresh copy of its parent with `script` (the branch's own changes,
    /// planned against the parent as it is now) run on it, swapped in like a reset (the old
    /// state is kept as a snapshot for `undo_reset`). If the script fails, nothing changes.
    pub async fn rebase(
        &self,
        name: &str,
        on_busy: OnBusy,
        online: bool,
        script: &[MigrationStatement],
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let op = Op::new("rebase", progress, &self.cancel);
        self.reset_replaying(name, on_busy, online, script, op)
            .await
    }

    async fn reset_replaying(
        &self,
        name: &str,
        on_busy: OnBusy,
        online: bool,
        script: &[MigrationStatement],
        op: Op<'_>,
    ) -> Result<Branch> {
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, name).await?;
        refuse_protected(&b, "reset")?;
        let parent = b.parent.as_deref().ok_or_else(|| {
            ApiError::invalid(format!(
                "\"{name}\" is a root branch: it has no parent to reset from"
            ))
        })?;
        let p = catalog::get_present(&l.s, parent).await?;
        if !online {
            self.settle(&l.s, &p.name, p.protected, on_busy).await?;
        }
        self.settle(&l.s, &b.name, false, on_busy).await?;
        let tmp = if online {
            self.copy_online(&l, &op, &p.name).await?
        } else {
            self.copy(&l, &op, &p.name).await?
        };
        let swapped = async {
            fault::point("reset:after-copy");
            let base = self.merge_base(&op, &tmp).await?;
            self.replay(&op, &tmp, script).await?;
            let fingerprint = self.prepare(&op, &tmp, b.schema_only).await?;
            op.check()?;
            // Sessions may have connected to the branch while we copied.
            self.settle(&l.s, &b.name, false, on_busy).await?;
            op.phase("swapping");
            let tx = swap_in(&mut l, &b, &tmp, &fingerprint, Some(&base)).await?;
            fault::point("reset:before-commit");
            tx.commit().await.map_err(busy)?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = swapped {
            self.drop_quietly(&l.s, &tmp).await;
            return Err(e);
        }
        fault::point("reset:after-swap");
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Brings back the state before the latest reset; the reset result is dropped.
    pub async fn undo_reset(
        &self,
        name: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        let op = Op::new("undo-reset", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, name).await?;
        refuse_protected(&b, "reset")?;
        let id = uuid_of(&b)?;
        let snap =
            l.s.query_opt(
                "SELECT id, db_name, branch->>'parent_schema_fingerprint',
                        (branch->>'base_schema')::bytea FROM snapshots
                  WHERE branch_id = $1 AND kind = 'reset-undo' ORDER BY created_at DESC LIMIT 1",
                &[&id],
            )
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("branch \"{name}\" has no reset to undo"))
            })?;
        let (snap_id, snap_db, fingerprint, base): (Uuid, String, Option<String>, Option<Vec<u8>>) =
            (snap.get(0), snap.get(1), snap.get(2), snap.get(3));
        self.settle(&l.s, &b.name, false, on_busy).await?;
        op.check()?;
        op.phase("swapping");
        // The reset result goes to a name no snapshot row refers to: repair drops it if we die.
        let discard = new_name(SNAP_PREFIX);
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {name} RENAME TO {discard}; ALTER DATABASE {snap} RENAME TO {name};",
            name = q(&b.name),
            discard = q(&discard),
            snap = q(&snap_db)
        ))
        .await
        .map_err(busy)?;
        tx.execute("DELETE FROM snapshots WHERE id = $1", &[&snap_id])
            .await?;
        tx.execute(
            "UPDATE branches SET parent_schema_fingerprint = $2, base_schema = $3 WHERE id = $1",
            &[&id, &fingerprint, &base],
        )
        .await?;
        fault::point("undo:before-commit");
        tx.commit().await.map_err(busy)?;
        fault::point("undo:after-swap");
        op.phase("dropping the reset copy");
        self.drop_quietly(&l.s, &discard).await;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Deletes a branch (with `recursive`, its descendants too). Databases are renamed to
    /// snapshots, restorable until housekeeping drops them; roots are only untracked.
    pub async fn delete(
        &self,
        name: &str,
        recursive: bool,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<DeleteOutcome> {
        let op = Op::new("delete", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        let doomed = catalog::subtree(&l.s, uuid_of(&b)?).await?;
        if doomed.len() > 1 && !recursive {
            let children: Vec<&str> = doomed
                .iter()
                .filter(|d| d.parent_id.as_deref() == Some(b.id.as_str()))
                .map(|d| d.name.as_str())
                .collect();
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "branch \"{name}\" has child branches: {}",
                    children.join(", ")
                ),
            )
            .with_hint("delete them first, or delete recursively (--recursive)"));
        }
        for d in &doomed {
            refuse_protected(d, "deleted")?;
        }
        let outcome = self.retire(&mut l, &op, &doomed, on_busy).await?;
        op.phase("done");
        Ok(outcome)
    }

    /// Removes branches from the tree in one transaction (`doomed` deepest first).
    async fn retire(
        &self,
        l: &mut Locked,
        op: &Op<'_>,
        doomed: &[Branch],
        on_busy: OnBusy,
    ) -> Result<DeleteOutcome> {
        for d in doomed.iter().filter(|d| !d.missing && !d.is_root) {
            self.settle(&l.s, &d.name, false, on_busy).await?;
        }
        op.check()?;
        op.phase("deleting");
        let mut outcome = DeleteOutcome {
            deleted: Vec::new(),
            untracked: Vec::new(),
        };
        let mut ids = Vec::new();
        let mut rows = Vec::new();
        for d in doomed {
            let id = uuid_of(d)?;
            rows.push((id, catalog::row_json(&l.s, id).await?));
            ids.push(id);
        }
        let tx = l.s.client.transaction().await?;
        for (d, (id, row)) in doomed.iter().zip(&rows) {
            if d.is_root {
                outcome.untracked.push(d.name.clone());
                continue;
            }
            if !d.missing {
                let snap = new_name(SNAP_PREFIX);
                tx.batch_execute(&format!(
                    "ALTER DATABASE {} RENAME TO {}",
                    q(&d.name),
                    q(&snap)
                ))
                .await
                .map_err(busy)?;
                tx.execute(
                    "INSERT INTO snapshots (id, branch_id, branch_name, db_name, kind, branch, keep_until)
                     VALUES ($1, $2, $3, $4, 'deleted', $5, now() + make_interval(secs => $6))",
                    &[&Uuid::new_v4(), id, &d.name, &snap, row, &KEEP_SNAPSHOTS.as_secs_f64()],
                )
                .await?;
            }
            outcome.deleted.push(d.name.clone());
        }
        tx.execute("DELETE FROM branches WHERE id = ANY($1)", &[&ids])
            .await?;
        fault::point("delete:before-commit");
        tx.commit().await.map_err(busy)?;
        fault::point("delete:after-rename");
        Ok(outcome)
    }

    /// Brings back the most recently deleted branch of this name (under its old parent if
    /// that still exists, else as a detached branch).
    pub async fn restore(&self, name: &str, progress: ProgressFn<'_>) -> Result<Branch> {
        let op = Op::new("restore", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let snap =
            l.s.query_opt(
                "SELECT id, db_name, branch FROM snapshots
                  WHERE branch_name = $1 AND kind = 'deleted' ORDER BY created_at DESC LIMIT 1",
                &[&name],
            )
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("no deleted branch named \"{name}\" to restore"))
            })?;
        let (snap_id, snap_db, mut row): (Uuid, String, serde_json::Value) =
            (snap.get(0), snap.get(1), snap.get(2));
        catalog::ensure_free(&l.s, name).await?;
        let parent_alive = match row
            .get("parent_id")
            .and_then(|v| v.as_str())
            .and_then(|p| Uuid::parse_str(p).ok())
        {
            Some(p) => {
                l.s.query_one(
                    "SELECT EXISTS (SELECT 1 FROM branches WHERE id = $1)",
                    &[&p],
                )
                .await?
                .get(0)
            }
            None => false,
        };
        if !parent_alive {
            row["parent_id"] = serde_json::Value::Null;
        }
        row["name"] = name.into();
        row["expires_at"] = serde_json::Value::Null;
        op.phase("restoring");
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            q(&snap_db),
            q(name)
        ))
        .await
        .map_err(busy)?;
        tx.execute(
            "INSERT INTO branches SELECT * FROM jsonb_populate_record(NULL::branches, $1)",
            &[&row],
        )
        .await?;
        tx.execute("DELETE FROM snapshots WHERE id = $1", &[&snap_id])
            .await?;
        fault::point("restore:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, name).await
    }

    /// Renames a branch and its database.
    pub async fn rename(
        &self,
        old: &str,
        new: &str,
        on_busy: OnBusy,
        progress: ProgressFn<'_>,
    ) -> Result<Branch> {
        validate_branch_name(new)?;
        let op = Op::new("rename", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let b = catalog::get_present(&l.s, old).await?;
        refuse_protected(&b, "renamed")?;
        catalog::ensure_free(&l.s, new).await?;
        self.settle(&l.s, &b.name, false, on_busy).await?;
        op.check()?;
        let id = uuid_of(&b)?;
        let tx = l.s.client.transaction().await?;
        tx.batch_execute(&format!(
            "ALTER DATABASE {} RENAME TO {}",
            q(&b.name),
            q(new)
        ))
        .await
        .map_err(busy)?;
        tx.execute("UPDATE branches SET name = $2 WHERE id = $1", &[&id, &new])
            .await?;
        tx.execute(
            "UPDATE snapshots SET branch_name = $2 WHERE branch_id = $1",
            &[&id, &new],
        )
        .await?;
        fault::point("rename:before-commit");
        tx.commit().await.map_err(busy)?;
        op.phase("done");
        catalog::get(&l.s, new).await
    }

    /// Protected branches cannot be reset, deleted, renamed or expired, and their sessions
    /// are only terminated with `OnBusy::Force`.
    pub async fn set_protected(&self, name: &str, protected: bool) -> Result<Branch> {
        let op = Op::new(
            if protected { "protect" } else { "unprotect" },
            no_progress(),
            &self.cancel,
        );
        let l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        l.s.execute(
            "UPDATE branches SET protected = $2 WHERE id = $1",
            &[&uuid_of(&b)?, &protected],
        )
        .await?;
        catalog::get(&l.s, name).await
    }

    /// Marks the branch for deletion by housekeeping after `after` (None: never).
    pub async fn expire(&self, name: &str, after: Option<Duration>) -> Result<Branch> {
        let op = Op::new("expire", no_progress(), &self.cancel);
        let l = self.begin(&op).await?;
        let b = catalog::get(&l.s, name).await?;
        if after.is_some() {
            if b.is_root {
                return Err(ApiError::invalid(format!(
                    "\"{name}\" is a root branch (an imported database); Grove does not expire those"
                )));
            }
            refuse_protected(&b, "expired")?;
        }
        let secs = after.map(|d| d.as_secs_f64());
        l.s.execute(
            "UPDATE branches SET expires_at = now() + make_interval(secs => $2) WHERE id = $1",
            &[&uuid_of(&b)?, &secs],
        )
        .await?;
        catalog::get(&l.s, name).await
    }

    /// Deletes expired branches (never protected ones, nor ones with children), drops
    /// snapshots past their time, and cleans up after interrupted operations.
    pub async fn housekeeping(&self, progress: ProgressFn<'_>) -> Result<HousekeepingReport> {
        let op = Op::new("housekeeping", progress, &self.cancel);
        let mut l = self.begin(&op).await?;
        let mut report = HousekeepingReport {
            repaired: std::mem::take(&mut l.repaired),
            ..Default::default()
        };
        op.phase("deleting expired branches");
        let expired: Vec<String> = l
            .s
            .query(
                "WITH RECURSIVE tree(id, depth) AS (
                     SELECT id, 0 FROM branches WHERE parent_id IS NULL
                     UNION ALL SELECT b.id, tree.depth + 1 FROM branches b JOIN tree ON b.parent_id = tree.id)
                 SELECT b.name FROM branches b JOIN tree USING (id)
                  WHERE b.expires_at <= now() ORDER BY tree.depth DESC, b.name",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        for name in expired {
            let b = catalog::get(&l.s, &name).await?;
            let doomed = catalog::subtree(&l.s, uuid_of(&b)?).await?;
            if b.protected || b.is_root {
                report.expired_kept.push(format!(
                    "{name}: {}",
                    if b.protected { "protected" } else { "root" }
                ));
            } else if doomed.len() > 1 {
                report
                    .expired_kept
                    .push(format!("{name}: has child branches"));
            } else {
                // The owner asked for it to go at this time; sessions do not keep it alive.
                match self.retire(&mut l, &op, &doomed, OnBusy::Terminate).await {
                    Ok(_) => report.expired_deleted.push(name),
                    Err(e) => report.expired_kept.push(format!("{name}: {}", e.message)),
                }
            }
        }
        op.phase("dropping old snapshots");
        let old =
            l.s.query(
                "SELECT id, db_name FROM snapshots WHERE keep_until <= now() ORDER BY created_at",
                &[],
            )
            .await?;
        for r in old {
            let (id, db): (Uuid, String) = (r.get(0), r.get(1));
            // Row first: if we die before the DROP, repair drops the unreferenced database.
            l.s.execute("DELETE FROM snapshots WHERE id = $1", &[&id])
                .await?;
            fault::point("housekeeping:after-unregister");
            catalog::drop_database(&l.s, &db).await?;
            report.snapshots_dropped.push(db);
        }
        op.phase("done");
        Ok(report)
    }
}
