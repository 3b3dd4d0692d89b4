// The SQL editor's data: editor tabs per branch, their sessions and runs, the results of a run,
// and the ids and subscription keys they go by. The store (store.ts) holds and changes them.
import type { EditorState } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import type { ApiError } from "../bindings/ApiError";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import type { DbSchema } from "../bindings/DbSchema";
import type { RunSummary } from "../bindings/RunSummary";
import type { SqlNotice } from "../bindings/SqlNotice";
import type { SqlTabInfo } from "../bindings/SqlTabInfo";
import type { TxStatus } from "../bindings/TxStatus";
import type { ParsedPlan } from "./explain";
import type { SentScript } from "./positions";
import type { RowPages } from "./rowPages";
import type { Row, SortSpec } from "./values";

export type RunMode = "statement" | "script" | "explain" | "explain-analyze";

/** Which result pane is shown: a statement's (by index), the messages, or the plan. */
export type ResultKey = `stmt:${number}` | "messages" | "plan";

export interface StatementResult {
  index: number;
  /** The statement as sent (what an export runs again). */
  sql: string;
  /** Where it is in the editor, when it came from there. */
  editorRange: { from: number; to: number } | null;
  /** Statements the editor added around the user's (EXPLAIN ANALYZE's BEGIN/ROLLBACK). */
  hidden: boolean;
  /** Null for statements that return no rows. */
  columns: ColumnInfo[] | null;
  /** Appended to in place as pages arrive (see the `rows:` key): the first rows, held. */
  rows: Row[];
  /** Rows the backend stored (all of them unless `truncated`); 0 when it stored none. */
  rowsStored: number;
  /** The rows past `rows`, fetched as the grid scrolls: set when more were stored than held. */
  pages: RowPages | null;
  status: "running" | "done" | "error" | "stopped";
  tag: string | null;
  rowsAffected: number | null;
  durationMs: number | null;
  truncated: boolean;
  /** The grid's sort and column widths, kept while the tab lives. */
  view: { sort: SortSpec | null; widths: number[] | null };
}

export type RunMessage =
  | { kind: "notice"; index: number; notice: SqlNotice; at: number }
  | { kind: "done"; index: number; tag: string; rows: number | null; durationMs: number; truncated: boolean; at: number }
  | { kind: "error"; index: number | null; error: ApiError; at: number }
  | { kind: "info"; text: string; at: number };

export interface RunError {
  error: ApiError;
  /** The statement that failed, when known. */
  index: number | null;
  /** The error position in the editor, when the server gave one. */
  editorPos: number | null;
}

export interface RunState {
  id: string;
  mode: RunMode;
  sent: SentScript;
  startedAt: number;
  /** Date.now() when the run ended. */
  endedAt: number | null;
  statements: StatementResult[];
  messages: RunMessage[];
  error: RunError | null;
  running: boolean;
  cancelling: boolean;
  finished: { tx_status: TxStatus; read_only: boolean; duration_ms: number } | null;
  summary: RunSummary | null;
  /** For EXPLAIN runs: the statement whose row is the plan, and the plan once parsed. */
  planIndex: number | null;
  plan: ParsedPlan | null;
  /** Shown above the results, e.g. that EXPLAIN ANALYZE was rolled back. */
  note: string | null;
  /** The user picked a result tab during the run: do not switch it for them. */
  userPicked: boolean;
  /** This run re-ran `base` sorted on the server (a result larger than the grid holds). */
  serverSort: ServerSort | null;
}

/** A statement run again with ORDER BY (see sortSql.ts); `sort` null: as written. */
export interface ServerSort {
  base: string;
  sort: SortSpec | null;
}

export type SessionState = "none" | "opening" | "open" | "error" | "lost";

export interface EditorTab {
  id: string;
  title: string;
  savedQueryId: number | null;
  /** The text before the editor was first shown. */
  initialDoc: string;
  /** The editor state while no view shows it (undo history and selection included). */
  editorState: EditorState | null;
  /** The view while it is on screen. */
  view: EditorView | null;
  /** True when the editor text is only white space. */
  empty: boolean;
  info: SqlTabInfo | null;
  session: SessionState;
  sessionError: string | null;
  openPromise: Promise<boolean> | null;
  run: RunState | null;
  active: ResultKey;
}

export interface BranchRef {
  server: string | null;
  /** Stable across renames. */
  branchId: string;
  branchName: string;
}

export interface BranchSql extends BranchRef {
  key: string;
  tabs: EditorTab[];
  activeTabId: string | null;
  /** For "Query N" titles. */
  counter: number;
  schema: DbSchema | null;
  schemaStatus: "idle" | "loading" | "ready" | "error";
  schemaError: string | null;
  /** Bumped on every schema load (editors reconfigure their completion). */
  schemaVersion: number;
  /** A DDL statement ran: reload the schema once no transaction hides it. */
  schemaDirty: boolean;
}

export function newId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `id-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export function branchKey(server: string | null, branchId: string): string {
  return `${server ?? "local"}|${branchId}`;
}

/** The server id history entries carry: "local" for the embedded server. */
export function historyServerId(server: string | null): string {
  return server ?? "local";
}

export const keys = {
  branch: (key: string) => `branch:${key}`,
  tab: (tabId: string) => `tab:${tabId}`,
  rows: (tabId: string, index: number) => `rows:${tabId}:${index}`,
  history: "history",
  saved: "saved",
  layout: "layout",
};
