import { describe, expect, it } from "vitest";
import {
  ancestorIds,
  buildTree,
  descendantsOf,
  expiryLabel,
  formatAge,
  formatBytes,
  formatElapsed,
  validateBranchName,
  visibleNodes,
  type BranchNode,
} from "../branches";
import { branch } from "./mockApi";

const shape = (nodes: BranchNode[]): unknown =>
  nodes.map((n) => (n.children.length ? { [n.branch.name]: shape(n.children) } : n.branch.name));

describe("buildTree", () => {
  it("nests a flat list by parent and sorts siblings by name", () => {
    const list = [
      branch({ name: "preview/pr-123", parent: "main" }),
      branch({ name: "dev/alex", parent: "main" }),
      branch({ name: "main" }),
      branch({ name: "dev/alex/fix", parent: "dev/alex" }),
      branch({ name: "analytics" }),
    ];
    const roots = buildTree(list);
    expect(shape(roots)).toEqual([
      "analytics",
      { main: [{ "dev/alex": ["dev/alex/fix"] }, "preview/pr-123"] },
    ]);
    const main = roots[1];
    expect(main.depth).toBe(0);
    expect(main.children[0].depth).toBe(1);
    expect(main.children[0].children[0].depth).toBe(2);
    expect(roots.every((r) => !r.detached)).toBe(true);
  });

  it("shows branches whose parent is not in the list at the top level, marked detached", () => {
    const list = [
      branch({ name: "main" }),
      branch({ name: "orphan", parent: "deleted-parent" }),
      branch({ name: "orphan/child", parent: "orphan" }),
    ];
    const roots = buildTree(list);
    expect(shape(roots)).toEqual(["main", { orphan: ["orphan/child"] }]);
    expect(roots.find((r) => r.branch.name === "orphan")?.detached).toBe(true);
    expect(roots.find((r) => r.branch.name === "main")?.detached).toBe(false);
  });

  it("survives a parent cycle without losing branches", () => {
    const list = [
      branch({ name: "a", parent: "b", is_root: false }),
      branch({ name: "b", parent: "a", is_root: false }),
      branch({ name: "c" }),
    ];
    const roots = buildTree(list);
    const all = visibleNodes(roots).map((n) => n.branch.name).sort();
    expect(all).toEqual(["a", "b", "c"]);
  });

  it("lists visible nodes in order, skipping collapsed children", () => {
    const list = [
      branch({ name: "main" }),
      branch({ name: "dev", parent: "main" }),
      branch({ name: "dev/x", parent: "dev" }),
      branch({ name: "qa", parent: "main" }),
    ];
    const roots = buildTree(list);
    expect(visibleNodes(roots).map((n) => n.branch.name)).toEqual(["main", "dev", "dev/x", "qa"]);
    expect(visibleNodes(roots, new Set(["id-dev"])).map((n) => n.branch.name)).toEqual(["main", "dev", "qa"]);
    expect(descendantsOf(roots[0]).map((b) => b.name)).toEqual(["dev", "dev/x", "qa"]);
    expect(ancestorIds(list, "id-dev/x")).toEqual(["id-dev", "id-main"]);
  });
});

describe("validateBranchName", () => {
  it("requires a name", () => {
    expect(validateBranchName("")).toBe("Name is required.");
  });

  it("counts the limit in UTF-8 bytes, not characters", () => {
    expect(validateBranchName("a".repeat(63))).toBeNull();
    expect(validateBranchName("a".repeat(64))).toMatch(/64 bytes.*at most 63/);
    // 32 characters, 64 bytes.
    expect(validateBranchName("ü".repeat(32))).toMatch(/64 bytes/);
    expect(validateBranchName("🌳".repeat(15))).toBeNull(); // 60 bytes
    expect(validateBranchName("🌳".repeat(16))).toMatch(/64 bytes/);
  });

  it("accepts names with slashes and rejects what the backend rejects", () => {
    expect(validateBranchName("dev/alex")).toBeNull();
    expect(validateBranchName("preview/pr-123")).toBeNull();
    expect(validateBranchName(" x")).toMatch(/white space/);
    expect(validateBranchName("x\n")).toMatch(/white space|control/);
    expect(validateBranchName("a\u0000b")).toMatch(/control/);
    expect(validateBranchName("grove_tmp")).toMatch(/reserved/);
    expect(validateBranchName("GROVE_x")).toMatch(/reserved/);
    expect(validateBranchName("postgres")).toMatch(/reserved/);
    expect(validateBranchName("Postgres")).toBeNull();
    expect(validateBranchName("dev", ["main", "dev"])).toMatch(/already exists/);
  });
});

describe("formatting", () => {
  it("formats sizes like pg_size_pretty", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(812)).toBe("812 bytes");
    expect(formatBytes(1536)).toBe("1.5 kB");
    expect(formatBytes(7.9 * 1024 * 1024)).toBe("7.9 MB");
    expect(formatBytes(12 * 1024 ** 3)).toBe("12 GB");
  });

  it("formats ages and expiries", () => {
    const now = Date.parse("2025-06-01T12:00:00Z");
    expect(formatAge("2025-06-01T11:59:50Z", now)).toBe("just now");
    expect(formatAge("2025-06-01T11:55:00Z", now)).toBe("5 min ago");
    expect(formatAge("2025-06-01T09:00:00Z", now)).toBe("3 h ago");
    expect(formatAge("2025-05-28T12:00:00Z", now)).toBe("4 d ago");
    expect(expiryLabel("2025-06-01T17:00:00Z", now)).toBe("expires in 5 h");
    expect(expiryLabel("2025-06-01T11:00:00Z", now)).toBe("expired");
    expect(formatElapsed(7_400)).toBe("0:07");
    expect(formatElapsed(3_723_000)).toBe("1:02:03");
  });
});
