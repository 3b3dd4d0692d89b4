// A run's results as its events arrive and once it ends: the statements with their rows, the
// messages, the error and where it is in the editor, the plan of an EXPLAIN, and which result
// is shown. Plain functions on a tab's RunState; the store (store.ts) calls them and tells its
// subscribers what changed.
import type { EditorState } from "@codemirror/state";
import type { ApiError } from "../bindings/ApiError";
import type { RunEvent } from "../bindings/RunEvent";
import type { RunSummary } from "../bindings/RunSummary";
import type { TxStatus } from "../bindings/TxStatus";
import { formatError, isApiError } from "../errors";
import { errorRange } from "./editorExtensions";
import { newId, type EditorTab, type RunMode, type RunState, type ServerSort, type StatementResult } from "./editorModel";
import { parsePlan } from "./explain";
import { charIndexToUtf16, mapErrorPosition, mapStatementRange, type SentScript } from "./positions";

const DDL_TAG = /^(CREATE|ALTER|DROP|COMMENT|GRANT|REVOKE|SECURITY LABEL|REFRESH|IMPORT FOREIGN SCHEMA)\b/;

/** What a run is asked to do (see SqlStore.run). */
export interface RunRequest {
  mode: RunMode;
  sent: SentScript;
  /** Statements the editor added around the user's (not shown as results). */
  hidden?: number[];
  planIndex?: number | null;
  note?: string | null;
  /** The script opened a transaction of its own: roll it back if the run stopped inside it. */
  rollbackAfter?: boolean;
  /** A statement run again sorted on the server. */
  serverSort?: ServerSort | null;
}

/** A run that starts now. */
export function newRun(req: RunRequest): RunState {
  return {
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
    serverSort: req.serverSort ?? null,
  };
}

export function toApiError(e: unknown): ApiError {
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

/** A line of the editor's own in the run's messages. */
export function addInfo(run: RunState, text: string) {
  run.messages.push({ kind: "info", text, at: Date.now() });
}

function statementOf(run: RunState, index: number): StatementResult | undefined {
  const st = run.statements[run.statements.length - 1];
  return st?.index === index ? st : run.statements.find((s) => s.index === index);
}

/**
 * What a run event changed, for the store to tell its subscribers: rows were appended (their
 * notification may wait a little), a statement finished (pending rows first), something else
 * changed, or nothing did (rows or columns of a statement that never started).
 */
export type RunEventEffect = "rows" | "statement-done" | "changed" | "ignored";

/** Applies one event of the run to its results (and to the tab's transaction status). */
export function applyRunEvent(tab: EditorTab, run: RunState, ev: RunEvent, hidden: ReadonlySet<number>): RunEventEffect {
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
        rowsStored: 0,
        pages: null,
        status: "running",
        tag: null,
        rowsAffected: null,
        durationMs: null,
        truncated: false,
        view: { sort: null, widths: null },
      });
      return "changed";
    }
    case "columns": {
      const st = statementOf(run, ev.index);
      if (!st) return "ignored";
      const first = st.columns === null;
      st.columns = ev.columns;
      if (first && !st.hidden && !run.userPicked && tab.active === "messages" && run.planIndex === null) {
        tab.active = `stmt:${st.index}`;
      }
      return "changed";
    }
    case "rows": {
      const st = statementOf(run, ev.index);
      if (!st) return "ignored";
      for (const r of ev.rows) st.rows.push(r);
      return "rows";
    }
    case "notice":
      run.messages.push({ kind: "notice", index: ev.index, notice: ev.notice, at: now });
      return "changed";
    case "statement_done": {
      const st = statementOf(run, ev.index);
      if (st) {
        st.status = "done";
        st.tag = ev.tag;
        st.rowsAffected = ev.rows_affected;
        st.durationMs = ev.duration_ms;
        st.rowsStored = ev.rows_stored;
        st.truncated = ev.truncated;
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
      return st ? "statement-done" : "changed";
    }
    case "error": {
      const st = statementOf(run, ev.index);
      if (st) st.status = "error";
      run.error = { error: ev.error, index: ev.index, editorPos: mapErrorPosition(run.sent, ev.error.position) };
      run.messages.push({ kind: "error", index: ev.index, error: ev.error, at: now });
      return "changed";
    }
    case "finished":
      run.finished = { tx_status: ev.tx_status, read_only: ev.read_only, duration_ms: ev.duration_ms };
      if (tab.info) tab.info = { ...tab.info, tx_status: ev.tx_status, read_only: ev.read_only };
      return "changed";
  }
}

/**
 * Ends the run: its error (from the failure or the summary), the statements left running,
 * the tab's transaction status, the plan of an EXPLAIN, and the result shown. Returns the
 * transaction status the run left (null when unknown).
 */
export function settleRun(tab: EditorTab, run: RunState, summary: RunSummary | null, failure: unknown): TxStatus | null {
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
      addInfo(run, "The connection to the server was lost: the next run opens a new session.");
    }
  }
  if (run.error?.error.code === "cancelled" || run.error?.error.sqlstate === "57014") {
    addInfo(run, "Cancelled.");
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
  return tx;
}

/** Whether the run changed the schema (then autocomplete should learn it again). */
export function ranDdl(run: RunState): boolean {
  return run.statements.some((s) => s.status === "done" && s.tag && DDL_TAG.test(s.tag));
}

/** Where to mark the run's error in the editor's text, and where to put the cursor. */
export function errorMarkFor(run: RunState, state: EditorState | null): { from: number; to: number; cursor: number } | null {
  const err = run.error;
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
