import type { Branch } from "../bindings/Branch";
import { disabledReasons, type BranchAction, type BranchTabId } from "../components/branches/BranchDetails";
import { comparableParent } from "../compare/diffModel";
import type { Command } from "./commands";
import type { PaneId } from "./panes";
import { shortcutLabel } from "./shortcuts";

/** What the palette's commands do: the same handlers as the buttons. */
export interface CommandHandlers {
  select: (id: string) => void;
  showTab: (tab: BranchTabId) => void;
  action: (a: BranchAction) => void;
  toggleProtect: () => void;
  newSqlTab: () => void;
  compareWithParent: () => void;
  /** Shows the server's deploy requests. */
  showDeploys: () => void;
  /** Opens "Add source…". */
  addSource: () => void;
  toggleSidebar: () => void;
  toggleTree: () => void;
  toggleFocus: () => void;
  /** Moves the keyboard focus into a pane (the SQL tab is shown first for the editor and results). */
  focusPane: (pane: PaneId) => void;
}

interface Context {
  branches: Branch[];
  selected: Branch | null;
  parent: Branch | null;
  focus: boolean;
  sidebarCollapsed: boolean;
  treeCollapsed: boolean;
  /** A protect or unprotect is being saved. */
  protecting: boolean;
}

/** Every command of the palette for the branch shown (or none selected). */
export function branchCommands(ctx: Context, h: CommandHandlers): Command[] {
  const { selected: b, parent } = ctx;
  const none = b ? undefined : "Select a branch first";
  const why = b ? disabledReasons(b, parent) : null;
  const noParent = b && !comparableParent(ctx.branches, b.name) ? "It has no parent to compare with" : undefined;
  const missing = b?.missing ? "Its database is missing" : undefined;
  const cmd = (id: string, group: string, title: string, run: () => void, disabledReason?: string, shortcut?: string): Command => ({
    id,
    group,
    title,
    run,
    disabledReason,
    shortcut,
  });

  const list: Command[] = [
    cmd("sql-new-tab", "SQL", "New query tab", h.newSqlTab, none ?? missing),
    cmd("compare-parent", "Compare", "Compare with parent", h.compareWithParent, none ?? noParent),
    cmd("branch-create", "Branch", "Create child branch…", () => h.action("create"), none ?? why?.create),
    cmd("branch-reset", "Branch", "Reset from parent…", () => h.action("reset"), none ?? why?.reset),
    cmd("deploy-open", "Deploy", "Open deploy request…", () => h.action("deploy"), none ?? why?.deploy),
    cmd("deploy-list", "Deploy", "Show deploy requests", h.showDeploys),
    cmd("source-add", "Source", "Add source…", h.addSource),
    cmd("branch-rebase", "Branch", "Rebase onto parent…", () => h.action("rebase"), none ?? why?.rebase),
  ];
  if (b?.undo_available) list.push(cmd("branch-undo", "Branch", "Undo reset…", () => h.action("undo"), why?.undo));
  list.push(
    cmd("branch-rename", "Branch", "Rename…", () => h.action("rename"), none ?? why?.rename),
    cmd("branch-protect", "Branch", b?.protected ? "Unprotect" : "Protect", h.toggleProtect, none ?? (ctx.protecting ? "Saving…" : undefined)),
    cmd("branch-expire", "Branch", b?.expires_at ? "Change expiry…" : "Set expiry…", () => h.action("expire"), none ?? why?.expire),
    cmd("branch-delete", "Branch", "Delete…", () => h.action("delete"), none ?? why?.delete),
    cmd("tab-overview", "View", "Show overview", () => h.showTab("overview"), none),
    cmd("tab-sql", "View", "Show SQL", () => h.showTab("sql"), none),
    cmd("tab-compare", "View", "Show compare", () => h.showTab("compare"), none),
    cmd(
      "focus",
      "View",
      ctx.focus ? "Leave focus mode" : "Focus mode (SQL or Compare fills the window)",
      h.toggleFocus,
      ctx.focus ? undefined : none,
      shortcutLabel("focus"),
    ),
    cmd(
      "toggle-sidebar",
      "View",
      ctx.sidebarCollapsed ? "Show servers" : "Hide servers",
      h.toggleSidebar,
      undefined,
      shortcutLabel("toggleSidebar"),
    ),
    cmd(
      "toggle-tree",
      "View",
      ctx.treeCollapsed ? "Show branch tree" : "Hide branch tree",
      h.toggleTree,
      undefined,
      shortcutLabel("toggleTree"),
    ),
  );
  list.push(
    cmd("pane-tree", "Focus", "Branch tree", () => h.focusPane("tree"), undefined, "F6"),
    cmd("pane-editor", "Focus", "SQL editor", () => h.focusPane("editor"), none ?? missing, "F6"),
    cmd("pane-results", "Focus", "SQL results", () => h.focusPane("results"), none ?? missing, "F6"),
  );
  for (const other of ctx.branches) {
    if (other.id !== b?.id) list.push(cmd(`goto-${other.id}`, "Go to branch", other.name, () => h.select(other.id)));
  }
  return list;
}
