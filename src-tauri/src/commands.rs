//! The IPC surface. Each command is declared once in `api!`, which defines the Tauri command
//! and the TypeScript wrapper generated into `ui/src/bindings/commands.ts`.
use crate::AppState;
use grove_core::api::{
    AddSource, BranchRef, BranchUrl, CheckDeploy, CreateBranch, CreateDeploy, DatabaseRef,
    DeleteBranch, DeployRef, DiffSchemas, ExpireBranch, ImportDatabase, OpContext, RebaseBranch,
    RefreshSource, RenameBranch, ResetBranch, RunDeploy, SetProtected, SetRevertWindow,
};
use grove_core::branch::{
    BlockingSession, Branch, Cancel, DatabaseInfo, DeleteOutcome, HousekeepingReport, OnBusy,
    OpProgress, Progress, Snapshot,
};
use grove_core::conn::{ParsedUri, TestResult};
use grove_core::copy::TableSelection;
use grove_core::deploy::{ApplyOptions, DeployCheck, DeployRequest};
use grove_core::grove::{SqlRunEvent, SqlTabInfo};
use grove_core::local_pg::LocalStatus;
use grove_core::schema::SchemaDiff;
use grove_core::source::SourceInfo;
use grove_core::sql::history::{self, HistoryQuery, SavedQueryDraft};
use grove_core::sql::{
    DbSchema, ExportFormat, ExportSummary, HistoryEntry, RunOptions, RunSummary, SavedQuery,
    SqlCanceller, SqlResults, SqlRow, SqlSession,
};
use grove_core::store::SavedConnection;
use grove_core::{ApiError, ConnectionDraft, ServerRef};
use std::sync::Arc;
use tauri::State;

/// Emitted with a `LocalStatus` whenever the embedded server's state changes.
pub const EVENT_LOCAL_STATUS: &str = "local-status";
/// Emitted with a `SqlRunEvent` for every step of a SQL run (statements, row pages, notices).
pub const EVENT_SQL_RUN: &str = "sql-run";
/// Emitted with an `OpProgress` while a long operation runs.
pub const EVENT_OP_PROGRESS: &str = "op-progress";
/// Recorded as the creator of branches the app makes.
const APP_CLIENT: &str = "Grove app";

/// A running long operation: registered for `cancel_operation`, unregistered when dropped.
struct Op<'a> {
    state: &'a AppState,
    id: String,
    cancel: Cancel,
}

impl<'a> Op<'a> {
    /// Registers the operation; returns it with the callback that forwards its progress.
    fn start(state: &'a AppState, id: &str) -> (Self, impl Fn(Progress) + Send + Sync + 'static) {
        let cancel = Cancel::new();
        state
            .ops
            .lock()
            .expect("ops lock")
            .insert(id.to_string(), cancel.clone());
        let op = Op {
            state,
            id: id.to_string(),
            cancel,
        };
        let progress = op.progress();
        (op, progress)
    }

    /// The core's context for this operation; `progress` comes from `Op::progress`.
    fn ctx<'p>(&self, progress: &'p (dyn Fn(Progress) + Send + Sync)) -> OpContext<'p> {
        OpContext {
            client: APP_CLIENT,
            progress,
            cancel: self.cancel.clone(),
        }
    }

    /// Forwards progress to the UI.
    fn progress(&self) -> impl Fn(Progress) + Send + Sync + 'static {
        let (app, op_id) = (self.state.app.get().cloned(), self.id.clone());
        move |progress| {
            if let Some(app) = &app {
                let _ = tauri::Emitter::emit(
                    app,
                    EVENT_OP_PROGRESS,
                    OpProgress {
                        op_id: op_id.clone(),
                        progress,
                    },
                );
            }
        }
    }
}

impl Drop for Op<'_> {
    fn drop(&mut self) {
        self.state.ops.lock().expect("ops lock").remove(&self.id);
    }
}

