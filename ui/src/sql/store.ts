// The SQL editor's state for the whole app session, outside React: editor tabs per branch (with
// their CodeMirror state, session and last run), the branch schemas for autocomplete, and the run
// logic. It lives here so that tabs, text, running queries and results survive switching branches
// or panes; components subscribe to the keys they show (see useStoreVersion).
import type { EditorState, TransactionSpec } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import { useCallback, useSyncExternalStore } from "react";
import { commands, onSqlRun, type UnlistenFn } from "../api";
import type { ApiError } from "../bindings/ApiError";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import type { DbSchema } from "../bindings/DbSchema";
import type { RunEvent } from "../bindings/RunEvent";
import type { RunSummary } from "../bindings/RunSummary";
import type { SqlNotice } from "../bindings/SqlNotice";
import type { SqlTabInfo } from "../bindings/SqlTabInfo";
import type { TxStatus } from "../bindings/TxStatus";
import { formatError, isApiError } from "../errors";
import { errorRange, setErrorMark } from "./editorExtensions";
import { parsePlan, type ParsedPlan } from "./explain";
import { charIndexToUtf16, mapErrorPosition, mapStatementRange, type SentScript } from "./positions";
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
  /** Appended to in place as pages arrive (see the `rows:` key). */
  rows: Row[];
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

/** After sqlRun resolved, how long to wait for the `finished` event still in flight. */
const FINISH_GRACE_MS = 1500;
const DDL_TAG = /^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY LABEL|REFRESH|IMPORT FOREIGN SCHEMA)\b/;

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

