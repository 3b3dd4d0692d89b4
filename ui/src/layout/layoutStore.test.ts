import { beforeEach, describe, expect, it } from "vitest";
import { layout, LAYOUT_STORAGE_KEY, readStoredLayout, SIDEBAR_WIDTH, TREE_WIDTH } from "./layoutStore";

const stored = () => JSON.parse(localStorage.getItem(LAYOUT_STORAGE_KEY) ?? "null") as Record<string, unknown> | null;

beforeEach(() => {
  localStorage.removeItem(LAYOUT_STORAGE_KEY);
  layout.reload();
});

describe("layout state", () => {
  it("starts with both panes open, default widths, and no focus mode", () => {
    expect(layout.get()).toEqual({
      sidebarCollapsed: false,
      treeCollapsed: false,
      sidebarWidth: SIDEBAR_WIDTH.default,
      treeWidth: TREE_WIDTH.default,
      focus: false,
      focusResults: false,
      palette: false,
      review: false,
    });
  });

  it("collapses and restores each pane, remembering it in storage", () => {
    layout.toggleSidebar();
    expect(layout.get().sidebarCollapsed).toBe(true);
    expect(stored()?.sidebarCollapsed).toBe(true);
    layout.toggleTree();
    expect(layout.get().treeCollapsed).toBe(true);
    expect(stored()?.treeCollapsed).toBe(true);

    layout.toggleSidebar();
    expect(layout.get()).toMatchObject({ sidebarCollapsed: false, treeCollapsed: true });
    expect(stored()).toMatchObject({ sidebarCollapsed: false, treeCollapsed: true });
  });

  it("restores collapsed panes and widths from storage, keeping widths within bounds", () => {
    localStorage.setItem(
      LAYOUT_STORAGE_KEY,
      JSON.stringify({ sidebarCollapsed: true, treeCollapsed: false, sidebarWidth: 333, treeWidth: 5000 }),
    );
    layout.reload();
    expect(layout.get()).toMatchObject({
      sidebarCollapsed: true,
      treeCollapsed: false,
      sidebarWidth: 333,
      treeWidth: TREE_WIDTH.max,
    });

    layout.setSidebarWidth(12);
    expect(stored()?.sidebarWidth).toBe(SIDEBAR_WIDTH.min);
  });

  it("falls back to the defaults when storage holds something unreadable", () => {
    localStorage.setItem(LAYOUT_STORAGE_KEY, "{not json");
    expect(readStoredLayout()).toMatchObject({ sidebarCollapsed: false, sidebarWidth: SIDEBAR_WIDTH.default });
    localStorage.setItem(LAYOUT_STORAGE_KEY, JSON.stringify({ sidebarCollapsed: "yes", treeWidth: "wide" }));
    expect(readStoredLayout()).toMatchObject({ sidebarCollapsed: false, treeWidth: TREE_WIDTH.default });
  });

  it("turns focus mode on and off without remembering it", () => {
    layout.toggleFocus();
    expect(layout.get().focus).toBe(true);
    expect(stored()?.focus).toBeUndefined();
    layout.reload();
    expect(layout.get().focus).toBe(false);
    layout.setFocus(true);
    layout.setFocus(false);
    expect(layout.get().focus).toBe(false);
  });

  it("enters focus mode for the results alone, and leaves it whole", () => {
    layout.toggleFocus(true);
    expect(layout.get()).toMatchObject({ focus: true, focusResults: true });
    expect(stored()?.focusResults).toBeUndefined();
    layout.toggleFocus();
    expect(layout.get()).toMatchObject({ focus: false, focusResults: false });
    layout.toggleFocus();
    expect(layout.get()).toMatchObject({ focus: true, focusResults: false });
    layout.setFocus(false);
  });
});
