import { useMutation } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { DeleteOutcome } from "../bindings/DeleteOutcome";
import { ancestorIds, buildTree, findNode } from "../branches";
import { formatError } from "../errors";
import { useBranchData } from "../hooks/useBranchData";
import { useNow } from "../hooks/useNow";
import { BranchDetails, type BranchTabId } from "./branches/BranchDetails";
import { BranchesToolbar } from "./branches/BranchesToolbar";
import { BranchTree } from "./branches/BranchTree";
import { RecentlyDeleted } from "./branches/RecentlyDeleted";
import { branchCommands } from "../layout/branchCommands";
import { layout, TREE_WIDTH, useLayout } from "../layout/layoutStore";
import { focusPane } from "../layout/panes";
import { PaletteHost } from "../layout/PaletteHost";
import { SideSplit } from "../layout/SideSplit";
import { sqlStore } from "../sql/store";
import { DeployArea, type DeployNav } from "../deploy/DeployArea";
import { useSources } from "../sources/useSources";
import { BranchIcon, ImportIcon } from "./Icons";
import { ServerDialogs, type ServerDialog } from "./ServerDialogs";

interface Props {
  /** null = the embedded local server, else a saved connection id. */
  server: string | null;
  /** Whether the server can be asked for its branches (the local one must be running). */
  enabled: boolean;
  /** The server's compact header (status and server actions). */
  header: ReactNode;
  /** The server's details, when the user opened them. */
  about: ReactNode;
  /** Shown instead of the branches while not enabled. */
  unavailable?: ReactNode;
}


/** How often relative times ("3 h ago", "expires in 5 h") are recomputed. */
const CLOCK_MS = 30_000;

