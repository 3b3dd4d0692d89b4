// The SQL pane of a branch: editor tabs (each its own session), the toolbar, the editor, the
// results and the history / saved queries panel.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Group, Panel, Separator, useDefaultLayout } from "react-resizable-panels";
import type { Branch } from "../bindings/Branch";
import type { SavedQuery } from "../bindings/SavedQuery";
import type { TxStatus } from "../bindings/TxStatus";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { ClockIcon, CloseIcon, LockIcon, PlayIcon, PlusIcon, RefreshIcon, StopIcon, UnlockIcon, WarnIcon } from "../components/Icons";
import { onSaveRequest, runTab } from "./actions";
import { modKey } from "./ResultGrid";
import { ResultsPane } from "./ResultsPane";
import { SaveQueryDialog } from "./SaveQueryDialog";
import { SidePanel, type SideTab } from "./SidePanel";
import { SqlEditor } from "./SqlEditor";
import { historyServerId, keys, type BranchSql, type EditorTab, type RunMode } from "./editorModel";
import { sqlStore, useStoreVersion } from "./store";
import { useLayout } from "../layout/layoutStore";
import "./sql.css";

interface Props {
  /** null = the embedded local server, else a saved connection id. */
  server: string | null;
  branch: Branch;
}

const TX_LABEL: Record<TxStatus, string> = {
  idle: "idle",
  in_transaction: "in transaction",
  failed: "failed",
  closed: "disconnected",
};

const TX_HELP: Record<TxStatus, string> = {
  idle: "No transaction is open: every statement commits on its own.",
  in_transaction: "A transaction is open: COMMIT or ROLLBACK to end it. Closing the tab rolls it back.",
  failed: "The open transaction failed: ROLLBACK to continue.",
  closed: "The connection was lost: the next run opens a new session.",
};

export function SqlPanel({ server, branch }: Props) {
  const b = sqlStore.branch({ server, branchId: branch.id, branchName: branch.name });
  useStoreVersion(keys.branch(b.key));
  const opened = useRef(false);

  // A branch's SQL pane starts with one tab; later (even with none left) it keeps what the user did.
  useEffect(() => {
    if (b.counter === 0 && !opened.current) {
      opened.current = true;
      sqlStore.addTab(b);
    }
    if (b.schemaStatus === "idle") void sqlStore.loadSchema(b);
  }, [b]);

  if (branch.missing) {
    return (
      <div className="sql-panel empty-state" data-testid="sql-panel">
        <WarnIcon size={20} />
        <p className="muted">This branch's database is missing: there is nothing to query.</p>
      </div>
    );
  }

  const tab = b.tabs.find((t) => t.id === b.activeTabId) ?? null;
  return (
    <div className="sql-panel" data-testid="sql-panel" id="sql-panel">
      <TabBar b={b} />
      {tab ? (
        <TabView key={tab.id} b={b} tab={tab} server={server} branch={branch} />
      ) : (
        <div className="empty-state sql-no-tabs">
          <p className="muted">No query tabs are open.</p>
          <button type="button" className="button primary" onClick={() => sqlStore.addTab(b)}>
            <PlusIcon size={12} /> New query tab
          </button>
        </div>
      )}
    </div>
  );
}

