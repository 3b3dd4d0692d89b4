import type { Branch } from "../bindings/Branch";
import { disabledReasons, type BranchAction, type BranchTabId } from "../components/branches/BranchDetails";
import { comparableParent } from "../compare/diffModel";
import type { Command } from "./commands";
import { shortcutLabel } from "./shortcuts";

/** What the palette's commands do: the same handlers as the buttons. */
export interface CommandHandlers {
  select: (id: string) => void;
  showTab: (tab: BranchTabId) => void;
  action: (a: BranchAction) => void;
  toggleProtect: () => void;
  newSqlTab: () => void;
  compareWithParent: () => void;
  toggleSidebar: () => void;
  toggleTree: () => void;
  toggleFocus: () => void;
}

interface Context {
  branches: Branch[];
  selected: Branch | null;
  parent: Branch | null;
  focus: boolean;
  sidebarCollapsed: boolean;
  treeCollapsed: boolean;
}

/** Every command of the palette for the branch shown (or none selected). */
export function branchCommands(ctx: Context, h: CommandHandlers): Command[] {
  const { selected: b, parent } = ctx;
  const list: Command[] = [];
  const none = b ? undefined : "Select a branch first";
  const why = b ? disabledReasons(b, parent) : null;

  list.push(
    { id: "sql-new-tab", group: "SQL", title: "New query tab", disabledReason: none ?? (b?.missing ? "Its database is missing" : undefined), run: h.newSqlTab },
    {
      id: "compare-parent",
      group: "Compare",
      title: "Compare with parent",
      disabledReason: none ?? (b && !comparableParent(ctx.branches, b.name) ? "It has no parent to compare with" : undefined),
      run: h.compareWithParent,
    },
    { id: "branch-create", group: "Branch", title: "Create child branch…", disabledReason: none ?? why?.create, run: () => h.action("create") },
    { id: "branch-reset", group: "Branch", title: "Reset from parent…", disabledReason: none ?? why?.reset, run: () => h.action("reset") },
  );
  if (b?.undo_available) {
    list.push({ id: "branch-undo", group: "Branch", title: "Undo reset…", disabledReason: why?.undo, run: () => h.action("undo") });
  }
  list.push(
    { id: "branch-rename", group: "Branch", title: "Rename…", disabledReason: none ?? why?.rename, run: () => h.action("rename") },
    { id: "branch-protect", group: "Branch", title: b?.protected ? "Unprotect" : "Protect", disabledReason: none, run: h.toggleProtect },
    { id: "branch-expire", group: "Branch", title: b?.expires_at ? "Change expiry…" : "Set expiry…", disabledReason: none ?? why?.expire, run: () => h.action("expire") },
    { id: "branch-delete", group: "Branch", title: "Delete…", disabledReason: none ?? why?.delete, run: () => h.action("delete") },
    { id: "tab-overview", group: "View", title: "Show overview", disabledReason: none, run: () => h.showTab("overview") },
    { id: "tab-sql", group: "View", title: "Show SQL", disabledReason: none, run: () => h.showTab("sql") },
    { id: "tab-compare", group: "View", title: "Show compare", disabledReason: none, run: () => h.showTab("compare") },
    {
      id: "focus",
      group: "View",
      title: ctx.focus ? "Leave focus mode" : "Focus mode (SQL or Compare fills the window)",
      shortcut: shortcutLabel("focus"),
      disabledReason: ctx.focus ? undefined : none,
      run: h.toggleFocus,
    },
    { id: "toggle-sidebar", group: "View", title: ctx.sidebarCollapsed ? "Show servers" : "Hide servers", shortcut: shortcutLabel("toggleSidebar"), run: h.toggleSidebar },
    { id: "toggle-tree", group: "View", title: ctx.treeCollapsed ? "Show branch tree" : "Hide branch tree", shortcut: shortcutLabel("toggleTree"), run: h.toggleTree },
  );
  for (const other of ctx.branches) {
    if (other.id === b?.id) continue;
    list.push({ id: `goto-${other.id}`, group: "Go to branch", title: other.name, run: () => h.select(other.id) });
  }
  return list;
}