/// An open editor tab: its session (locked while a run uses it), and a canceller and the
/// latest run's stored rows, which work while it is locked.
#[derive(Clone)]
pub struct SqlTab {
    session: Arc<tokio::sync::Mutex<SqlSession>>,
    canceller: SqlCanceller,
    results: SqlResults,
    /// The run whose rows `results` holds (or is about to).
    run_id: Arc<std::sync::Mutex<String>>,
    server: Option<String>,
    branch: String,
}

/// Closes Grove's own editor sessions on a branch before it is copied (as a parent), reset,
/// renamed or deleted, so they do not block the operation; those tabs reopen on their next run.
fn release_sql_tabs(state: &AppState, server: &Option<String>, branch: &str) {
    release_sql_tabs_on(state, &server.clone().into(), branch);
}

/// `release_sql_tabs` for a server as the core names it (the hook of `on_release_sessions`).
pub fn release_sql_tabs_on(state: &AppState, server: &ServerRef, branch: &str) {
    state
        .sql_tabs
        .lock()
        .expect("tabs lock")
        .retain(|_, t| !(&ServerRef::from(t.server.clone()) == server && t.branch == branch));
}

fn sql_tab(state: &AppState, tab_id: &str) -> Result<SqlTab, ApiError> {
    state
        .sql_tabs
        .lock()
        .expect("tabs lock")
        .get(tab_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("this editor tab has no open session; reopen it"))
}

fn tab_info(s: &SqlSession) -> SqlTabInfo {
    SqlTabInfo {
        server_version: s.server_version(),
        read_only: s.read_only(),
        tx_status: s.tx_status(),
    }
}

fn emit<T: serde::Serialize + Clone>(state: &AppState, event: &str, payload: T) {
    if let Some(app) = state.app.get() {
        let _ = tauri::Emitter::emit(app, event, payload);
    }
}

macro_rules! api {
    ($( $(#[doc = $doc:literal])* fn $name:ident($st:ident $(, $arg:ident : $ty:ty)*) -> $ret:ty $body:block )*) => {
        $(
            $(#[doc = $doc])*
            #[tauri::command]
            // IPC arguments are flat (one per field of the request): some commands take many.
            #[allow(clippy::too_many_arguments)]
            pub async fn $name($st: State<'_, AppState> $(, $arg: $ty)*) -> Result<$ret, ApiError> $body
        )*

        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name),*]
        }

        /// (command name, doc, [(argument, TS type)], TS return type)
        #[cfg(test)]
        pub fn signatures() -> Vec<(&'static str, String, Vec<(&'static str, String)>, String)> {
            let cfg = ts_rs::Config::default();
            vec![$(
                (
                    stringify!($name),
                    <[&str]>::join(&[$($doc.trim()),*], " "),
                    vec![$((stringify!($arg), <$ty as ts_rs::TS>::name(&cfg))),*],
                    <$ret as ts_rs::TS>::name(&cfg),
                )
            ),*]
        }
    };
}