function TabBar({ b }: { b: BranchSql }) {
  useStoreVersion(keys.layout);
  const side = sqlStore.layout.side;
  const active = b.tabs.find((t) => t.id === b.activeTabId) ?? null;
  const [renaming, setRenaming] = useState<string | null>(null);
  const [closing, setClosing] = useState<EditorTab | null>(null);
  const [dragId, setDragId] = useState<string | null>(null);

  const schemaTitle =
    b.schemaStatus === "loading"
      ? "Loading the schema for autocomplete…"
      : b.schemaStatus === "error"
        ? `Could not load the schema for autocomplete: ${b.schemaError}. Click to retry.`
        : b.schema
          ? `Autocomplete knows ${b.schema.relations.length} tables and views and ${b.schema.functions.length} functions. Click to reload the schema.`
          : "Load the schema for autocomplete";

  const close = (t: EditorTab) => {
    const tx = t.info?.tx_status;
    if (t.run?.running || tx === "in_transaction" || tx === "failed") setClosing(t);
    else sqlStore.closeTab(b, t.id);
  };

  return (
    <div className="sql-tabbar">
      <div className="sql-tabs" role="tablist" aria-label="Query tabs">
        {b.tabs.map((t, i) => (
          <TabChip
            key={t.id}
            tab={t}
            active={t.id === b.activeTabId}
            renaming={renaming === t.id}
            dragging={dragId === t.id}
            onSelect={() => sqlStore.selectTab(b, t.id)}
            onRename={(name) => {
              if (name !== null) sqlStore.renameTab(t, name);
              setRenaming(null);
            }}
            onStartRename={() => setRenaming(t.id)}
            onClose={() => close(t)}
            onDragStart={() => setDragId(t.id)}
            onDragEnd={() => setDragId(null)}
            onDrop={() => {
              if (dragId && dragId !== t.id) sqlStore.moveTab(b, dragId, i);
              setDragId(null);
            }}
          />
        ))}
        <button
          type="button"
          className="icon-button sql-add-tab"
          id="sql-add-tab"
          data-testid="sql-add-tab"
          title="New query tab (its own session)"
          aria-label="New query tab"
          onClick={() => sqlStore.addTab(b)}
        >
          <PlusIcon size={13} />
        </button>
      </div>
      <span className="spacer" />
      <div className="sql-tabbar-tools">
        {active && <SessionBadges key={active.id} tab={active} branch={b.branchName} />}
        <button
          type="button"
          className={`icon-button${b.schemaStatus === "error" ? " warn" : ""}`}
          id="sql-refresh-schema"
          data-testid="sql-refresh-schema"
          disabled={b.schemaStatus === "loading"}
          title={schemaTitle}
          aria-label="Reload the schema for autocomplete"
          onClick={() => void sqlStore.loadSchema(b)}
        >
          {b.schemaStatus === "loading" ? <span className="spinner small" /> : <RefreshIcon size={13} />}
        </button>
        <button
          type="button"
          className={`button small${side ? " active" : ""}`}
          id="sql-history-toggle"
          data-testid="sql-history-toggle"
          aria-pressed={side !== null}
          title="Run history and saved queries"
          onClick={() => sqlStore.setSide(side ? null : "history")}
        >
          <ClockIcon size={12} /> History
        </button>
      </div>
      {closing && (
        <ConfirmDialog
          title="Close query tab"
          message={
            closing.run?.running
              ? `“${closing.title}” is still running. Closing it cancels the query${
                  closing.info?.tx_status === "in_transaction" ? " and rolls back its open transaction" : ""
                }.`
              : `“${closing.title}” has an open transaction. Closing the tab rolls it back: its uncommitted changes are lost.`
          }
          confirmLabel="Close tab"
          onConfirm={async () => sqlStore.closeTab(b, closing.id)}
          onClose={() => setClosing(null)}
        />
      )}
    </div>
  );
}

function TabChip(props: {
  tab: EditorTab;
  active: boolean;
  renaming: boolean;
  dragging: boolean;
  onSelect: () => void;
  onStartRename: () => void;
  onRename: (name: string | null) => void;
  onClose: () => void;
  onDragStart: () => void;
  onDragEnd: () => void;
  onDrop: () => void;
}) {
  const { tab: t, active } = props;
  useStoreVersion(keys.tab(t.id));
  const [draft, setDraft] = useState(t.title);
  const running = !!t.run?.running;
  const tx = t.info?.tx_status;
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") props.onRename(draft);
    else if (e.key === "Escape") props.onRename(null);
  };
  return (
    <div
      className={`sql-tab${active ? " active" : ""}${props.dragging ? " dragging" : ""}`}
      role="tab"
      aria-selected={active}
      data-testid="sql-tab"
      data-title={t.title}
      data-active={active ? "true" : "false"}
      data-running={running ? "true" : "false"}
      draggable={!props.renaming}
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = "move";
        props.onDragStart();
      }}
      onDragEnd={props.onDragEnd}
      onDragOver={(e) => e.preventDefault()}
      onDrop={(e) => {
        e.preventDefault();
        props.onDrop();
      }}
      onMouseDown={(e) => {
        if (e.button === 1) {
          e.preventDefault();
          props.onClose();
        }
      }}
    >
      {props.renaming ? (
        <input
          className="sql-tab-rename"
          data-testid="sql-tab-rename"
          aria-label="Tab name"
          autoFocus
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => props.onRename(draft)}
          onFocus={(e) => e.currentTarget.select()}
        />
      ) : (
        <button
          type="button"
          className="sql-tab-title"
          title={`${t.title}\nDouble-click to rename`}
          onClick={props.onSelect}
          onDoubleClick={() => {
            setDraft(t.title);
            props.onStartRename();
          }}
        >
          {running ? (
            <span className="spinner small" aria-label="Running" />
          ) : tx === "in_transaction" || tx === "failed" ? (
            <span className={`tx-dot ${tx}`} title={TX_HELP[tx]} />
          ) : null}
          <span className="sql-tab-text">{t.title}</span>
        </button>
      )}
      <button
        type="button"
        className="sql-tab-close"
        data-testid="sql-tab-close"
        aria-label={`Close ${t.title}`}
        title="Close tab"
        onClick={(e) => {
          e.stopPropagation();
          props.onClose();
        }}
      >
        <CloseIcon size={10} />
      </button>
    </div>
  );
}

