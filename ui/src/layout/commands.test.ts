import { describe, expect, it, vi } from "vitest";
import { filterCommands, fuzzyScore, type Command } from "./commands";
import { matchShortcut, shortcutLabel } from "./shortcuts";

const cmd = (id: string, group: string, title: string): Command => ({ id, group, title, run: vi.fn() });
const LIST = [
  cmd("sql-new-tab", "SQL", "New query tab"),
  cmd("compare-parent", "Compare", "Compare with parent"),
  cmd("branch-reset", "Branch", "Reset from parent…"),
  cmd("goto-1", "Go to branch", "dev/alex"),
  cmd("goto-2", "Go to branch", "preview/pr-123"),
];

describe("palette commands", () => {
  it("keeps the whole list, in order, for an empty query", () => {
    expect(filterCommands(LIST, "  ")).toEqual(LIST);
  });

  it("filters fuzzily: the query's characters in order, best match first", () => {
    expect(filterCommands(LIST, "cmp par").map((c) => c.id)).toEqual(["compare-parent"]);
    expect(filterCommands(LIST, "alex").map((c) => c.id)).toEqual(["goto-1"]);
    expect(filterCommands(LIST, "pr123").map((c) => c.id)).toEqual(["goto-2"]);
    expect(filterCommands(LIST, "parent").map((c) => c.id).sort()).toEqual(["branch-reset", "compare-parent"]);
    expect(filterCommands(LIST, "comp")[0].id).toBe("compare-parent");
    expect(filterCommands(LIST, "zzz")).toEqual([]);
  });

  it("scores a contiguous match above a scattered one", () => {
    expect(fuzzyScore("reset", "Reset from parent")!).toBeGreaterThan(fuzzyScore("rst", "Reset from parent")!);
    expect(fuzzyScore("x", "abc")).toBeNull();
  });

  it("reads Ctrl on Linux and Windows, ⌘ on macOS", () => {
    const key = (k: string, o: Partial<KeyboardEvent> = {}) =>
      ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o }) as KeyboardEvent;
    expect(matchShortcut(key("k", { ctrlKey: true }), false)).toBe("palette");
    expect(matchShortcut(key("B", { ctrlKey: true, shiftKey: true }), false)).toBe("toggleTree");
    expect(matchShortcut(key("b", { ctrlKey: true }), false)).toBe("toggleSidebar");
    expect(matchShortcut(key(".", { ctrlKey: true }), false)).toBe("focus");
    expect(matchShortcut(key("b", { metaKey: true }), true)).toBe("toggleSidebar");
    expect(matchShortcut(key("b", { ctrlKey: true }), true)).toBeNull();
    expect(matchShortcut(key("k"), false)).toBeNull();
    expect(shortcutLabel("toggleTree", false)).toBe("Ctrl+Shift+B");
    expect(shortcutLabel("palette", true)).toBe("⌘K");
  });
});
