//! Deploy requests and rebase as requests.
use super::OpContext;
use crate::branch::{Branch, Branches, OnBusy, Op};
use crate::deploy::{self, ApplyOptions, DeployCheck, DeployRequest};
use crate::error::{ApiError, Result};
use crate::grove::Grove;
use crate::server_ref::ServerRef;
use std::time::Duration;
use uuid::Uuid;

/// Open a request to deploy `child` into `into` (default: its parent).
#[derive(Debug, Clone)]
pub struct CreateDeploy {
    pub server: ServerRef,
    pub child: String,
    pub into: Option<String>,
}

/// One request of a server.
#[derive(Debug, Clone)]
pub struct DeployRef {
    pub server: ServerRef,
    pub id: i64,
}

#[derive(Debug, Clone)]
pub struct CheckDeploy {
    pub server: ServerRef,
    pub id: i64,
    pub dry_run: bool,
}

/// Apply or revert a request.
#[derive(Debug, Clone)]
pub struct RunDeploy {
    pub server: ServerRef,
    pub id: i64,
    pub options: ApplyOptions,
}

/// Rebuild a branch from its parent as it is now, with its own schema changes replayed.
#[derive(Debug, Clone)]
pub struct RebaseBranch {
    pub server: ServerRef,
    pub name: String,
    pub on_busy: OnBusy,
    pub online: bool,
}

#[derive(Debug, Clone)]
pub struct SetRevertWindow {
    pub server: ServerRef,
    pub window: Duration,
}

fn uuid(b: &Branch) -> Result<Uuid> {
    Uuid::parse_str(&b.id).map_err(|e| ApiError::internal(format!("bad branch id {}: {e}", b.id)))
}

impl Grove {
    /// Runs `f` holding the server's operation lock, after settling interrupted requests.
    async fn with_deploy_lock<T>(
        &self,
        server: &ServerRef,
        ctx: &OpContext<'_>,
        name: &'static str,
        f: impl AsyncFnOnce(&Branches, &crate::branch::Locked, &Op<'_>) -> Result<T>,
    ) -> Result<T> {
        let engine = self
            .branch_engine(server)
            .await?
            .with_client(ctx.client)
            .with_cancel(ctx.cancel.clone());
        let op = Op::new(name, ctx.progress, &ctx.cancel);
        let l = engine.begin(&op).await?;
        deploy::reconcile(&engine, &l).await?;
        // Boxed: these futures are large, and tests run them on small thread stacks.
        Box::pin(f(&engine, &l, &op)).await
    }

    pub async fn create_deploy(
        &self,
        req: CreateDeploy,
        ctx: &OpContext<'_>,
    ) -> Result<DeployCheck> {
        self.with_deploy_lock(&req.server, ctx, "deploy-create", async |engine, l, op| {
            let child = engine.get(&req.child).await?;
            let into = match req.into.as_deref().or(child.parent.as_deref()) {
                Some(p) => p.to_string(),
                None => {
                    return Err(ApiError::invalid(format!(
                        "\"{}\" is a root branch: name the branch to deploy into (--into)",
                        child.name
                    )))
                }
            };
            if into == child.name {
                return Err(ApiError::invalid("a branch cannot be deployed into itself"));
            }
            let parent = engine.get(&into).await?;
            let created = deploy::insert(
                l,
                (uuid(&child)?, &child.name),
                (uuid(&parent)?, &parent.name),
                ctx.client,
            )
            .await?;
            let (check, _) = deploy::check(engine, l, op, created.id, false).await?;
            Ok(check)
        })
        .await
    }

    pub async fn list_deploys(&self, server: &ServerRef) -> Result<Vec<DeployRequest>> {
        let engine = self.branch_engine(server).await?;
        deploy::list(&engine).await
    }

    pub async fn get_deploy(&self, req: DeployRef) -> Result<DeployRequest> {
        let engine = self.branch_engine(&req.server).await?;
        deploy::get(&engine, req.id).await
    }

    pub async fn check_deploy(&self, req: CheckDeploy, ctx: &OpContext<'_>) -> Result<DeployCheck> {
        self.with_deploy_lock(&req.server, ctx, "deploy-check", async |engine, l, op| {
            Ok(deploy::check(engine, l, op, req.id, req.dry_run).await?.0)
        })
        .await
    }

    pub async fn apply_deploy(&self, req: RunDeploy, ctx: &OpContext<'_>) -> Result<DeployRequest> {
        self.with_deploy_lock(&req.server, ctx, "deploy-apply", async |engine, l, op| {
            deploy::apply(engine, l, op, req.id, &req.options).await
        })
        .await
    }

    pub async fn revert_deploy(
        &self,
        req: RunDeploy,
        ctx: &OpContext<'_>,
    ) -> Result<DeployRequest> {
        self.with_deploy_lock(&req.server, ctx, "deploy-revert", async |engine, l, op| {
            deploy::revert(engine, l, op, req.id, &req.options).await
        })
        .await
    }

    pub async fn close_deploy(&self, req: DeployRef, ctx: &OpContext<'_>) -> Result<DeployRequest> {
        self.with_deploy_lock(&req.server, ctx, "deploy-close", async |_, l, _| {
            deploy::close(l, req.id).await
        })
        .await
    }

    /// How long an applied request can be reverted on `server` (default 30 minutes).
    pub async fn revert_window(&self, server: &ServerRef) -> Result<Duration> {
        let engine = self.branch_engine(server).await?;
        deploy::revert_window(&engine).await
    }

    pub async fn set_revert_window(&self, req: SetRevertWindow) -> Result<Duration> {
        let engine = self.branch_engine(&req.server).await?;
        deploy::set_revert_window(&engine, req.window).await
    }

    /// Drops the revert data of requests whose revert window has passed.
    pub(crate) async fn expire_deploy_backups(
        &self,
        server: &ServerRef,
        ctx: &OpContext<'_>,
    ) -> Result<Vec<String>> {
        self.with_deploy_lock(server, ctx, "housekeeping", async |engine, l, _| {
            deploy::expire_backups(engine, l).await
        })
        .await
    }

    /// Rebases `name` onto its parent: refused when the three-way check finds conflicts.
    pub async fn rebase_branch(&self, req: RebaseBranch, ctx: &OpContext<'_>) -> Result<Branch> {
        let script = self
            .with_deploy_lock(&req.server, ctx, "rebase-check", async |engine, l, _| {
                let b = engine.get(&req.name).await?;
                let parent = b.parent.clone().ok_or_else(|| {
                    ApiError::invalid(format!(
                        "\"{}\" is a root branch: it has no parent to rebase onto",
                        b.name
                    ))
                })?;
                let cmp = deploy::compare(engine, l, (uuid(&b)?, &b.name), &parent).await?;
                deploy::refuse_conflicts(
                    &cmp.conflicts,
                    &format!("\"{}\" cannot be rebased", b.name),
                )?;
                Ok(cmp.result.migration)
            })
            .await?;
        let engine = self
            .branch_engine(&req.server)
            .await?
            .with_client(ctx.client)
            .with_cancel(ctx.cancel.clone());
        engine
            .rebase(&req.name, req.on_busy, req.online, &script, ctx.progress)
            .await
    }
}
