// The SQL store's tabs: editor tabs per branch, their text (CodeMirror state, on screen or not),
// their sessions, and the branch schemas for autocomplete. Runs are added on top (store.ts).
import type { EditorState, TransactionSpec } from "@codemirror/state";
import type { EditorView } from "@codemirror/view";
import { commands } from "../api";
import { formatError } from "../errors";
import { setErrorMark } from "./editorExtensions";
import { branchKey, keys, newId, type BranchRef, type BranchSql, type EditorTab } from "./editorModel";
import { StoreSubscriptions } from "./storeSubscriptions";

export class SqlTabsStore extends StoreSubscriptions {
  /** Layout choices kept for the app session: the editor's share of the height, the side panel. */
  layout: { side: "history" | "saved" | null } = { side: null };
  private branches = new Map<string, BranchSql>();
  private tabs = new Map<string, { tab: EditorTab; branch: BranchSql }>();

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
  protected dispatchEditor(tab: EditorTab, spec: TransactionSpec) {
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
    this.layout = { side: null };
    this.clearSubscriptions();
    this.branches.clear();
    this.tabs.clear();
  }
}
