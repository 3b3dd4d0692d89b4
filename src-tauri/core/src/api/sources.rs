//! Sources as requests: a root branch on Grove's server (`server`) synced from a database
//! reached through a saved connection (password from the keychain) or a URL without a
//! password (libpq's password file may supply one). No password is ever stored with a source.
use super::{BranchRef, OpContext};
use crate::branch::{Branches, OnBusy};
use crate::conn;
use crate::copy::{Endpoint, TableSelection};
use crate::error::{ApiError, ErrorCode, Result};
use crate::grove::Grove;
use crate::server_ref::{is_connection_string, ServerRef};
use crate::source::{RefreshOutcome, Schedule, SourceInfo, SourceLocation, SourceSpec};

/// Create root branch `root` as an online copy of `from` and link them.
#[derive(Debug, Clone)]
pub struct AddSource {
    pub server: ServerRef,
    pub root: String,
    /// A saved connection's name, or a postgres:// URL (without a password).
    pub from: String,
    /// The database copied; default: the connection's or the URL's.
    pub database: Option<String>,
    pub selection: TableSelection,
    /// `daily@02:00`, `hourly`, `6h`, …
    pub every: Option<String>,
}

/// Refresh one root from its source.
#[derive(Debug, Clone)]
pub struct RefreshSource {
    pub server: ServerRef,
    pub root: String,
    /// Sessions on the root itself (the swap renames it).
    pub on_busy: OnBusy,
}

impl Grove {
    pub async fn add_source(&self, req: AddSource, ctx: &OpContext<'_>) -> Result<SourceInfo> {
        let schedule = req.every.as_deref().map(Schedule::parse).transpose()?;
        let (from, mut endpoint) = self.locate_source(&req.from).await?;
        let database = req
            .database
            .unwrap_or_else(|| endpoint.fields.database.clone());
        crate::ident::validate_name("database", &database).map_err(ApiError::invalid)?;
        endpoint.fields = endpoint.fields.with_database(&database);
        let spec = SourceSpec {
            from,
            database,
            selection: req.selection,
            schedule,
        };
        let engine = self.engine_for(&req.server, ctx).await?;
        engine
            .add_synced_root(&req.root, &spec, endpoint, ctx.progress)
            .await
    }

    pub async fn refresh_source(
        &self,
        req: RefreshSource,
        ctx: &OpContext<'_>,
    ) -> Result<SourceInfo> {
        let engine = self.engine_for(&req.server, ctx).await?;
        let info = engine.source(&req.root).await?;
        let endpoint = self.endpoint_or_record(&engine, &info).await?;
        // The swap renames the root: Grove's own sessions on it must not block that.
        self.release_own_sessions(&req.server, &req.root);
        engine
            .refresh_synced_root(&req.root, endpoint, req.on_busy, ctx.progress)
            .await
    }

    /// How to reach the source of `info` now; when that fails, the failure is recorded as
    /// the root's last refresh (so that a schedule waits for its next slot).
    async fn endpoint_or_record(&self, engine: &Branches, info: &SourceInfo) -> Result<Endpoint> {
        match self.source_endpoint(info).await {
            Ok(e) => Ok(e),
            Err(e) => {
                engine
                    .record_refresh_failure(&info.root, &e.message)
                    .await?;
                Err(e.context(format!("refreshing \"{}\"", info.root)))
            }
        }
    }

    /// Refreshes, one after the other, every source of `server` whose schedule says it is due.
    /// A failure is recorded with its source and does not stop the others.
    pub async fn refresh_due_sources(
        &self,
        server: &ServerRef,
        ctx: &OpContext<'_>,
    ) -> Result<Vec<RefreshOutcome>> {
        let engine = self.engine_for(server, ctx).await?;
        let mut out = Vec::new();
        for due in engine.sources(true).await? {
            let refreshed = async {
                let endpoint = self.endpoint_or_record(&engine, &due).await?;
                self.release_own_sessions(server, &due.root);
                engine
                    .refresh_synced_root_if_due(&due.root, endpoint, ctx.progress)
                    .await
            };
            let outcome = match refreshed.await {
                Ok(None) => continue, // refreshed by someone else meanwhile
                Ok(Some(info)) => RefreshOutcome {
                    root: due.root,
                    ok: true,
                    error: None,
                    source: Some(info),
                },
                Err(e) => RefreshOutcome {
                    root: due.root,
                    ok: false,
                    error: Some(e),
                    source: None,
                },
            };
            out.push(outcome);
        }
        Ok(out)
    }