function TabView({ b, tab, server, branch }: { b: BranchSql; tab: EditorTab; server: string | null; branch: Branch }) {
  useStoreVersion(keys.tab(tab.id));
  useStoreVersion(keys.layout);
  const layout = sqlStore.layout;
  const side = layout.side;
  const split = useDefaultLayout({ id: "grove.sql-split", panelIds: ["sql-editor-panel", "sql-results-panel"], storage: localStorage });
  const [saving, setSaving] = useState(false);
  const shell = useLayout();
  const resultsOnly = shell.focus && shell.focusResults;

  const setSide = (s: SideTab | null) => sqlStore.setSide(s);

  useEffect(() => onSaveRequest(tab.id, () => setSaving(true)), [tab.id]);

  const run = tab.run;
  const running = !!run?.running;
  const canRun = !running && !tab.empty;
  const go = (mode: RunMode) => runTab(tab.id, mode);

  const reveal = useCallback(
    (pos: number) => {
      const v = tab.view;
      if (!v) return;
      const p = Math.min(pos, v.state.doc.length);
      v.dispatch({ selection: { anchor: p }, scrollIntoView: true });
      v.focus();
    },
    [tab],
  );

  const load = (sql: string, saved?: SavedQuery) => {
    if (saved && !tab.empty) {
      sqlStore.addTab(b, { title: saved.name, doc: sql, savedQueryId: saved.id });
      return;
    }
    sqlStore.setDoc(tab, sql);
    if (saved) sqlStore.linkSavedQuery(tab, saved);
  };

  // Focus mode entered from the results: they get the whole height, the editor waits.
  if (resultsOnly) {
    return (
      <div className="sql-tabview">
        <div className="sql-body results-only">
          <ResultsPane tab={tab} server={server} branch={branch.name} onReveal={reveal} />
        </div>
      </div>
    );
  }

  const mod = modKey();
  return (
    <div className="sql-tabview">
      <div className="sql-toolbar" role="toolbar" aria-label="SQL actions">
        <div className="action-group">
          <button
            type="button"
            className="button primary"
            id="sql-run"
            data-testid="sql-run"
            disabled={!canRun}
            title={`Run the statement at the cursor, or the selection (${mod}Enter)`}
            onClick={() => go("statement")}
          >
            <PlayIcon size={11} /> Run
          </button>
          <button
            type="button"
            className="button"
            id="sql-run-all"
            data-testid="sql-run-all"
            disabled={!canRun}
            title={`Run the whole script (Shift+${mod}Enter)`}
            onClick={() => go("script")}
          >
            <PlayIcon size={11} /> Run all
          </button>
          <button
            type="button"
            className="button"
            id="sql-cancel"
            data-testid="sql-cancel"
            disabled={!running || !!run?.cancelling}
            title="Cancel the running query (the session stays open)"
            onClick={() => void sqlStore.cancel(tab)}
          >
            <StopIcon size={11} /> {run?.cancelling ? "Cancelling…" : "Cancel"}
          </button>
        </div>
        <div className="action-group">
          <button
            type="button"
            className="button"
            id="sql-explain"
            data-testid="sql-explain"
            disabled={!canRun}
            title="Show the plan of the statement at the cursor (EXPLAIN)"
            onClick={() => go("explain")}
          >
            Explain
          </button>
          <button
            type="button"
            className="button"
            id="sql-explain-analyze"
            data-testid="sql-explain-analyze"
            disabled={!canRun}
            title="Run the statement at the cursor and show its plan with actual times (EXPLAIN ANALYZE, BUFFERS). Data-changing statements are rolled back."
            onClick={() => go("explain-analyze")}
          >
            Explain analyze
          </button>
        </div>
        <div className="action-group">
          <button
            type="button"
            className="button"
            id="sql-save-query"
            data-testid="sql-save-query"
            disabled={tab.empty}
            title={`Save the editor's text as a named query (${mod}S)`}
            onClick={() => setSaving(true)}
          >
            Save query
          </button>
        </div>
      </div>

      {tab.session === "error" && (
        <div className="result-box dismissible sql-session-error" data-status="error" data-testid="sql-session-error" role="alert">
          <span>Could not open a session on “{branch.name}”: {tab.sessionError}</span>
          <button type="button" className="button small" onClick={() => void sqlStore.ensureSession(b, tab)}>
            Retry
          </button>
        </div>
      )}

      <div className="sql-body">
        <Group
          className="sql-split"
          orientation="vertical"
          defaultLayout={split.defaultLayout}
          onLayoutChanged={split.onLayoutChanged}
        >
          {/* About 12 lines of SQL by default; the results take the rest. */}
          <Panel id="sql-editor-panel" className="sql-split-pane" defaultSize="238px" minSize={80}>
            <SqlEditor b={b} tab={tab} autoFocus />
          </Panel>
          <Separator className="sql-splitter" aria-label="Resize the editor" />
          <Panel id="sql-results-panel" className="sql-split-pane" minSize={80}>
            <ResultsPane tab={tab} server={server} branch={branch.name} onReveal={reveal} />
          </Panel>
        </Group>
        {side && (
          <SidePanel server={server} branch={branch.name} tab={side} onTab={setSide} onLoad={load} onClose={() => setSide(null)} />
        )}
      </div>

      {saving && (
        <SaveQueryDialog
          serverId={historyServerId(server)}
          branch={branch.name}
          sql={sqlStore.docText(tab)}
          title={tab.title}
          savedId={tab.savedQueryId}
          onClose={() => setSaving(false)}
          onSaved={(q) => {
            setSaving(false);
            sqlStore.linkSavedQuery(tab, q);
            sqlStore.emit(keys.saved);
          }}
        />
      )}
    </div>
  );
}

