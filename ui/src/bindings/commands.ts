// Generated from src-tauri/src/commands.rs by `cargo test`. Do not edit.
import { invoke } from "@tauri-apps/api/core";
import type { BlockingSession } from "./BlockingSession";
import type { Branch } from "./Branch";
import type { ConnectionDraft } from "./ConnectionDraft";
import type { DatabaseInfo } from "./DatabaseInfo";
import type { DbSchema } from "./DbSchema";
import type { DeleteOutcome } from "./DeleteOutcome";
import type { DeployCheck } from "./DeployCheck";
import type { DeployRequest } from "./DeployRequest";
import type { ExportFormat } from "./ExportFormat";
import type { ExportSummary } from "./ExportSummary";
import type { HistoryEntry } from "./HistoryEntry";
import type { HistoryQuery } from "./HistoryQuery";
import type { HousekeepingReport } from "./HousekeepingReport";
import type { LocalStatus } from "./LocalStatus";
import type { OnBusy } from "./OnBusy";
import type { ParsedUri } from "./ParsedUri";
import type { RunSummary } from "./RunSummary";
import type { SavedConnection } from "./SavedConnection";
import type { SavedQuery } from "./SavedQuery";
import type { SavedQueryDraft } from "./SavedQueryDraft";
import type { SchemaDiff } from "./SchemaDiff";
import type { Snapshot } from "./Snapshot";
import type { SourceInfo } from "./SourceInfo";
import type { SqlTabInfo } from "./SqlTabInfo";
import type { TableSelection } from "./TableSelection";
import type { TestResult } from "./TestResult";