api! {
    /// The embedded local server's status (notices a server that died).
    fn local_status(state) -> LocalStatus {
        Ok(state.grove()?.local.status().await)
    }
    /// Starts the embedded local server (initialising it the first time).
    fn local_start(state) -> LocalStatus {
        let grove = state.grove()?;
        grove.local.ensure_started().await?;
        Ok(grove.local.status().await)
    }
    /// Stops the embedded local server.
    fn local_stop(state) -> LocalStatus {
        let grove = state.grove()?;
        grove.local.stop().await?;
        Ok(grove.local.status().await)
    }
    /// Saved connections, by name.
    fn list_connections(state) -> Vec<SavedConnection> {
        state.grove()?.list_connections().await
    }
    /// Parses a postgres:// URI or key=value string into fields (and its password, if any).
    fn parse_connection_uri(state, uri: String) -> ParsedUri {
        state.grove()?.parse_connection_uri(&uri)
    }
    /// A connection from DATABASE_URL or PG* variables (with ~/.pgpass), or null.
    fn import_env_connection(state) -> Option<ParsedUri> {
        state.grove()?.import_env_connection()
    }
    /// Tests a draft; with an id and a null password, uses the stored password.
    fn test_connection(state, draft: ConnectionDraft, id: Option<String>) -> TestResult {
        state.grove()?.test_connection(&draft, id.as_deref()).await
    }
    /// Saves a new connection (id null) or updates one; the password goes to the OS keychain.
    fn save_connection(state, id: Option<String>, draft: ConnectionDraft) -> SavedConnection {
        state.grove()?.save_connection(id.as_deref(), draft).await
    }
    /// Removes a saved connection and its keychain entry.
    fn remove_connection(state, id: String) -> () {
        state.grove()?.remove_connection(&id).await
    }
    /// Tests a saved connection with its stored password.
    fn test_saved_connection(state, id: String) -> TestResult {
        state.grove()?.test_saved_connection(&id).await
    }

    /// The branch tree of a server (null = the embedded local server; else a saved connection id).
    fn list_branches(state, server: Option<String>) -> Vec<Branch> {
        state.grove()?.list_branches(&server.into()).await
    }
    /// The server's databases, marking those already tracked (for "import").
    fn list_databases(state, server: Option<String>) -> Vec<DatabaseInfo> {
        state.grove()?.list_databases(&server.into()).await
    }
    /// Reset-undo and deleted-branch snapshots kept on a server.
    fn list_snapshots(state, server: Option<String>) -> Vec<Snapshot> {
        state.grove()?.list_snapshots(&server.into()).await
    }
    /// Sessions that would block copying or renaming a branch.
    fn blocking_sessions(state, server: Option<String>, name: String) -> Vec<BlockingSession> {
        state.grove()?.blocking_sessions(&BranchRef { server: server.into(), name }).await
    }
    /// Tracks an existing database as a root branch (optionally renaming it).
    fn import_database(state, server: Option<String>, database: String, name: Option<String>, op_id: String) -> Branch {
        let (op, progress) = Op::start(&state, &op_id);
        let req = ImportDatabase { server: server.into(), database, name };
        state.grove()?.import_database(req, &op.ctx(&progress)).await
    }
    /// Creates a child of `parent` (schema and data, or schema only); `online` copies the
    /// parent without interrupting its sessions (slower).
    fn create_branch(state, server: Option<String>, name: String, parent: String, schema_only: bool, on_busy: OnBusy, online: bool, op_id: String) -> Branch {
        if !online {
            release_sql_tabs(&state, &server, &parent);
        }
        let (op, progress) = Op::start(&state, &op_id);
        let req = CreateBranch { server: server.into(), name, parent, schema_only, on_busy, online };
        state.grove()?.create_branch(req, &op.ctx(&progress)).await
    }
    /// Makes a branch an exact copy of its parent again; the old state is kept for undo.
    /// `online` copies the parent without interrupting its sessions (slower).
    fn reset_branch(state, server: Option<String>, name: String, on_busy: OnBusy, online: bool, op_id: String) -> Branch {
        release_sql_tabs(&state, &server, &name);
        // The parent is copied: the app's own tabs on it must not block that either.
        let tree = state.grove()?.list_branches(&server.clone().into()).await?;
        if let Some(parent) = tree.into_iter().find(|b| b.name == name).and_then(|b| b.parent) {
            if !online {
                release_sql_tabs(&state, &server, &parent);
            }
        }
        let (op, progress) = Op::start(&state, &op_id);
        let req = ResetBranch { server: server.into(), name, on_busy, online };
        state.grove()?.reset_branch(req, &op.ctx(&progress)).await
    }
    /// Brings back the state a branch had before its last reset.
    fn undo_reset(state, server: Option<String>, name: String, on_busy: OnBusy, op_id: String) -> Branch {
        release_sql_tabs(&state, &server, &name);
        let (op, progress) = Op::start(&state, &op_id);
        let req = ResetBranch { server: server.into(), name, on_busy, online: false };
        state.grove()?.undo_reset(req, &op.ctx(&progress)).await
    }
    /// Deletes a branch (and, if asked, its children); restorable for a while.
    fn delete_branch(state, server: Option<String>, name: String, recursive: bool, on_busy: OnBusy, op_id: String) -> DeleteOutcome {
        release_sql_tabs(&state, &server, &name);
        let (op, progress) = Op::start(&state, &op_id);
        let req = DeleteBranch { server: server.into(), name, recursive, on_busy };
        state.grove()?.delete_branch(req, &op.ctx(&progress)).await
    }
    /// Brings back the most recently deleted branch of this name.
    fn restore_branch(state, server: Option<String>, name: String, op_id: String) -> Branch {
        let (op, progress) = Op::start(&state, &op_id);
        let req = BranchRef { server: server.into(), name };
        state.grove()?.restore_branch(req, &op.ctx(&progress)).await
    }
    /// Renames a branch (its database).
    fn rename_branch(state, server: Option<String>, name: String, new_name: String, on_busy: OnBusy, op_id: String) -> Branch {
        release_sql_tabs(&state, &server, &name);
        let (op, progress) = Op::start(&state, &op_id);
        let req = RenameBranch { server: server.into(), name, new_name, on_busy };
        state.grove()?.rename_branch(req, &op.ctx(&progress)).await
    }
    /// Protects (no reset, no delete) or unprotects a branch.
    fn set_branch_protected(state, server: Option<String>, name: String, protect: bool) -> Branch {
        let req = SetProtected { server: server.into(), name, protected: protect };
        state.grove()?.set_branch_protected(req).await
    }
    /// Sets (hours from now) or clears (null) a branch's expiry.
    fn expire_branch(state, server: Option<String>, name: String, hours: Option<f64>) -> Branch {
        let after = match hours {
            Some(h) if !(h.is_finite() && h > 0.0) => return Err(ApiError::invalid("expiry must be a positive number of hours")),
            Some(h) => Some(std::time::Duration::from_secs_f64(h * 3600.0)),
            None => None,
        };
        state.grove()?.expire_branch(ExpireBranch { server: server.into(), name, after }).await
    }
    /// A branch's connection string; with_password includes the password (for the clipboard).
    fn branch_url(state, server: Option<String>, name: String, with_password: bool) -> String {
        state.grove()?.branch_url(BranchUrl { server: server.into(), name, with_password }).await
    }
    /// Removes expired branches and old snapshots, cleans up interrupted operations.
    fn housekeeping(state, server: Option<String>, op_id: String) -> HousekeepingReport {
        let (op, progress) = Op::start(&state, &op_id);
        state.grove()?.housekeeping(&server.into(), &op.ctx(&progress)).await
    }
    /// Root branches linked to a source on a server.
    fn list_sources(state, server: Option<String>) -> Vec<SourceInfo> {
        state.grove()?.list_sources(&server.into()).await
    }
    /// A root's source: settings, last and next refresh.
    fn show_source(state, server: Option<String>, root: String) -> SourceInfo {
        state.grove()?.show_source(BranchRef { server: server.into(), name: root }).await
    }
    /// Creates root branch `root` as an online copy of `from` (a saved connection's name or a
    /// URL without a password) and links them; `every` is a schedule like daily@02:00.
    fn add_source(state, server: Option<String>, root: String, from: String, database: Option<String>, selection: TableSelection, every: Option<String>, op_id: String) -> SourceInfo {
        let (op, progress) = Op::start(&state, &op_id);
        let req = AddSource { server: server.into(), root, from, database, selection, every };
        state.grove()?.add_source(req, &op.ctx(&progress)).await
    }
    /// Replaces a root with a fresh copy of its source; the previous version can be undone.
    fn refresh_source(state, server: Option<String>, root: String, on_busy: OnBusy, op_id: String) -> SourceInfo {
        release_sql_tabs(&state, &server, &root);
        let (op, progress) = Op::start(&state, &op_id);
        let req = RefreshSource { server: server.into(), root, on_busy };
        state.grove()?.refresh_source(req, &op.ctx(&progress)).await
    }
    /// Unlinks a root from its source; the root branch stays.
    fn remove_source(state, server: Option<String>, root: String) -> SourceInfo {
        state.grove()?.remove_source(BranchRef { server: server.into(), name: root }).await
    }
    /// Opens (or reopens) an editor tab's session on a branch; protected branches open read-only.
    fn sql_open(state, tab_id: String, server: Option<String>, branch: String) -> SqlTabInfo {
        let grove = state.grove()?;
        let target = grove.sql_target(&server.clone().into(), &branch).await?;
        let session = SqlSession::open(&target, Some(grove.store.clone())).await?;
        let info = tab_info(&session);
        let tab = SqlTab {
            canceller: session.canceller(),
            results: session.results(),
            run_id: Default::default(),
            session: Arc::new(tokio::sync::Mutex::new(session)),
            server,
            branch,
        };
        state.sql_tabs.lock().expect("tabs lock").insert(tab_id, tab);
        Ok(info)
    }
    /// Runs a script in a tab; results stream as `sql-run` events tagged with run_id.
    fn sql_run(state, tab_id: String, run_id: String, script: String) -> RunSummary {
        let tab = sql_tab(&state, &tab_id)?;
        let mut session = tab.session.try_lock().map_err(|_| {
            ApiError::new(grove_core::ErrorCode::Conflict, "a query is still running in this tab")
        })?;
        // The run replaces the stored rows before its first event, so a fetch naming it can
        // only come after that.
        *tab.run_id.lock().expect("run id lock") = run_id.clone();
        let summary = session
            .run(&script, &RunOptions::default(), |event| {
                emit(&state, EVENT_SQL_RUN, SqlRunEvent { tab_id: tab_id.clone(), run_id: run_id.clone(), event });
                true
            })
            .await;
        Ok(summary)
    }
    /// Rows `offset`.. (0-based, at most `limit`) of statement `index` of the tab's latest run,
    /// read from local disk; an empty list past the end. Fails with `not_found` when `run_id`
    /// is no longer the latest run.
    fn sql_fetch_rows(state, tab_id: String, run_id: String, index: u32, offset: f64, limit: u32) -> Vec<SqlRow> {
        let tab = sql_tab(&state, &tab_id)?;
        if !(offset.is_finite() && offset >= 0.0) {
            return Err(ApiError::invalid("offset must be a row number"));
        }
        if *tab.run_id.lock().expect("run id lock") != run_id {
            return Err(ApiError::not_found("these rows belong to an earlier run"));
        }
        let results = tab.results.clone();
        tokio::task::spawn_blocking(move || results.fetch(index, offset as u64, limit.min(10_000) as usize))
            .await
            .map_err(|e| ApiError::internal(format!("reading stored rows: {e}")))?
    }
    /// Sends a cancel request for what the tab is running; the session stays usable.
    fn sql_cancel(state, tab_id: String) -> () {
        sql_tab(&state, &tab_id)?.canceller.cancel().await
    }
    /// Lets a protected branch's tab write (until it is reopened).
    fn sql_unlock(state, tab_id: String) -> SqlTabInfo {
        let tab = sql_tab(&state, &tab_id)?;
        let mut session = tab.session.lock().await;
        session.unlock().await?;
        Ok(tab_info(&session))
    }
    /// Closes a tab's session (rolling back an open transaction).
    fn sql_close(state, tab_id: String) -> () {
        let tab = state.sql_tabs.lock().expect("tabs lock").remove(&tab_id);
        if let Some(tab) = tab {
            let _ = tab.canceller.cancel().await;
        }
        Ok(())
    }
    /// The branch's live schema, for autocomplete.
    fn sql_schema(state, server: Option<String>, branch: String) -> DbSchema {
        let target = state.grove()?.sql_target(&server.into(), &branch).await?;
        grove_core::sql::load_schema(&target, false).await
    }
    /// Run history, newest first, filtered.
    fn sql_history(state, query: HistoryQuery) -> Vec<HistoryEntry> {
        history::list_history(&state.grove()?.store, &query).await
    }
    /// Forgets the run history (of one server, or all).
    fn sql_clear_history(state, server_id: Option<String>) -> () {
        history::clear_history(&state.grove()?.store, server_id.as_deref()).await
    }
    /// Saved queries whose name or SQL contains `search`.
    fn list_saved_queries(state, search: Option<String>) -> Vec<SavedQuery> {
        history::list_saved_queries(&state.grove()?.store, search.as_deref(), None).await
    }
    /// Saves a new named query (id null) or updates one.
    fn save_query(state, id: Option<u32>, draft: SavedQueryDraft) -> SavedQuery {
        history::save_query(&state.grove()?.store, id, &draft).await
    }
    /// Deletes a saved query.
    fn delete_saved_query(state, id: u32) -> () {
        history::delete_saved_query(&state.grove()?.store, id).await
    }
    /// Streams a query's whole result from the server into a file (CSV, JSON or NDJSON);
    /// progress as `op-progress` events, cancellable with cancel_operation.
    fn sql_export(state, server: Option<String>, branch: String, sql: String, format: ExportFormat, path: String, op_id: String) -> ExportSummary {
        let (op, progress) = Op::start(&state, &op_id);
        let target = state.grove()?.sql_target(&server.into(), &branch).await?;
        let started = std::time::Instant::now();
        let cancel = op.cancel.clone();
        grove_core::sql::export_query(&target, &sql, format, std::path::Path::new(&path), move |bytes| {
            progress(Progress {
                op: "export".into(),
                phase: "writing".into(),
                detail: Some(format!("{:.1} MB written", bytes / 1e6)),
                bytes_total: None,
                elapsed_ms: started.elapsed().as_millis().min(u32::MAX as u128) as u32,
                copy: None,
            });
            !cancel.is_cancelled()
        })
        .await
    }
    /// A file path in the user's Downloads folder for an export.
    fn default_export_path(state, format: ExportFormat) -> String {
        let _ = state.grove()?;
        let dir = grove_core::paths::downloads_dir();
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Ndjson => "ndjson",
        };
        let stamp = chrono_like_stamp();
        Ok(dir.join(format!("grove-result-{stamp}.{ext}")).display().to_string())
    }
    /// Compares two branches of a server: each object's status and DDL on both sides, and the
    /// ordered migration (with hazards) that turns `from` into `to`.
    fn diff_branches(state, server: Option<String>, from: String, to: String) -> SchemaDiff {
        let req = DiffSchemas { server: server.into(), from: DatabaseRef::Branch(from), to: DatabaseRef::Branch(to) };
        state.grove()?.diff_schemas(req).await
    }
    /// Opens a request to deploy `child`'s schema changes into `into` (null: its parent) and
    /// checks it (three ways against the merge base when one was stored).
    fn deploy_create(state, server: Option<String>, child: String, into: Option<String>, op_id: String) -> DeployCheck {
        let (op, progress) = Op::start(&state, &op_id);
        let req = CreateDeploy { server: server.into(), child, into };
        state.grove()?.create_deploy(req, &op.ctx(&progress)).await
    }
    /// The deploy requests of a server, newest first.
    fn deploy_list(state, server: Option<String>) -> Vec<DeployRequest> {
        state.grove()?.list_deploys(&server.into()).await
    }
    /// One deploy request as stored (status, latest check, script as applied).
    fn deploy_get(state, server: Option<String>, id: u32) -> DeployRequest {
        state.grove()?.get_deploy(DeployRef { server: server.into(), id: id.into() }).await
    }
    /// Checks a request again: conflicts, the script, and (with dry_run) the script applied
    /// to a throwaway copy of the parent.
    fn deploy_check(state, server: Option<String>, id: u32, dry_run: bool, op_id: String) -> DeployCheck {
        let (op, progress) = Op::start(&state, &op_id);
        let req = CheckDeploy { server: server.into(), id: id.into(), dry_run };
        state.grove()?.check_deploy(req, &op.ctx(&progress)).await
    }
    /// Applies a request to its parent under the given timeouts (milliseconds); a protected
    /// parent needs its name in `confirm`.
    fn deploy_apply(state, server: Option<String>, id: u32, lock_timeout_ms: u32, statement_timeout_ms: u32, confirm: Option<String>, skip_dry_run: bool, op_id: String) -> DeployRequest {
        let (op, progress) = Op::start(&state, &op_id);
        let options = apply_options(lock_timeout_ms, statement_timeout_ms, confirm, skip_dry_run)?;
        let req = RunDeploy { server: server.into(), id: id.into(), options };
        state.grove()?.apply_deploy(req, &op.ctx(&progress)).await
    }
    /// Reverts an applied request within the revert window: the parent's previous schema
    /// comes back, rows written since stay, data the deploy dropped returns.
    fn deploy_revert(state, server: Option<String>, id: u32, lock_timeout_ms: u32, statement_timeout_ms: u32, confirm: Option<String>, op_id: String) -> DeployRequest {
        let (op, progress) = Op::start(&state, &op_id);
        let options = apply_options(lock_timeout_ms, statement_timeout_ms, confirm, false)?;
        let req = RunDeploy { server: server.into(), id: id.into(), options };
        state.grove()?.revert_deploy(req, &op.ctx(&progress)).await
    }
    /// How long an applied request can be reverted on the server, in seconds.
    fn deploy_revert_window(state, server: Option<String>) -> u32 {
        let w = state.grove()?.revert_window(&server.into()).await?;
        Ok(w.as_secs().min(u32::MAX.into()) as u32)
    }
    /// Sets the server's revert window (seconds, at most 30 days); returns it as stored.
    fn deploy_set_revert_window(state, server: Option<String>, secs: u32) -> u32 {
        let req = SetRevertWindow { server: server.into(), window: std::time::Duration::from_secs(secs.into()) };
        let w = state.grove()?.set_revert_window(req).await?;
        Ok(w.as_secs().min(u32::MAX.into()) as u32)
    }
    /// Closes an open request without applying it (it stays listed).
    fn deploy_close(state, server: Option<String>, id: u32, op_id: String) -> DeployRequest {
        let (op, progress) = Op::start(&state, &op_id);
        let req = DeployRef { server: server.into(), id: id.into() };
        state.grove()?.close_deploy(req, &op.ctx(&progress)).await
    }
    /// Rebuilds a branch from its parent as it is now with its own schema changes replayed;
    /// refused on conflicts. The old state is kept for undo.
    fn branch_rebase(state, server: Option<String>, name: String, on_busy: OnBusy, online: bool, op_id: String) -> Branch {
        release_sql_tabs(&state, &server, &name);
        if !online {
            // The parent is copied, as for a reset.
            let tree = state.grove()?.list_branches(&server.clone().into()).await?;
            if let Some(parent) = tree.into_iter().find(|b| b.name == name).and_then(|b| b.parent) {
                release_sql_tabs(&state, &server, &parent);
            }
        }
        let (op, progress) = Op::start(&state, &op_id);
        let req = RebaseBranch { server: server.into(), name, on_busy, online };
        state.grove()?.rebase_branch(req, &op.ctx(&progress)).await
    }
    /// Writes text (e.g. a migration script) to a file the user chose.
    fn save_text_file(state, path: String, contents: String) -> () {
        let _ = state.grove()?;
        grove_core::paths::write_user_file(std::path::Path::new(&path), &contents)
    }
    /// Cancels a running long operation (nothing is left half-done).
    fn cancel_operation(state, op_id: String) -> bool {
        let cancel = state.ops.lock().expect("ops lock").get(&op_id).cloned();
        Ok(cancel.map(|c| c.cancel()).is_some())
    }
}

