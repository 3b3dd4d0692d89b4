// Commands shared by the toolbar and the editor's keymap (which must not hold on to a
// component: the editor state outlives the view that shows it).
import { EditorState } from "@codemirror/state";
import { buildRunRequest } from "./runRequest";
import type { RunMode } from "./editorModel";
import { sqlStore } from "./store";

/** Runs the tab's statement, script or plan; false when nothing could run. */
export function runTab(tabId: string, mode: RunMode): boolean {
  const b = sqlStore.branchOfTab(tabId);
  const tab = sqlStore.getTab(tabId);
  if (!b || !tab || tab.run?.running) return false;
  const state = sqlStore.editorState(tab) ?? EditorState.create({ doc: tab.initialDoc });
  const req = buildRunRequest(state, mode, tab.info?.tx_status ?? null);
  if (!req) return false;
  void sqlStore.run(b, tab, req);
  return true;
}

const saveHandlers = new Map<string, () => void>();

/** The panel showing a tab registers what Ctrl/Cmd+S does for it. */
export function onSaveRequest(tabId: string, handler: () => void): () => void {
  saveHandlers.set(tabId, handler);
  return () => {
    if (saveHandlers.get(tabId) === handler) saveHandlers.delete(tabId);
  };
}

export function requestSave(tabId: string): boolean {
  const h = saveHandlers.get(tabId);
  if (!h) return false;
  h();
  return true;
}