export const commands = {
  /** The embedded local server's status (notices a server that died). */
  localStatus: () => invoke<LocalStatus>("local_status"),
  /** Starts the embedded local server (initialising it the first time). */
  localStart: () => invoke<LocalStatus>("local_start"),
  /** Stops the embedded local server. */
  localStop: () => invoke<LocalStatus>("local_stop"),
  /** Saved connections, by name. */
  listConnections: () => invoke<Array<SavedConnection>>("list_connections"),
  /** Parses a postgres:// URI or key=value string into fields (and its password, if any). */
  parseConnectionUri: (uri: string) => invoke<ParsedUri>("parse_connection_uri", { uri }),
  /** A connection from DATABASE_URL or PG* variables (with ~/.pgpass), or null. */
  importEnvConnection: () => invoke<ParsedUri | null>("import_env_connection"),
  /** Tests a draft; with an id and a null password, uses the stored password. */
  testConnection: (draft: ConnectionDraft, id: string | null) => invoke<TestResult>("test_connection", { draft, id }),
  /** Saves a new connection (id null) or updates one; the password goes to the OS keychain. */
  saveConnection: (id: string | null, draft: ConnectionDraft) => invoke<SavedConnection>("save_connection", { id, draft }),
  /** Removes a saved connection and its keychain entry. */
  removeConnection: (id: string) => invoke<null>("remove_connection", { id }),
  /** Tests a saved connection with its stored password. */
  testSavedConnection: (id: string) => invoke<TestResult>("test_saved_connection", { id }),
  /** The branch tree of a server (null = the embedded local server; else a saved connection id). */
  listBranches: (server: string | null) => invoke<Array<Branch>>("list_branches", { server }),
  /** The server's databases, marking those already tracked (for "import"). */
  listDatabases: (server: string | null) => invoke<Array<DatabaseInfo>>("list_databases", { server }),
  /** Reset-undo and deleted-branch snapshots kept on a server. */
  listSnapshots: (server: string | null) => invoke<Array<Snapshot>>("list_snapshots", { server }),
  /** Sessions that would block copying or renaming a branch. */
  blockingSessions: (server: string | null, name: string) => invoke<Array<BlockingSession>>("blocking_sessions", { server, name }),
  /** Tracks an existing database as a root branch (optionally renaming it). */
  importDatabase: (server: string | null, database: string, name: string | null, opId: string) => invoke<Branch>("import_database", { server, database, name, opId }),
  /** Creates a child of `parent` (schema and data, or schema only); `online` copies the parent without interrupting its sessions (slower). */
  createBranch: (server: string | null, name: string, parent: string, schemaOnly: boolean, onBusy: OnBusy, online: boolean, opId: string) => invoke<Branch>("create_branch", { server, name, parent, schemaOnly, onBusy, online, opId }),
  /** Makes a branch an exact copy of its parent again; the old state is kept for undo. `online` copies the parent without interrupting its sessions (slower). */
  resetBranch: (server: string | null, name: string, onBusy: OnBusy, online: boolean, opId: string) => invoke<Branch>("reset_branch", { server, name, onBusy, online, opId }),
  /** Brings back the state a branch had before its last reset. */
  undoReset: (server: string | null, name: string, onBusy: OnBusy, opId: string) => invoke<Branch>("undo_reset", { server, name, onBusy, opId }),
  /** Deletes a branch (and, if asked, its children); restorable for a while. */
  deleteBranch: (server: string | null, name: string, recursive: boolean, onBusy: OnBusy, opId: string) => invoke<DeleteOutcome>("delete_branch", { server, name, recursive, onBusy, opId }),
  /** Brings back the most recently deleted branch of this name. */
  restoreBranch: (server: string | null, name: string, opId: string) => invoke<Branch>("restore_branch", { server, name, opId }),
  /** Renames a branch (its database). */
  renameBranch: (server: string | null, name: string, newName: string, onBusy: OnBusy, opId: string) => invoke<Branch>("rename_branch", { server, name, newName, onBusy, opId }),
  /** Protects (no reset, no delete) or unprotects a branch. */
  setBranchProtected: (server: string | null, name: string, protect: boolean) => invoke<Branch>("set_branch_protected", { server, name, protect }),
  /** Sets (hours from now) or clears (null) a branch's expiry. */
  expireBranch: (server: string | null, name: string, hours: number | null) => invoke<Branch>("expire_branch", { server, name, hours }),
  /** A branch's connection string; with_password includes the password (for the clipboard). */
  branchUrl: (server: string | null, name: string, withPassword: boolean) => invoke<string>("branch_url", { server, name, withPassword }),
  /** Removes expired branches and old snapshots, cleans up interrupted operations. */
  housekeeping: (server: string | null, opId: string) => invoke<HousekeepingReport>("housekeeping", { server, opId }),
  /** Root branches linked to a source on a server. */
  listSources: (server: string | null) => invoke<Array<SourceInfo>>("list_sources", { server }),
  /** A root's source: settings, last and next refresh. */
  showSource: (server: string | null, root: string) => invoke<SourceInfo>("show_source", { server, root }),
  /** Creates root branch `root` as an online copy of `from` (a saved connection's name or a URL without a password) and links them; `every` is a schedule like daily@02:00. */
  addSource: (server: string | null, root: string, from: string, database: string | null, selection: TableSelection, every: string | null, opId: string) => invoke<SourceInfo>("add_source", { server, root, from, database, selection, every, opId }),
  /** Replaces a root with a fresh copy of its source; the previous version can be undone. */
  refreshSource: (server: string | null, root: string, onBusy: OnBusy, opId: string) => invoke<SourceInfo>("refresh_source", { server, root, onBusy, opId }),
  /** Unlinks a root from its source; the root branch stays. */
  removeSource: (server: string | null, root: string) => invoke<SourceInfo>("remove_source", { server, root }),
  /** Opens (or reopens) an editor tab's session on a branch; protected branches open read-only. */
  sqlOpen: (tabId: string, server: string | null, branch: string) => invoke<SqlTabInfo>("sql_open", { tabId, server, branch }),
  /** Runs a script in a tab; results stream as `sql-run` events tagged with run_id. */
  sqlRun: (tabId: string, runId: string, script: string) => invoke<RunSummary>("sql_run", { tabId, runId, script }),
  /** Rows `offset`.. (0-based, at most `limit`) of statement `index` of the tab's latest run, read from local disk; an empty list past the end. Fails with `not_found` when `run_id` is no longer the latest run. */
  sqlFetchRows: (tabId: string, runId: string, index: number, offset: number, limit: number) => invoke<Array<Array<string | null>>>("sql_fetch_rows", { tabId, runId, index, offset, limit }),
  /** Sends a cancel request for what the tab is running; the session stays usable. */
  sqlCancel: (tabId: string) => invoke<null>("sql_cancel", { tabId }),
  /** Lets a protected branch's tab write (until it is reopened). */
  sqlUnlock: (tabId: string) => invoke<SqlTabInfo>("sql_unlock", { tabId }),
  /** Closes a tab's session (rolling back an open transaction). */
  sqlClose: (tabId: string) => invoke<null>("sql_close", { tabId }),
  /** The branch's live schema, for autocomplete. */
  sqlSchema: (server: string | null, branch: string) => invoke<DbSchema>("sql_schema", { server, branch }),
  /** Run history, newest first, filtered. */
  sqlHistory: (query: HistoryQuery) => invoke<Array<HistoryEntry>>("sql_history", { query }),
  /** Forgets the run history (of one server, or all). */
  sqlClearHistory: (serverId: string | null) => invoke<null>("sql_clear_history", { serverId }),
  /** Saved queries whose name or SQL contains `search`. */
  listSavedQueries: (search: string | null) => invoke<Array<SavedQuery>>("list_saved_queries", { search }),
  /** Saves a new named query (id null) or updates one. */
  saveQuery: (id: number | null, draft: SavedQueryDraft) => invoke<SavedQuery>("save_query", { id, draft }),
  /** Deletes a saved query. */
  deleteSavedQuery: (id: number) => invoke<null>("delete_saved_query", { id }),
  /** Streams a query's whole result from the server into a file (CSV, JSON or NDJSON); progress as `op-progress` events, cancellable with cancel_operation. */
  sqlExport: (server: string | null, branch: string, sql: string, format: ExportFormat, path: string, opId: string) => invoke<ExportSummary>("sql_export", { server, branch, sql, format, path, opId }),
  /** A file path in the user's Downloads folder for an export. */
  defaultExportPath: (format: ExportFormat) => invoke<string>("default_export_path", { format }),
  /** Compares two branches of a server: each object's status and DDL on both sides, and the ordered migration (with hazards) that turns `from` into `to`. */
  diffBranches: (server: string | null, from: string, to: string) => invoke<SchemaDiff>("diff_branches", { server, from, to }),
  /** Opens a request to deploy `child`'s schema changes into `into` (null: its parent) and checks it (three ways against the merge base when one was stored). */
  deployCreate: (server: string | null, child: string, into: string | null, opId: string) => invoke<DeployCheck>("deploy_create", { server, child, into, opId }),
  /** The deploy requests of a server, newest first. */
  deployList: (server: string | null) => invoke<Array<DeployRequest>>("deploy_list", { server }),
  /** One deploy request as stored (status, latest check, script as applied). */
  deployGet: (server: string | null, id: number) => invoke<DeployRequest>("deploy_get", { server, id }),
  /** Checks a request again: conflicts, the script, and (with dry_run) the script applied to a throwaway copy of the parent. */
  deployCheck: (server: string | null, id: number, dryRun: boolean, opId: string) => invoke<DeployCheck>("deploy_check", { server, id, dryRun, opId }),
  /** Applies a request to its parent under the given timeouts (milliseconds); a protected parent needs its name in `confirm`. */
  deployApply: (server: string | null, id: number, lockTimeoutMs: number, statementTimeoutMs: number, confirm: string | null, skipDryRun: boolean, opId: string) => invoke<DeployRequest>("deploy_apply", { server, id, lockTimeoutMs, statementTimeoutMs, confirm, skipDryRun, opId }),
  /** Reverts an applied request within the revert window: the parent's previous schema comes back, rows written since stay, data the deploy dropped returns. */
  deployRevert: (server: string | null, id: number, lockTimeoutMs: number, statementTimeoutMs: number, confirm: string | null, opId: string) => invoke<DeployRequest>("deploy_revert", { server, id, lockTimeoutMs, statementTimeoutMs, confirm, opId }),
  /** How long an applied request can be reverted on the server, in seconds. */
  deployRevertWindow: (server: string | null) => invoke<number>("deploy_revert_window", { server }),
  /** Sets the server's revert window (seconds, at most 30 days); returns it as stored. */
  deploySetRevertWindow: (server: string | null, secs: number) => invoke<number>("deploy_set_revert_window", { server, secs }),
  /** Closes an open request without applying it (it stays listed). */
  deployClose: (server: string | null, id: number, opId: string) => invoke<DeployRequest>("deploy_close", { server, id, opId }),
  /** Rebuilds a branch from its parent as it is now with its own schema changes replayed; refused on conflicts. The old state is kept for undo. */
  branchRebase: (server: string | null, name: string, onBusy: OnBusy, online: boolean, opId: string) => invoke<Branch>("branch_rebase", { server, name, onBusy, online, opId }),
  /** Writes text (e.g. a migration script) to a file the user chose. */
  saveTextFile: (path: string, contents: string) => invoke<null>("save_text_file", { path, contents }),
  /** Cancels a running long operation (nothing is left half-done). */
  cancelOperation: (opId: string) => invoke<boolean>("cancel_operation", { opId }),
};

export const events = {
  /** payload: LocalStatus */
  localStatus: "local-status",
  /** payload: OpProgress */
  opProgress: "op-progress",
  /** payload: SqlRunEvent */
  sqlRun: "sql-run",
} as const;