/// Apply / revert options from the UI's milliseconds (0 is refused: it would mean "no limit").
fn apply_options(
    lock_timeout_ms: u32,
    statement_timeout_ms: u32,
    confirm: Option<String>,
    skip_dry_run: bool,
) -> Result<ApplyOptions, ApiError> {
    if lock_timeout_ms == 0 || statement_timeout_ms == 0 {
        return Err(ApiError::invalid("timeouts must be positive"));
    }
    Ok(ApplyOptions {
        lock_timeout: std::time::Duration::from_millis(lock_timeout_ms.into()),
        statement_timeout: std::time::Duration::from_millis(statement_timeout_ms.into()),
        confirm: confirm.filter(|c| !c.is_empty()),
        skip_dry_run,
    })
}

/// A file-name-safe timestamp (seconds since the epoch are enough to keep names apart).
fn chrono_like_stamp() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        .to_string()
}

#[cfg(test)]
fn camel(name: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in name.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The TypeScript module for `ui/src/bindings/commands.ts`.
#[cfg(test)]
pub fn typescript() -> String {
    let sigs = signatures();
    let mut types = std::collections::BTreeSet::new();
    let mut collect = |ts: &str| {
        for word in ts.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if word.starts_with(|c: char| c.is_ascii_uppercase()) && word != "Array" {
                types.insert(word.to_string());
            }
        }
    };
    for (_, _, args, ret) in &sigs {
        args.iter().for_each(|(_, t)| collect(t));
        collect(ret);
    }
    let mut out =
        String::from("// Generated from src-tauri/src/commands.rs by `cargo test`. Do not edit.\n");
    out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
    for t in &types {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push_str("\nexport const commands = {\n");
    for (name, doc, args, ret) in &sigs {
        let params = args
            .iter()
            .map(|(a, t)| format!("{}: {t}", camel(a)))
            .collect::<Vec<_>>()
            .join(", ");
        let payload = if args.is_empty() {
            String::new()
        } else {
            format!(
                ", {{ {} }}",
                args.iter()
                    .map(|(a, _)| camel(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if !doc.is_empty() {
            out.push_str(&format!("  /** {doc} */\n"));
        }
        out.push_str(&format!(
            "  {}: ({params}) => invoke<{ret}>(\"{name}\"{payload}),\n",
            camel(name)
        ));
    }
    out.push_str("};\n\nexport const events = {\n");
    out.push_str(&format!(
        "  /** payload: LocalStatus */\n  localStatus: \"{EVENT_LOCAL_STATUS}\",\n"
    ));
    out.push_str(&format!(
        "  /** payload: OpProgress */\n  opProgress: \"{EVENT_OP_PROGRESS}\",\n"
    ));
    out.push_str(&format!(
        "  /** payload: SqlRunEvent */\n  sqlRun: \"{EVENT_SQL_RUN}\",\n"
    ));
    out.push_str("} as const;\n");
    out
}

#[cfg(test)]
mod tests {
    /// Writes the committed bindings; `make check-bindings` fails when this changes them.
    #[test]
    fn export_commands_ts() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/bindings/commands.ts");
        std::fs::write(&path, super::typescript()).expect("write commands.ts");
    }

    #[test]
    fn every_command_is_exported() {
        let ts = super::typescript();
        for (name, ..) in super::signatures() {
            assert!(
                ts.contains(&format!("\"{name}\"")),
                "{name} missing from commands.ts"
            );
        }
        assert!(ts.contains("saveConnection: (id: string | null, draft: ConnectionDraft) => invoke<SavedConnection>(\"save_connection\", { id, draft })"));
    }
}