/** A server's main area: its header, then its branch tree and the selected branch. */
export function ServerView({ server, enabled, header, about, unavailable }: Props) {
  const data = useBranchData(server, enabled);
  const now = useNow(CLOCK_MS);
  const sources = useSources(server, enabled);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<ServerDialog | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  // The pane (Overview, SQL, Compare) stays the same when another branch is selected.
  const [branchTab, setTab] = useState<BranchTabId>("overview");
  const [autoSelected, setAutoSelected] = useState(false);
  // "Compare with parent" from the palette: the branch whose Compare view should run it.
  const [compareRequest, setCompareRequest] = useState<string | null>(null);
  // The deploy requests (list or one request), shown instead of the branches.
  const [deployNav, setDeployNav] = useState<DeployNav | null>(null);
  const lay = useLayout();
  // Focus mode is for SQL and Compare: the overview leaves it.
  const setBranchTab = useCallback((t: BranchTabId) => {
    setTab(t);
    if (t === "overview") layout.setFocus(false);
  }, []);
  const focused = lay.focus;

  const branches = useMemo(() => data.branches ?? [], [data.branches]);
  const roots = useMemo(() => buildTree(branches), [branches]);
  const byId = useMemo(() => new Map(branches.map((b) => [b.id, b])), [branches]);
  const names = useMemo(() => new Set(branches.map((b) => b.name)), [branches]);
  const selected = selectedId !== null ? byId.get(selectedId) ?? null : null;
  // Reviewing (Compare, deploy requests) takes the window's whole width.
  const review = deployNav !== null || (selected !== null && branchTab === "compare");
  useEffect(() => {
    layout.setReview(review);
  }, [review]);
  useEffect(() => () => layout.setReview(false), []);
  const hideTree = lay.treeCollapsed || focused || review;

  const select = useCallback((id: string | null) => {
    setSelectedId(id);
    setActionError(null);
  }, []);

  // First load: show a top-level branch (preferably one with children) rather than an empty pane.
  // Decided while rendering the first answer, so nothing can come between it and a user's click.
  if (data.branches && !autoSelected) {
    setAutoSelected(true);
    const first = roots.find((r) => r.children.length > 0) ?? roots[0];
    if (selectedId === null && first) setSelectedId(first.branch.id);
  }

  // A branch that disappeared (deleted elsewhere, or by housekeeping) cannot stay selected:
  // fall back to its parent when that is still there.
  // A branch an operation just returned may be selected before the list has it: that one did
  // not disappear, it has not arrived yet.
  const lastSeen = useRef<{ id: string; parentId: string | null } | null>(null);
  useEffect(() => {
    if (selected) lastSeen.current = { id: selected.id, parentId: selected.parent_id };
  }, [selected]);
  useEffect(() => {
    const seen = lastSeen.current;
    if (!data.branches || selectedId === null || byId.has(selectedId) || seen?.id !== selectedId) return;
    setSelectedId(seen.parentId !== null && byId.has(seen.parentId) ? seen.parentId : null);
  }, [data.branches, byId, selectedId]);

  // The selected branch is always visible: unfold its ancestors (while rendering, before it shows).
  const foldedAbove = selectedId === null ? [] : ancestorIds(branches, selectedId).filter((id) => collapsed.has(id));
  if (foldedAbove.length > 0) setCollapsed(new Set([...collapsed].filter((id) => !foldedAbove.includes(id))));

  const toggle = useCallback((id: string, open?: boolean) => {
    setCollapsed((c) => {
      const next = new Set(c);
      const shouldOpen = open ?? next.has(id);
      if (shouldOpen) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);

  const closeDialog = useCallback(() => setDialog(null), []);

  /** After an operation returned a branch: show it at once, select it, then reload. */
  const landed = useCallback(
    (b: Branch, selectIt = true) => {
      data.upsert(b);
      if (selectIt) select(b.id);
      setDialog(null);
      void data.reload();
    },
    [data, select],
  );

  const deleted = useCallback(
    (branch: Branch, outcome: DeleteOutcome) => {
      data.removeNames([...outcome.deleted, ...outcome.untracked]);
      const parent = branch.parent_id !== null && byId.has(branch.parent_id) ? branch.parent_id : null;
      select(parent);
      setDialog(null);
      void data.reload();
    },
    [byId, data, select],
  );

  const protect = useMutation({
    mutationFn: (b: Branch) => commands.setBranchProtected(server, b.name, !b.protected),
    onMutate: () => setActionError(null),
    onSuccess: (b) => {
      data.upsert(b);
      void data.reload();
    },
    onError: (e) => setActionError(formatError(e)),
  });

  const selectedParent = selected?.parent_id != null ? byId.get(selected.parent_id) ?? null : null;
  /** `results`: entered from the SQL results, which then get the whole window. */
  const toggleFocus = (results?: boolean) => {
    if (!lay.focus && !selected) return;
    if (!lay.focus && branchTab === "overview") setTab("sql");
    layout.toggleFocus(results === true && branchTab === "sql");
  };
  const paletteCommands = branchCommands(
    {
      branches,
      selected,
      parent: selectedParent,
      focus: lay.focus,
      sidebarCollapsed: lay.sidebarCollapsed,
      treeCollapsed: lay.treeCollapsed,
      protecting: protect.isPending,
    },
    {
      select,
      showTab: setBranchTab,
      action: (kind) => {
        if (!selected) return;
        setActionError(null);
        setDialog({ kind, id: selected.id });
      },
      toggleProtect: () => selected && protect.mutate(selected),
      newSqlTab: () => {
        if (!selected) return;
        sqlStore.addTab(sqlStore.branch({ server, branchId: selected.id, branchName: selected.name }));
        setBranchTab("sql");
      },
      compareWithParent: () => {
        if (!selected) return;
        setCompareRequest(selected.id);
        setBranchTab("compare");
      },
      showDeploys: () => setDeployNav({ view: "list" }),
      addSource: () => setDialog({ kind: "add-source" }),
      toggleSidebar: layout.toggleSidebar,
      toggleTree: layout.toggleTree,
      toggleFocus,
      focusPane: (pane) => {
        if (pane !== "tree" && branchTab !== "sql") setBranchTab("sql");
        // After the palette has closed (it gives the focus back as it goes) and the tab shows.
        setTimeout(() => focusPane(pane), 0);
      },
    },
  );

  // SQL and Compare get the height the server header and the branches toolbar took; the
  // compact branch bar keeps the tree toggle, Overview brings them back.
  const working = (!!selected && (branchTab === "sql" || branchTab === "compare")) || deployNav !== null;
  const total = branches.reduce((sum, b) => sum + (b.missing ? 0 : b.size_bytes ?? 0), 0);
  const node = selected ? findNode(roots, selected.id) : null;
  const undoSnapshot = (b: Branch) =>
    data.snapshots
      .filter((s) => s.kind === "reset-undo" && s.branch_name === b.name)
      .sort((x, y) => Date.parse(y.created_at) - Date.parse(x.created_at))[0] ?? null;

  return (
    <div className={`server-view${focused ? " focused" : ""}${working ? " working" : ""}`}>
      {!focused && !working && header}
      {!focused && !working && about && <div className="server-about">{about}</div>}
      <PaletteHost commands={paletteCommands} onToggleFocus={toggleFocus} />

      {!enabled ? (
        <div className="branches-unavailable">{unavailable}</div>
      ) : deployNav ? (
        <DeployArea
          server={server}
          branches={branches}
          nav={deployNav}
          now={now}
          onNav={setDeployNav}
          onExit={() => setDeployNav(null)}
        />
      ) : data.branches === null ? (
        // Nothing loaded yet: one full-width message instead of two empty panes.
        <div className="branches-unavailable">
          {data.error ? (
            <div className="result-box load-error" data-status="error" data-testid="branch-error" role="alert">
              <div>Could not load the branches: {data.error}</div>
              <button type="button" className="button small" onClick={() => void data.reload()}>
                Retry
              </button>
            </div>
          ) : (
            <div className="empty-state muted">
              <span className="spinner" />
              Loading branches…
            </div>
          )}
        </div>
      ) : (
        <>
          {!focused && !working && (
            <BranchesToolbar
              count={branches.length}
              totalBytes={total}
              loading={data.loading}
              treeCollapsed={lay.treeCollapsed}
              onToggleTree={layout.toggleTree}
              onImport={() => setDialog({ kind: "import" })}
              onAddSource={() => setDialog({ kind: "add-source" })}
              onHousekeeping={() => setDialog({ kind: "housekeeping" })}
              onDeploys={() => setDeployNav({ view: "list" })}
              onReload={() => void data.reload()}
            />
          )}

          <SideSplit
            className="branches-split"
            hidden={hideTree}
            onWidth={(px) => layout.setTreeWidth(px)}
            side={{
              id: "tree-panel",
              className: "tree-panel",
              width: lay.treeWidth,
              limits: TREE_WIDTH,
              handleLabel: "Resize the branch tree",
              content: (
                <nav className="tree-pane" aria-label="Branch tree">
                  {data.error && (
                    <div className="result-box pane-message" data-status="error" data-testid="branch-error" role="alert">
                      <div>Could not refresh the branches: {data.error}</div>
                      <button type="button" className="button small" onClick={() => void data.reload()}>
                        Retry
                      </button>
                    </div>
                  )}
                  {branches.length === 0 && (
                    <div className="empty-state" data-testid="branches-empty">
                      <BranchIcon size={28} />
                      <p>
                        <strong>No branches yet.</strong>
                      </p>
                      <p className="muted">
                        Import one of the server's databases: it becomes the root of a tree you can branch from.
                      </p>
                      <button type="button" className="button primary" onClick={() => setDialog({ kind: "import" })}>
                        <ImportIcon size={12} />
                        Import database
                      </button>
                    </div>
                  )}
                  {roots.length > 0 && (
                    <BranchTree
                      roots={roots}
                      collapsed={collapsed}
                      selectedId={selectedId}
                      now={now}
                      sources={sources}
                      onSelect={select}
                      onToggle={toggle}
                    />
                  )}
                  <RecentlyDeleted
                    snapshots={data.snapshots}
                    names={names}
                    now={now}
                    disabled={false}
                    onRestore={(s) => setDialog({ kind: "restore", snapshot: s })}
                  />
                </nav>
              ),
            }}
            main={{ id: "branch-panel", className: "branch-panel", minSize: 320 }}
          >
              <div className="branch-pane">
                {selected ? (
                  <BranchDetails
                    key={selected.id}
                    server={server}
                    branch={selected}
                    parent={selected.parent_id !== null ? byId.get(selected.parent_id) ?? null : null}
                    childBranches={node?.children.map((c) => c.branch) ?? []}
                    undoSnapshot={undoSnapshot(selected)}
                    now={now}
                    protecting={protect.isPending}
                    error={actionError}
                    onDismissError={() => setActionError(null)}
                    onSelect={select}
                    onAction={(kind) => {
                      setActionError(null);
                      setDialog({ kind, id: selected.id });
                    }}
                    onToggleProtect={() => protect.mutate(selected)}
                    branches={branches}
                    tab={branchTab}
                    onTab={setBranchTab}
                    focused={focused}
                    onToggleFocus={toggleFocus}
                    treeCollapsed={lay.treeCollapsed}
                    onToggleTree={review ? undefined : layout.toggleTree}
                    compareWithParent={compareRequest === selected.id}
                    onCompareStarted={() => setCompareRequest(null)}
                  />
                ) : (
                  branches.length > 0 && (
                    <div className="empty-state" data-testid="branch-none-selected">
                      <p className="muted">Select a branch to see its details and actions.</p>
                    </div>
                  )
                )}
              </div>
          </SideSplit>
        </>
      )}

      <ServerDialogs
        server={server}
        dialog={dialog}
        branches={branches}
        byId={byId}
        names={names}
        roots={roots}
        snapshots={data.snapshots}
        undoSnapshot={undoSnapshot}
        onClose={closeDialog}
        onLanded={landed}
        onDeleted={deleted}
        onReload={() => void data.reload()}
        onDeployOpened={(check) => {
          setDialog(null);
          setDeployNav({ view: "request", request: check.request, check });
        }}
      />
    </div>
  );
}