/** The active tab's session: connecting, its transaction status, read-only with Unlock. */
function SessionBadges({ tab, branch }: { tab: EditorTab; branch: string }) {
  useStoreVersion(keys.tab(tab.id));
  const [unlocking, setUnlocking] = useState(false);
  const info = tab.info;
  const running = !!tab.run?.running;
  return (
    <>
      {tab.session === "opening" && (
        <span className="sql-badge muted" data-testid="sql-connecting">
          <span className="spinner small" /> Connecting…
        </span>
      )}
      {info && tab.session !== "opening" && (
        <span
          className={`sql-badge tx-${info.tx_status}`}
          id="sql-tx-status"
          data-testid="sql-tx-status"
          data-status={info.tx_status}
          title={TX_HELP[info.tx_status]}
        >
          {TX_LABEL[info.tx_status]}
        </span>
      )}
      {info?.read_only && (
        <span className="sql-readonly-group">
          <span
            className="sql-badge readonly"
            id="sql-readonly"
            data-testid="sql-readonly"
            title="This branch is protected: the tab's session is read-only"
          >
            <LockIcon size={11} /> read-only
          </span>
          <button
            type="button"
            className="button small"
            id="sql-unlock"
            data-testid="sql-unlock"
            disabled={running}
            onClick={() => setUnlocking(true)}
          >
            <UnlockIcon size={11} /> Unlock
          </button>
        </span>
      )}
      {unlocking && (
        <ConfirmDialog
          title="Unlock this tab"
          message={`“${branch}” is protected, so this tab's session is read-only. Unlocking lets statements in this tab change the branch's data and schema until the tab is closed or its session is reopened. The branch stays protected against reset, rename and delete.`}
          confirmLabel="Unlock"
          onConfirm={() => sqlStore.unlock(tab)}
          onClose={() => setUnlocking(false)}
        />
      )}
    </>
  );
}
