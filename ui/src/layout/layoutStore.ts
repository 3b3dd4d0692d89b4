import { useSyncExternalStore } from "react";

/**
 * The window's layout: which side panes are collapsed, how wide they are, and focus mode
 * (SQL or Compare gets the whole window). Collapsed state and widths are remembered in
 * localStorage; focus mode, review and the open palette are not (a restart shows the panes again).
 */
export interface LayoutState {
  sidebarCollapsed: boolean;
  treeCollapsed: boolean;
  /** Width of the servers sidebar, in pixels. */
  sidebarWidth: number;
  /** Width of the branch tree, in pixels. */
  treeWidth: number;
  focus: boolean;
  /** In focus mode, the SQL tab shows only its results (focus mode entered from the grid). */
  focusResults: boolean;
  /** The command palette is open. */
  palette: boolean;
  /** Reviewing (Compare, deploy requests): the review gets the window's whole width. */
  review: boolean;
}

export const LAYOUT_STORAGE_KEY = "grove.layout";
export const SIDEBAR_WIDTH = { min: 180, default: 260, max: 520 };
export const TREE_WIDTH = { min: 180, default: 260, max: 560 };

const DEFAULTS: LayoutState = {
  sidebarCollapsed: false,
  treeCollapsed: false,
  sidebarWidth: SIDEBAR_WIDTH.default,
  treeWidth: TREE_WIDTH.default,
  focus: false,
  focusResults: false,
  palette: false,
  review: false,
};

function clamp(value: unknown, range: { min: number; default: number; max: number }): number {
  if (typeof value !== "number" || !Number.isFinite(value)) return range.default;
  return Math.round(Math.max(range.min, Math.min(range.max, value)));
}

/** The remembered layout (defaults for anything missing or unreadable). */
export function readStoredLayout(): LayoutState {
  let saved: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(LAYOUT_STORAGE_KEY) ?? "{}");
    if (parsed && typeof parsed === "object") saved = parsed as Record<string, unknown>;
  } catch {
    // Unreadable: the defaults.
  }
  return {
    sidebarCollapsed: saved.sidebarCollapsed === true,
    treeCollapsed: saved.treeCollapsed === true,
    sidebarWidth: clamp(saved.sidebarWidth, SIDEBAR_WIDTH),
    treeWidth: clamp(saved.treeWidth, TREE_WIDTH),
    focus: false,
    focusResults: false,
    palette: false,
    review: false,
  };
}

let state: LayoutState = DEFAULTS;
let loaded = false;
const listeners = new Set<() => void>();

function current(): LayoutState {
  if (!loaded) {
    loaded = true;
    state = readStoredLayout();
  }
  return state;
}

function update(patch: Partial<LayoutState>) {
  state = { ...current(), ...patch };
  try {
    const { focus: _focus, focusResults: _results, palette: _palette, review: _review, ...saved } = state;
    localStorage.setItem(LAYOUT_STORAGE_KEY, JSON.stringify(saved));
  } catch {
    // Storage unavailable: the layout lasts as long as the window.
  }
  listeners.forEach((l) => l());
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export const layout = {
  get: current,
  toggleSidebar: () => update({ sidebarCollapsed: !current().sidebarCollapsed }),
  toggleTree: () => update({ treeCollapsed: !current().treeCollapsed }),
  setFocus: (focus: boolean) => {
    if (current().focus !== focus) update({ focus, focusResults: false });
  },
  /** Enters focus mode (only the results, when `results`) or leaves it. */
  toggleFocus: (results = false) =>
    update(current().focus ? { focus: false, focusResults: false } : { focus: true, focusResults: results }),
  setPalette: (palette: boolean) => {
    if (current().palette !== palette) update({ palette });
  },
  setReview: (review: boolean) => {
    if (current().review !== review) update({ review });
  },
  setSidebarWidth: (px: number) => update({ sidebarWidth: clamp(px, SIDEBAR_WIDTH) }),
  setTreeWidth: (px: number) => update({ treeWidth: clamp(px, TREE_WIDTH) }),
  /** Reads the remembered layout again (a new window; tests). */
  reload: () => {
    loaded = false;
    current();
    listeners.forEach((l) => l());
  },
};

export function useLayout(): LayoutState {
  return useSyncExternalStore(subscribe, current);
}