function toApiError(e: unknown): ApiError {
  if (isApiError(e)) {
    return {
      code: e.code,
      message: e.message,
      sqlstate: e.sqlstate ?? null,
      detail: e.detail ?? null,
      hint: e.hint ?? null,
      position: e.position ?? null,
    };
  }
  return { code: "internal", message: formatError(e), sqlstate: null, detail: null, hint: null, position: null };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SqlStore {
  /** Layout choices kept for the app session: the editor's share of the height, the side panel. */
  layout: { editorFraction: number; side: "history" | "saved" | null } = { editorFraction: 0.38, side: null };
  private branches = new Map<string, BranchSql>();
  private tabs = new Map<string, { tab: EditorTab; branch: BranchSql }>();
  private listeners = new Map<string, Set<() => void>>();
  private versions = new Map<string, number>();
  private pendingRows = new Set<string>();
  private rowsTimer: ReturnType<typeof setTimeout> | null = null;

  // ---------- subscriptions ----------

  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  emit(key: string) {
    this.versions.set(key, this.version(key) + 1);
    this.listeners.get(key)?.forEach((l) => l());
  }

  /** Row pages come fast: their notifications are coalesced (one render per frame or so). */
  private emitRows(key: string) {
    this.pendingRows.add(key);
    if (this.rowsTimer !== null) return;
    this.rowsTimer = setTimeout(() => this.flushRows(), 16);
  }

  private flushRows() {
    if (this.rowsTimer !== null) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    const pending = [...this.pendingRows];
    this.pendingRows.clear();
    pending.forEach((k) => this.emit(k));
  }

  setSide(side: "history" | "saved" | null) {
    this.layout.side = side;
    this.emit(keys.layout);
  }

  // ---------- branches and tabs ----------

  /** The branch's editor state, created on first use; keeps the name and server current. */
  branch(ref: BranchRef): BranchSql {
    const key = branchKey(ref.server, ref.branchId);
    let b = this.branches.get(key);
    if (!b) {
      b = {
        ...ref,
        key,
        tabs: [],
        activeTabId: null,
        counter: 0,
        schema: null,
        schemaStatus: "idle",
        schemaError: null,
        schemaVersion: 0,
        schemaDirty: false,
      };
      this.branches.set(key, b);
    } else if (b.branchName !== ref.branchName) {
      // Renamed: the backend closed its sessions; they reopen under the new name on the next run.
      b.branchName = ref.branchName;
    }
    return b;
  }

  getBranch(key: string): BranchSql | undefined {
    return this.branches.get(key);
  }

  getTab(tabId: string): EditorTab | undefined {
    return this.tabs.get(tabId)?.tab;
  }

  branchOfTab(tabId: string): BranchSql | undefined {
    return this.tabs.get(tabId)?.branch;
  }

  /** Opens a new editor tab (and its session) and makes it the active one. */
  addTab(b: BranchSql, init: { title?: string; doc?: string; savedQueryId?: number | null } = {}): EditorTab {
    b.counter += 1;
    const tab: EditorTab = {
      id: newId(),
      title: init.title?.trim() || `Query ${b.counter}`,
      savedQueryId: init.savedQueryId ?? null,
      initialDoc: init.doc ?? "",
      editorState: null,
      view: null,
      empty: (init.doc ?? "").trim() === "",
      info: null,
      session: "none",
      sessionError: null,
      openPromise: null,
      run: null,
      active: "messages",
    };
    b.tabs.push(tab);
    b.activeTabId = tab.id;
    this.tabs.set(tab.id, { tab, branch: b });
    this.emit(keys.branch(b.key));
    void this.ensureSession(b, tab);
    return tab;
  }

  selectTab(b: BranchSql, tabId: string) {
    if (b.activeTabId === tabId) return;
    b.activeTabId = tabId;
    this.emit(keys.branch(b.key));
  }

  renameTab(tab: EditorTab, title: string) {
    const t = title.trim();
    if (!t || t === tab.title) return;
    tab.title = t;
    const b = this.branchOfTab(tab.id);
    if (b) this.emit(keys.branch(b.key));
    this.emit(keys.tab(tab.id));
  }

  /** Closes a tab and its session (rolling back an open transaction). */
  closeTab(b: BranchSql, tabId: string) {
    const i = b.tabs.findIndex((t) => t.id === tabId);
    if (i < 0) return;
    const [tab] = b.tabs.splice(i, 1);
    this.tabs.delete(tabId);
    if (b.activeTabId === tabId) b.activeTabId = b.tabs[Math.min(i, b.tabs.length - 1)]?.id ?? null;
    if (tab.session !== "none" && tab.session !== "error") {
      commands.sqlClose(tab.id).catch(() => {
        // The session may already be gone (its branch was reset or deleted); nothing to do.
      });
    }
    tab.view = null;
    this.emit(keys.branch(b.key));
  }

  /** Moves a tab to another position (drag and drop in the tab bar). */
  moveTab(b: BranchSql, tabId: string, toIndex: number) {
    const from = b.tabs.findIndex((t) => t.id === tabId);
    if (from < 0) return;
    const [tab] = b.tabs.splice(from, 1);
    b.tabs.splice(Math.max(0, Math.min(toIndex, b.tabs.length)), 0, tab);
    this.emit(keys.branch(b.key));
  }

  // ---------- editor text ----------

  /** The tab's current editor state, if an editor was ever created for it. */
  editorState(tab: EditorTab): EditorState | null {
    return tab.view?.state ?? tab.editorState;
  }

  docText(tab: EditorTab): string {
    return this.editorState(tab)?.doc.toString() ?? tab.initialDoc;
  }

  /** Replaces the tab's text (undoable when an editor exists). */
  setDoc(tab: EditorTab, text: string) {
    if (tab.view) {
      const v = tab.view;
      v.dispatch({
        changes: { from: 0, to: v.state.doc.length, insert: text },
        selection: { anchor: text.length },
        effects: setErrorMark.of(null),
        scrollIntoView: true,
      });
      v.focus();
    } else if (tab.editorState) {
      tab.editorState = tab.editorState.update({
        changes: { from: 0, to: tab.editorState.doc.length, insert: text },
        selection: { anchor: text.length },
        effects: setErrorMark.of(null),
      }).state;
    } else {
      tab.initialDoc = text;
    }
    this.setEmpty(tab, text.trim() === "");
  }

  setEmpty(tab: EditorTab, empty: boolean) {
    if (tab.empty === empty) return;
    tab.empty = empty;
    this.emit(keys.tab(tab.id));
  }

  /** An editor shows the tab: it holds the state from now on. */
  attachView(tab: EditorTab, view: EditorView) {
    tab.view = view;
    tab.editorState = null;
  }

  /** The editor leaves the screen: its state (undo history and selection included) is kept. */
  detachView(tab: EditorTab, view: EditorView) {
    tab.editorState = view.state;
    if (tab.view === view) tab.view = null;
  }

  /** The tab's text was saved as (or opened from) a saved query: it takes the query's name. */
  linkSavedQuery(tab: EditorTab, saved: { id: number; name: string }) {
    tab.savedQueryId = saved.id;
    this.renameTab(tab, saved.name);
  }

  /** Applies a transaction to the tab's editor, on screen or not. */
  private dispatchEditor(tab: EditorTab, spec: TransactionSpec) {
    if (tab.view) tab.view.dispatch(spec);
    else if (tab.editorState) tab.editorState = tab.editorState.update(spec).state;
  }

  // ---------- sessions ----------

  /** Opens the tab's session unless it is open; false (with `sessionError`) when it cannot. */
  ensureSession(b: BranchSql, tab: EditorTab): Promise<boolean> {
    if (tab.session === "open") return Promise.resolve(true);
    if (tab.openPromise) return tab.openPromise;
    tab.session = "opening";
    tab.sessionError = null;
    this.emit(keys.tab(tab.id));
    const p = commands
      .sqlOpen(tab.id, b.server, b.branchName)
      .then(
        (info) => {
          tab.info = info;
          tab.session = "open";
          return true;
        },
        (e) => {
          tab.session = "error";
          tab.sessionError = formatError(e);
          return false;
        },
      )
      .finally(() => {
        tab.openPromise = null;
        this.emit(keys.tab(tab.id));
      });
    tab.openPromise = p;
    return p;
  }

  /** Lets a protected branch's tab write, until it is reopened. */
  async unlock(tab: EditorTab): Promise<void> {
    const info = await commands.sqlUnlock(tab.id);
    tab.info = info;
    this.emit(keys.tab(tab.id));
  }

  // ---------- runs ----------

  /** Asks the server to cancel what the tab runs. */
  async cancel(tab: EditorTab): Promise<void> {
    const run = tab.run;
    if (!run?.running || run.cancelling) return;
    run.cancelling = true;
    this.emit(keys.tab(tab.id));
    try {
      await commands.sqlCancel(tab.id);
    } catch (e) {
      run.cancelling = false;
      run.messages.push({ kind: "info", text: `Could not cancel: ${formatError(e)}`, at: Date.now() });
      this.emit(keys.tab(tab.id));
    }
  }

  /** Picks the result pane shown (the user's choice). */
  setActive(tab: EditorTab, key: ResultKey) {
    tab.active = key;
    if (tab.run?.running) tab.run.userPicked = true;
    this.emit(keys.tab(tab.id));
  }

  /**
   * Runs `sent` in the tab: opens the session if needed (again after "not_found": the app
   * restarted, or the branch was reset, renamed or deleted), streams the events into the run's
   * results, then marks the error in the editor and reloads the schema after DDL.
   */
  async run(
    b: BranchSql,
    tab: EditorTab,
    req: {
      mode: RunMode;
      sent: SentScript;
      hidden?: number[];
      planIndex?: number | null;
      note?: string | null;
      /** The script opened a transaction of its own: roll it back if the run stopped inside it. */
      rollbackAfter?: boolean;
    },
  ): Promise<void> {
    if (tab.run?.running) return;
    const run: RunState = {
      id: newId(),
      mode: req.mode,
      sent: req.sent,
      startedAt: Date.now(),
      endedAt: null,
      statements: [],
      messages: [],
      error: null,
      running: true,
      cancelling: false,
      finished: null,
      summary: null,
      planIndex: req.planIndex ?? null,
      plan: null,
      note: req.note ?? null,
      userPicked: false,
    };
    const hidden = new Set(req.hidden ?? []);
    tab.run = run;
    tab.active = req.mode === "explain" || req.mode === "explain-analyze" ? "plan" : "messages";
    this.dispatchEditor(tab, { effects: setErrorMark.of(null) });
    this.emit(keys.tab(tab.id));

    const reopened = tab.session === "lost";
    if (!(await this.ensureSession(b, tab))) {
      run.running = false;
      run.endedAt = Date.now();
      run.error = {
        error: { code: "unreachable", message: tab.sessionError ?? "Could not open a session", sqlstate: null, detail: null, hint: null, position: null },
        index: null,
        editorPos: null,
      };
      this.emit(keys.tab(tab.id));
      return;
    }
    if (reopened) this.info(run, "Opened a new session: the previous connection was lost.");

    let finishedSeen = () => {};
    const finished = new Promise<void>((r) => (finishedSeen = r));
    let unlisten: UnlistenFn | null = null;
    try {
      unlisten = await onSqlRun((e) => {
        if (e.tab_id !== tab.id || e.run_id !== run.id || tab.run !== run) return;
        this.onEvent(tab, run, e.event, hidden);
        if (e.event.kind === "finished") finishedSeen();
      });
    } catch {
      // Not inside Tauri: no events (the summary still arrives).
    }

    let summary: RunSummary | null = null;
    let failure: unknown = null;
    try {
      summary = await commands.sqlRun(tab.id, run.id, run.sent.text);
    } catch (e) {
      if (isApiError(e) && e.code === "not_found") {
        tab.session = "none";
        if (await this.ensureSession(b, tab)) {
          this.info(run, "Opened a new session: the previous one was closed (the app restarted, or the branch was reset, renamed or deleted).");
          try {
            summary = await commands.sqlRun(tab.id, run.id, run.sent.text);
          } catch (e2) {
            failure = e2;
          }
        } else {
          failure = { code: "unreachable", message: tab.sessionError ?? "Could not open a session" };
        }
      } else {
        failure = e;
      }
    }
    if (summary && unlisten && !run.finished) await Promise.race([finished, sleep(FINISH_GRACE_MS)]);
    unlisten?.();
    this.flushRows();
    if (req.rollbackAfter && summary && summary.tx_status !== "idle" && summary.tx_status !== "closed") {
      // The run stopped between its BEGIN and ROLLBACK (an error): end that transaction.
      try {
        const rb = await commands.sqlRun(tab.id, newId(), "ROLLBACK");
        run.finished = run.finished ? { ...run.finished, tx_status: rb.tx_status } : null;
        summary = { ...summary, tx_status: rb.tx_status };
        this.info(run, "The transaction EXPLAIN ANALYZE ran in was rolled back.");
      } catch (e) {
        this.info(run, `Could not roll back the transaction EXPLAIN ANALYZE ran in: ${formatError(e)}. Run ROLLBACK.`);
      }
    }
    this.finish(b, tab, run, summary, failure);
  }

  private info(run: RunState, text: string) {
    run.messages.push({ kind: "info", text, at: Date.now() });
  }

  private statement(run: RunState, index: number): StatementResult | undefined {
    const st = run.statements[run.statements.length - 1];
    return st?.index === index ? st : run.statements.find((s) => s.index === index);
  }

  private onEvent(tab: EditorTab, run: RunState, ev: RunEvent, hidden: Set<number>) {
    const now = Date.now();
    switch (ev.kind) {
      case "statement_started": {
        const from16 = charIndexToUtf16(run.sent.text, ev.sql_offset);
        const to16 = from16 + charIndexToUtf16(run.sent.text.slice(from16), ev.sql_length);
        run.statements.push({
          index: ev.index,
          sql: run.sent.text.slice(from16, to16),
          editorRange: mapStatementRange(run.sent, ev.sql_offset, ev.sql_length),
          hidden: hidden.has(ev.index),
          columns: null,
          rows: [],
          status: "running",
          tag: null,
          rowsAffected: null,
          durationMs: null,
          truncated: false,
          view: { sort: null, widths: null },
        });
        break;
      }
      case "columns": {
        const st = this.statement(run, ev.index);
        if (!st) return;
        const first = st.columns === null;
        st.columns = ev.columns;
        if (first && !st.hidden && !run.userPicked && tab.active === "messages" && run.planIndex === null) {
          tab.active = `stmt:${st.index}`;
        }
        break;
      }
      case "rows": {
        const st = this.statement(run, ev.index);
        if (!st) return;
        for (const r of ev.rows) st.rows.push(r);
        this.emitRows(keys.rows(tab.id, st.index));
        return;
      }
      case "notice":
        run.messages.push({ kind: "notice", index: ev.index, notice: ev.notice, at: now });
        break;
      case "statement_done": {
        const st = this.statement(run, ev.index);
        if (st) {
          st.status = "done";
          st.tag = ev.tag;
          st.rowsAffected = ev.rows_affected;
          st.durationMs = ev.duration_ms;
          st.truncated = ev.truncated;
          this.flushRows();
        }
        if (!st?.hidden) {
          run.messages.push({
            kind: "done",
            index: ev.index,
            tag: ev.tag,
            rows: ev.rows_affected,
            durationMs: ev.duration_ms,
            truncated: ev.truncated,
            at: now,
          });
        }
        break;
      }
      case "error": {
        const st = this.statement(run, ev.index);
        if (st) st.status = "error";
        run.error = { error: ev.error, index: ev.index, editorPos: mapErrorPosition(run.sent, ev.error.position) };
        run.messages.push({ kind: "error", index: ev.index, error: ev.error, at: now });
        break;
      }
      case "finished":
        run.finished = { tx_status: ev.tx_status, read_only: ev.read_only, duration_ms: ev.duration_ms };
        if (tab.info) tab.info = { ...tab.info, tx_status: ev.tx_status, read_only: ev.read_only };
        break;
    }
    this.emit(keys.tab(tab.id));
  }

  private finish(b: BranchSql, tab: EditorTab, run: RunState, summary: RunSummary | null, failure: unknown) {
    run.running = false;
    run.endedAt = Date.now();
    run.summary = summary;
    if (failure !== null && !run.error) {
      const error = toApiError(failure);
      run.error = { error, index: null, editorPos: mapErrorPosition(run.sent, error.position) };
      run.messages.push({ kind: "error", index: null, error, at: Date.now() });
    }
    if (summary?.error && !run.error) {
      run.error = {
        error: summary.error,
        index: summary.statements_done,
        editorPos: mapErrorPosition(run.sent, summary.error.position),
      };
      run.messages.push({ kind: "error", index: summary.statements_done, error: summary.error, at: Date.now() });
    }
    for (const st of run.statements) if (st.status === "running") st.status = "stopped";
    const tx = run.finished?.tx_status ?? summary?.tx_status ?? null;
    if (tx) {
      if (tab.info) tab.info = { ...tab.info, tx_status: tx, read_only: run.finished?.read_only ?? tab.info.read_only };
      if (tx === "closed") {
        tab.session = "lost";
        this.info(run, "The connection to the server was lost: the next run opens a new session.");
      }
    }
    if (run.error?.error.code === "cancelled" || run.error?.error.sqlstate === "57014") {
      this.info(run, "Cancelled.");
    }

    // The plan of an EXPLAIN run.
    if (run.planIndex !== null) {
      const st = run.statements.find((s) => s.index === run.planIndex);
      const text = st?.rows[0]?.[0];
      if (typeof text === "string") run.plan = parsePlan(text);
    }

    // The result shown: the user's choice, else the first result set, else the messages.
    if (!run.userPicked) {
      if (run.planIndex !== null) tab.active = run.plan ? "plan" : "messages";
      else {
        const cur = tab.active.startsWith("stmt:") ? run.statements.find((s) => `stmt:${s.index}` === tab.active) : undefined;
        if (!cur?.columns) {
          const withRows = run.statements.find((s) => !s.hidden && s.columns !== null);
          tab.active = withRows ? `stmt:${withRows.index}` : "messages";
        }
      }
    }

    // The error in the editor: marked, and the cursor moved there.
    const mark = this.errorMark(tab, run);
    if (mark) {
      this.dispatchEditor(tab, {
        selection: { anchor: mark.cursor },
        effects: setErrorMark.of({ from: mark.from, to: mark.to, message: run.error?.error.message ?? "" }),
        scrollIntoView: true,
      });
    }

    // DDL changes what autocomplete should offer; other sessions see it once committed.
    if (run.statements.some((s) => s.status === "done" && s.tag && DDL_TAG.test(s.tag))) b.schemaDirty = true;
    if (b.schemaDirty && (tx === "idle" || tx === null)) void this.loadSchema(b);

    this.emit(keys.tab(tab.id));
    this.emit(keys.history);
  }

  private errorMark(tab: EditorTab, run: RunState): { from: number; to: number; cursor: number } | null {
    const err = run.error;
    const state = this.editorState(tab);
    if (!err || !state) return null;
    const doc = state.doc.toString();
    if (err.editorPos !== null) {
      const r = errorRange(doc, err.editorPos);
      return { ...r, cursor: Math.min(err.editorPos, doc.length) };
    }
    // No position (e.g. a run-time error): mark the failing statement's first word.
    const st = err.index !== null ? run.statements.find((s) => s.index === err.index) : undefined;
    if (st?.editorRange && !st.hidden) {
      const r = errorRange(doc, st.editorRange.from);
      return { ...r, cursor: st.editorRange.from };
    }
    return null;
  }

  // ---------- schema ----------

  /** Loads the branch's schema for autocomplete (again). */
  async loadSchema(b: BranchSql): Promise<void> {
    if (b.schemaStatus === "loading") return;
    b.schemaStatus = "loading";
    b.schemaDirty = false;
    this.emit(keys.branch(b.key));
    try {
      b.schema = await commands.sqlSchema(b.server, b.branchName);
      b.schemaStatus = "ready";
      b.schemaError = null;
      b.schemaVersion += 1;
    } catch (e) {
      b.schemaStatus = "error";
      b.schemaError = formatError(e);
    }
    this.emit(keys.branch(b.key));
  }

  /** Forgets everything (tests). */
  reset() {
    this.layout = { editorFraction: 0.38, side: null };
    if (this.rowsTimer !== null) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    this.pendingRows.clear();
    this.branches.clear();
    this.tabs.clear();
    this.listeners.clear();
    this.versions.clear();
  }
}

export const sqlStore = new SqlStore();

/** Re-renders the component when `key` changes in the store; returns its version. */
export function useStoreVersion(key: string): number {
  const subscribe = useCallback((l: () => void) => sqlStore.subscribe(key, l), [key]);
  return useSyncExternalStore(subscribe, () => sqlStore.version(key));
}
