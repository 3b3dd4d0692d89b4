// What a Run / Run all / Explain sends, computed from the editor's text, cursor and selection.
import type { EditorState } from "@codemirror/state";
import type { TxStatus } from "../bindings/TxStatus";
import { explainAnalyzeWrites, explainPrefix } from "./explain";
import { plainScript, wrappedScript, type SentScript } from "./positions";
import { splitStatements, statementAt } from "./splitter";
import type { RunMode } from "./editorModel";

export interface RunRequest {
  mode: RunMode;
  sent: SentScript;
  /** Statements added around the user's, not shown as results. */
  hidden: number[];
  /** The statement whose single value is the EXPLAIN plan. */
  planIndex: number | null;
  note: string | null;
  /** The script opens its own transaction; roll it back if the run stops inside it. */
  rollbackAfter?: boolean;
}

/** Where the text to run sits in the editor. */
export interface Target {
  text: string;
  from: number;
}

/**
 * The text Run (and Explain) uses: the selection if there is one, else the statement under the
 * cursor (without its `;`). Null when there is nothing to run.
 */
export function targetText(doc: string, selFrom: number, selTo: number, head: number): Target | null {
  if (selFrom !== selTo) {
    const text = doc.slice(selFrom, selTo);
    return text.trim() === "" ? null : { text, from: selFrom };
  }
  const st = statementAt(doc, head);
  return st ? { text: doc.slice(st.from, st.to), from: st.from } : null;
}

/** For Explain: exactly one statement (the first one of a selection). */
function singleStatement(t: Target): Target | null {
  const all = splitStatements(t.text);
  if (all.length === 0) return null;
  const st = all[0];
  return { text: t.text.slice(st.from, st.to), from: t.from + st.from };
}

/** Builds the request for a mode from the editor state; null when there is nothing to run. */
export function buildRunRequest(state: EditorState, mode: RunMode, tx: TxStatus | null): RunRequest | null {
  const doc = state.doc.toString();
  const sel = state.selection.main;
  if (mode === "script") {
    if (splitStatements(doc).length === 0) return null;
    return { mode, sent: plainScript(doc, 0), hidden: [], planIndex: null, note: null };
  }
  const target = targetText(doc, sel.from, sel.to, sel.head);
  if (!target) return null;
  if (mode === "statement") {
    return { mode, sent: plainScript(target.text, target.from), hidden: [], planIndex: null, note: null };
  }
  const one = singleStatement(target);
  if (!one) return null;
  const analyze = mode === "explain-analyze";
  const prefix = explainPrefix(analyze);
  if (analyze && explainAnalyzeWrites(one.text)) {
    if (tx === "idle" || tx === null) {
      // EXPLAIN ANALYZE runs the statement: keep its changes from sticking.
      return {
        mode,
        sent: wrappedScript(`BEGIN;\n${prefix}`, one.text, "\n;\nROLLBACK;", one.from),
        hidden: [0, 2],
        planIndex: 1,
        rollbackAfter: true,
        note: "EXPLAIN ANALYZE executed the statement inside a transaction that was then rolled back: nothing was changed.",
      };
    }
    return {
      mode,
      sent: wrappedScript(prefix, one.text, "", one.from),
      hidden: [],
      planIndex: 0,
      note: "EXPLAIN ANALYZE executed the statement inside your open transaction: its changes are part of it until you commit or roll back.",
    };
  }
  return { mode, sent: wrappedScript(prefix, one.text, "", one.from), hidden: [], planIndex: 0, note: null };
}
