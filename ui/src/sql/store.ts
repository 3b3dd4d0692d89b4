// The SQL editor's state for the whole app session, outside React: editor tabs per branch (with
// their CodeMirror state, session and last run), the branch schemas for autocomplete, and the run
// logic. It lives here so that tabs, text, running queries and results survive switching branches
// or panes; components subscribe to the keys they show (see useStoreVersion).
//
// Layers: storeSubscriptions.ts (change notifications) < storeTabs.ts (tabs, text, sessions,
// schemas) < this file (runs); a run's results themselves are worked out in runResults.ts.
import { useCallback, useSyncExternalStore } from "react";
import { commands, onSqlRun, type UnlistenFn } from "../api";
import type { RunEvent } from "../bindings/RunEvent";
import type { RunSummary } from "../bindings/RunSummary";
import { formatError, isApiError } from "../errors";
import { setErrorMark } from "./editorExtensions";
import { keys, newId, type BranchSql, type EditorTab, type ResultKey, type RunState, type StatementResult } from "./editorModel";
import { RowPages } from "./rowPages";
import { serverSortSql } from "./sortSql";
import type { SortSpec } from "./values";
import { addInfo, applyRunEvent, errorMarkFor, newRun, ranDdl, settleRun, type RunEventEffect, type RunRequest } from "./runResults";
import { SqlTabsStore } from "./storeTabs";

/** After sqlRun resolved, how long to wait for the `finished` event still in flight. */
const FINISH_GRACE_MS = 1500;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SqlStore extends SqlTabsStore {
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
      addInfo(run, `Could not cancel: ${formatError(e)}`);
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
  async run(b: BranchSql, tab: EditorTab, req: RunRequest): Promise<void> {
    if (tab.run?.running) return;
    // The backend forgets the previous run's stored rows: stop fetching them.
    for (const st of tab.run?.statements ?? []) st.pages?.dispose();
    const run = newRun(req);
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
    if (reopened) addInfo(run, "Opened a new session: the previous connection was lost.");

    let finishedSeen = () => {};
    const finished = new Promise<void>((r) => (finishedSeen = r));
    let unlisten: UnlistenFn | null = null;
    try {
      unlisten = await onSqlRun((e) => {
        if (e.tab_id !== tab.id || e.run_id !== run.id || tab.run !== run) return;
        this.notify(tab, run, e.event, applyRunEvent(tab, run, e.event, hidden));
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
          addInfo(run, "Opened a new session: the previous one was closed (the app restarted, or the branch was reset, renamed or deleted).");
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
        addInfo(run, "The transaction EXPLAIN ANALYZE ran in was rolled back.");
      } catch (e) {
        addInfo(run, `Could not roll back the transaction EXPLAIN ANALYZE ran in: ${formatError(e)}. Run ROLLBACK.`);
      }
    }
    this.finish(b, tab, run, summary, failure);
  }

  /** Tells the subscribers what a run event changed. */
  private notify(tab: EditorTab, run: RunState, ev: RunEvent, effect: RunEventEffect) {
    if (effect === "ignored") return;
    if (effect === "rows" && ev.kind === "rows") {
      this.emitRows(keys.rows(tab.id, ev.index));
      return;
    }
    if (effect === "statement-done" && ev.kind === "statement_done") {
      const st = run.statements.find((s) => s.index === ev.index);
      if (st) this.attachPages(tab, run, st);
      this.flushRows();
    }
    this.emit(keys.tab(tab.id));
  }

  /** More rows were stored than arrived: the grid reads the rest from the backend as it scrolls. */
  attachPages(tab: EditorTab, run: RunState, st: StatementResult) {
    if (st.pages || st.rowsStored <= st.rows.length) return;
    const key = keys.rows(tab.id, st.index);
    const fetch = (offset: number, limit: number) => commands.sqlFetchRows(tab.id, run.id, st.index, offset, limit);
    st.pages = new RowPages(st.rowsStored, st.rows, fetch, () => this.emit(key));
  }

  /**
   * Sorts a result larger than what the grid holds by running its query again on the server
   * with ORDER BY (`sort` null: as written). The run's note says so.
   */
  async sortOnServer(tab: EditorTab, st: StatementResult, sort: SortSpec | null): Promise<void> {
    const b = this.branchOfTab(tab.id);
    if (!b || !tab.run || tab.run.running) return;
    const base = tab.run.serverSort?.base ?? st.sql;
    const name = st.columns?.[sort?.column ?? 0]?.name ?? "";
    const text = sort ? serverSortSql(base, sort) : base;
    const note = sort
      ? `Sorted by “${name}” ${sort.dir === "asc" ? "ascending" : "descending"} on the server: the query ran again with ORDER BY, over all its rows.`
      : "Unsorted: the query ran again as written.";
    // Not the editor's text: errors mark nothing there.
    const sent = { text, segments: [] };
    await this.run(b, tab, { mode: "statement", sent, hidden: [], planIndex: null, note, serverSort: { base, sort } });
  }

  /** The run ended: its results settle, its error is marked in the editor, DDL reloads the schema. */
  private finish(b: BranchSql, tab: EditorTab, run: RunState, summary: RunSummary | null, failure: unknown) {
    const tx = settleRun(tab, run, summary, failure);

    // The error in the editor: marked, and the cursor moved there.
    const mark = errorMarkFor(run, this.editorState(tab));
    if (mark) {
      this.dispatchEditor(tab, {
        selection: { anchor: mark.cursor },
        effects: setErrorMark.of({ from: mark.from, to: mark.to, message: run.error?.error.message ?? "" }),
        scrollIntoView: true,
      });
    }

    // DDL changes what autocomplete should offer; other sessions see it once committed.
    if (ranDdl(run)) b.schemaDirty = true;
    if (b.schemaDirty && (tx === "idle" || tx === null)) void this.loadSchema(b);

    this.emit(keys.tab(tab.id));
    this.emit(keys.history);
  }
}

export const sqlStore = new SqlStore();

/** Re-renders the component when `key` changes in the store; returns its version. */
export function useStoreVersion(key: string): number {
  const subscribe = useCallback((l: () => void) => sqlStore.subscribe(key, l), [key]);
  return useSyncExternalStore(subscribe, () => sqlStore.version(key));
}
