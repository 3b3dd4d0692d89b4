//! Branch operations as requests: every one names its server with a `ServerRef`.
use super::OpContext;
use crate::branch::{
    BlockingSession, Branch, Branches, DatabaseInfo, DeleteOutcome, HousekeepingReport, OnBusy,
    Snapshot,
};
use crate::error::Result;
use crate::grove::Grove;
use crate::server_ref::ServerRef;
use std::time::Duration;

/// A branch of a server.
#[derive(Debug, Clone)]
pub struct BranchRef {
    pub server: ServerRef,
    pub name: String,
}

/// Track an existing database as a root branch, renamed to `name` if given.
#[derive(Debug, Clone)]
pub struct ImportDatabase {
    pub server: ServerRef,
    pub database: String,
    pub name: Option<String>,
}

/// Create `name` as a copy of `parent` (schema and data, or schema only).
#[derive(Debug, Clone)]
pub struct CreateBranch {
    pub server: ServerRef,
    pub name: String,
    pub parent: String,
    pub schema_only: bool,
    pub on_busy: OnBusy,
    /// Copy the parent with the online copy engine: slower, but its sessions are left alone.
    pub online: bool,
}

/// Reset a branch from its parent, or undo its last reset.
#[derive(Debug, Clone)]
pub struct ResetBranch {
    pub server: ServerRef,
    pub name: String,
    pub on_busy: OnBusy,
    /// Reset only: copy the parent online, leaving its sessions alone.
    pub online: bool,
}

/// Delete a branch (and its children when `recursive`).
#[derive(Debug, Clone)]
pub struct DeleteBranch {
    pub server: ServerRef,
    pub name: String,
    pub recursive: bool,
    pub on_busy: OnBusy,
}

#[derive(Debug, Clone)]
pub struct RenameBranch {
    pub server: ServerRef,
    pub name: String,
    pub new_name: String,
    pub on_busy: OnBusy,
}

#[derive(Debug, Clone)]
pub struct SetProtected {
    pub server: ServerRef,
    pub name: String,
    pub protected: bool,
}

/// Let housekeeping delete a branch `after` from now; None clears the expiry.
#[derive(Debug, Clone)]
pub struct ExpireBranch {
    pub server: ServerRef,
    pub name: String,
    pub after: Option<Duration>,
}

/// A branch's connection string, with the password only when asked for.
#[derive(Debug, Clone)]
pub struct BranchUrl {
    pub server: ServerRef,
    pub name: String,
    pub with_password: bool,
}

impl Grove {
    /// The branch engine of a server.
    pub async fn branch_engine(&self, server: &ServerRef) -> Result<Branches> {
        let access = self.server(server).await?;
        Ok(Branches::new(access.fields, access.password))
    }

    /// The engine for a long operation: its client recorded, cancellable.
    pub(super) async fn engine_for(
        &self,
        server: &ServerRef,
        ctx: &OpContext<'_>,
    ) -> Result<Branches> {
        Ok(self
            .branch_engine(server)
            .await?
            .with_client(ctx.client)
            .with_cancel(ctx.cancel.clone()))
    }

    pub async fn list_branches(&self, server: &ServerRef) -> Result<Vec<Branch>> {
        self.branch_engine(server).await?.list().await
    }

    pub async fn list_databases(&self, server: &ServerRef) -> Result<Vec<DatabaseInfo>> {
        self.branch_engine(server).await?.databases().await
    }

    pub async fn list_snapshots(&self, server: &ServerRef) -> Result<Vec<Snapshot>> {
        self.branch_engine(server).await?.snapshots().await
    }

    pub async fn blocking_sessions(&self, req: &BranchRef) -> Result<Vec<BlockingSession>> {
        let engine = self.branch_engine(&req.server).await?;
        engine.blocking_sessions(&req.name).await
    }

    pub async fn import_database(
        &self,
        req: ImportDatabase,
        ctx: &OpContext<'_>,
    ) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .import(&req.database, req.name.as_deref(), ctx.progress)
            .await
    }

    pub async fn create_branch(&self, req: CreateBranch, ctx: &OpContext<'_>) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .create_with(
                &req.name,
                &req.parent,
                req.schema_only,
                req.on_busy,
                req.online,
                ctx.progress,
            )
            .await
    }

    pub async fn reset_branch(&self, req: ResetBranch, ctx: &OpContext<'_>) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .reset_with(&req.name, req.on_busy, req.online, ctx.progress)
            .await
    }

    pub async fn undo_reset(&self, req: ResetBranch, ctx: &OpContext<'_>) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .undo_reset(&req.name, req.on_busy, ctx.progress)
            .await
    }

    pub async fn delete_branch(
        &self,
        req: DeleteBranch,
        ctx: &OpContext<'_>,
    ) -> Result<DeleteOutcome> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .delete(&req.name, req.recursive, req.on_busy, ctx.progress)
            .await
    }

    pub async fn restore_branch(&self, req: BranchRef, ctx: &OpContext<'_>) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine.restore(&req.name, ctx.progress).await
    }

    pub async fn rename_branch(&self, req: RenameBranch, ctx: &OpContext<'_>) -> Result<Branch> {
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .rename(&req.name, &req.new_name, req.on_busy, ctx.progress)
            .await
    }

    pub async fn set_branch_protected(&self, req: SetProtected) -> Result<Branch> {
        let engine = self.branch_engine(&req.server).await?;
        engine.set_protected(&req.name, req.protected).await
    }

    pub async fn expire_branch(&self, req: ExpireBranch) -> Result<Branch> {
        let engine = self.branch_engine(&req.server).await?;
        engine.expire(&req.name, req.after).await
    }

    pub async fn branch_url(&self, req: BranchUrl) -> Result<String> {
        let engine = self.branch_engine(&req.server).await?;
        engine.url(&req.name, req.with_password).await
    }

    pub async fn housekeeping(
        &self,
        server: &ServerRef,
        ctx: &OpContext<'_>,
    ) -> Result<HousekeepingReport> {
        let engine = self.engine_for(server, ctx).await?;
        let mut report = engine.housekeeping(ctx.progress).await?;
        let dropped = self.expire_deploy_backups(server, ctx).await?;
        report.snapshots_dropped.extend(dropped);
        Ok(report)
    }

    /// Housekeeping on the running local server and every saved server that answers; servers
    /// Grove's catalog was never created on are left alone. Failures are logged, not raised.
    pub async fn housekeeping_everywhere(&self) {
        let mut targets: Vec<ServerRef> = Vec::new();
        if self.local.current().await.is_some() {
            targets.push(ServerRef::Local);
        }
        if let Ok(list) = self.list_connections().await {
            targets.extend(list.into_iter().map(|c| ServerRef::Saved(c.id)));
        }
        let ctx = OpContext::quiet("Grove housekeeping");
        for server in targets {
            let run = async {
                let engine = self.engine_for(&server, &ctx).await?;
                if !engine.has_catalog().await? {
                    return Ok(HousekeepingReport::default());
                }
                self.housekeeping(&server, &ctx).await
            };
            match run.await {
                Ok(r) if r.expired_deleted.is_empty() && r.snapshots_dropped.is_empty() => {}
                Ok(r) => tracing::info!("housekeeping on {server}: {r:?}"),
                Err(e) => tracing::debug!("housekeeping on {server} skipped: {}", e.message),
            }
        }
    }
}
