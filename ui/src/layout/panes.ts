/**
 * The panes the keyboard focus moves between with F6 (Shift+F6 backwards), in screen order:
 * the branch tree, the SQL editor, the SQL results. Panes not on screen are skipped.
 */
export type PaneId = "tree" | "editor" | "results";

interface Pane {
  id: PaneId;
  /** The pane's area: the focus is "in" the pane when it is inside this. */
  area: string;
  /** What gets the focus when the pane is entered. */
  target: string;
}

const PANES: Pane[] = [
  { id: "tree", area: "#branch-tree", target: '#branch-tree [role="treeitem"][tabindex="0"]' },
  { id: "editor", area: '[data-testid="sql-editor"]', target: '[data-testid="sql-editor"] .cm-content' },
  { id: "results", area: '[data-testid="sql-results"]', target: '[data-testid="result-grid"]' },
];

/** The pane the focus is in now, if any. */
export function currentPane(doc: Document = document): PaneId | null {
  const active = doc.activeElement;
  if (!active) return null;
  return PANES.find((p) => active.closest(p.area) !== null)?.id ?? null;
}

/** Moves the focus into a pane; false when it is not on screen. */
export function focusPane(id: PaneId, doc: Document = document): boolean {
  const pane = PANES.find((p) => p.id === id);
  const el = pane ? doc.querySelector<HTMLElement>(pane.target) : null;
  if (!el) return false;
  el.focus();
  return true;
}

/** Moves the focus to the next pane on screen (the previous one when `back`); returns it. */
export function cyclePane(back = false, doc: Document = document): PaneId | null {
  const shown = PANES.filter((p) => doc.querySelector(p.target) !== null);
  if (shown.length === 0) return null;
  const at = shown.findIndex((p) => p.id === currentPane(doc));
  const step = back ? -1 : 1;
  const next = at < 0 ? (back ? shown.length - 1 : 0) : (at + step + shown.length) % shown.length;
  focusPane(shown[next].id, doc);
  return shown[next].id;
}