    /// Due refreshes on the running local server and every saved server that has Grove's
    /// catalog (for the desktop app's timer). Failures are logged (and recorded with the
    /// source), not raised.
    pub async fn refresh_due_everywhere(&self) {
        let mut targets: Vec<ServerRef> = Vec::new();
        if self.local.current().await.is_some() {
            targets.push(ServerRef::Local);
        }
        if let Ok(list) = self.list_connections().await {
            targets.extend(list.into_iter().map(|c| ServerRef::Saved(c.id)));
        }
        let ctx = OpContext::quiet("Grove scheduled refresh");
        for server in targets {
            match self.refresh_due_sources(&server, &ctx).await {
                Ok(done) => {
                    for o in done {
                        match o.error {
                            None => tracing::info!("refreshed source {} on {server}", o.root),
                            Some(e) => tracing::warn!(
                                "refreshing source {} on {server} failed: {}",
                                o.root,
                                e.message
                            ),
                        }
                    }
                }
                Err(e) => tracing::debug!("due refreshes on {server} skipped: {}", e.message),
            }
        }
    }

    pub async fn show_source(&self, req: BranchRef) -> Result<SourceInfo> {
        self.branch_engine(&req.server)
            .await?
            .source(&req.name)
            .await
    }

    pub async fn list_sources(&self, server: &ServerRef) -> Result<Vec<SourceInfo>> {
        self.branch_engine(server).await?.sources(false).await
    }

    /// Unlinks the root from its source; the root branch stays.
    pub async fn remove_source(&self, req: BranchRef) -> Result<SourceInfo> {
        self.branch_engine(&req.server)
            .await?
            .remove_source(&req.name)
            .await
    }

    /// What `from` is (kept in the catalog) and how to reach it now (with its password).
    async fn locate_source(&self, from: &str) -> Result<(SourceLocation, Endpoint)> {
        if is_connection_string(from) {
            let parsed = conn::parse_connection_string(from)?;
            if parsed.password.is_some() {
                return Err(ApiError::invalid(
                    "the source URL contains a password; Grove does not store passwords with a source",
                )
                .with_hint(
                    "save the server as a connection (grove server add NAME URL puts the password in the OS keychain) and use --from NAME, or leave the password out and keep it in ~/.pgpass",
                ));
            }
            let url = parsed.fields.to_uri(None);
            let endpoint = Endpoint {
                fields: parsed.fields,
                password: None,
            };
            return Ok((SourceLocation::Url(url), endpoint));
        }
        let c = self.find_connection(from).await.map_err(|e| {
            e.with_hint(
                "--from takes a saved connection's name (grove server list) or a postgres:// URL",
            )
        })?;
        let password = self.password_of(&c).await?;
        let endpoint = Endpoint {
            fields: c.fields,
            password,
        };
        Ok((SourceLocation::Connection(c.name), endpoint))
    }

    /// How to reach a linked source now.
    async fn source_endpoint(&self, info: &SourceInfo) -> Result<Endpoint> {
        let from = match &info.spec.from {
            SourceLocation::Connection(c) => c.clone(),
            SourceLocation::Url(u) => u.clone(),
        };
        let (_, mut endpoint) = self.locate_source(&from).await.map_err(|e| {
            if e.code == ErrorCode::NotFound {
                e.context(format!(
                    "the source of \"{}\" is the saved connection \"{from}\", which this machine lacks",
                    info.root
                ))
            } else {
                e
            }
        })?;
        endpoint.fields = endpoint.fields.with_database(&info.spec.database);
        Ok(endpoint)
    }
}
