import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { ServerView } from "../components/ServerView";
import { sqlStore } from "../sql/store";
import { installRangeRects, makeSqlCommands, type SqlCommands } from "../sql/testSupport";
import { branch, localStatus } from "../test/mockApi";
import { render } from "../test/render";
import { layout, LAYOUT_STORAGE_KEY } from "./layoutStore";

const api = vi.hoisted(() => ({ commands: {} as SqlCommands }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
  onSqlRun: async () => () => {},
}));

const main = branch({ name: "main" });
const dev = branch({ name: "dev/alex", parent: "main" });

let restoreRects: () => void;
beforeAll(() => {
  restoreRects = installRangeRects();
});
afterAll(() => restoreRects());

beforeEach(() => {
  sqlStore.reset();
  api.commands = makeSqlCommands();
  api.commands.listBranches.mockResolvedValue([main, dev]);
  // The comparison never answers here: only the layout is under test.
  api.commands.diffBranches.mockImplementation(() => new Promise(() => {}));
});

const key = (k: string, o: KeyboardEventInit = {}) => fireEvent.keyDown(window, { key: k, ctrlKey: true, ...o });
const tree = () => screen.queryByRole("navigation", { name: "Branch tree" });

async function renderServer() {
  render(<ServerView server="c1" enabled header={<div data-testid="server-header">header</div>} about={null} />);
  await screen.findAllByTestId("branch-node");
  await screen.findByTestId("branch-details");
}

describe("layout", () => {
  it("collapses the servers sidebar with its button and Ctrl+B, and remembers it", async () => {
    api.commands.localStatus.mockResolvedValue(localStatus({ state: "stopped", port: null }));
    api.commands.listConnections.mockResolvedValue([]);
    render(<App />);
    await screen.findByTestId("server-list");

    fireEvent.click(screen.getByTestId("sidebar-collapse"));
    await waitFor(() => expect(screen.queryByTestId("server-list")).toBeNull());
    expect(JSON.parse(localStorage.getItem(LAYOUT_STORAGE_KEY)!).sidebarCollapsed).toBe(true);

    fireEvent.click(screen.getByTestId("sidebar-expand"));
    await screen.findByTestId("server-list");

    key("b");
    await waitFor(() => expect(screen.queryByTestId("server-list")).toBeNull());
    key("b");
    await screen.findByTestId("server-list");
    expect(JSON.parse(localStorage.getItem(LAYOUT_STORAGE_KEY)!).sidebarCollapsed).toBe(false);
  });

  it("starts with the panes the user collapsed last time", async () => {
    localStorage.setItem(LAYOUT_STORAGE_KEY, JSON.stringify({ sidebarCollapsed: true, treeCollapsed: true }));
    act(() => layout.reload());
    api.commands.localStatus.mockResolvedValue(localStatus({ state: "running" }));
    api.commands.listConnections.mockResolvedValue([]);
    render(<App />);
    await screen.findByTestId("branch-details");
    expect(screen.queryByTestId("server-list")).toBeNull();
    expect(screen.getByTestId("sidebar-expand")).not.toBeNull();
    expect(tree()).toBeNull();
    expect(screen.getByTestId("tree-toggle").getAttribute("aria-pressed")).toBe("false");
  });

  it("collapses the branch tree with its button and Ctrl+Shift+B", async () => {
    await renderServer();
    expect(tree()).not.toBeNull();
    key("B", { shiftKey: true });
    await waitFor(() => expect(tree()).toBeNull());
    expect(screen.getByTestId("branch-details")).not.toBeNull();
    fireEvent.click(screen.getByTestId("tree-toggle"));
    await waitFor(() => expect(tree()).not.toBeNull());
  });

  it("folds the branch header into one bar in Compare, with the actions in a menu", async () => {
    await renderServer();
    fireEvent.click(screen.getAllByTestId("branch-node").find((n) => n.getAttribute("data-name") === "dev/alex")!.querySelector(".branch-label")!);
    await waitFor(() => expect(screen.getByTestId("branch-details").getAttribute("data-name")).toBe("dev/alex"));
    expect(screen.getByTestId("branch-reset")).not.toBeNull();

    fireEvent.click(screen.getByTestId("branch-tab-compare"));
    await screen.findByTestId("branch-compact");
    expect(screen.queryByTestId("branch-reset")).toBeNull();
    fireEvent.click(screen.getByTestId("branch-actions-menu"));
    const menu = await screen.findByRole("menu");
    expect(within(menu).getAllByRole("menuitem").map((i) => i.textContent)).toEqual([
      "Create child…",
      "Reset from parent…",
      "Open deploy request…",
      "Rebase onto parent…",
      "Rename…",
      "Protect",
      "Set expiry…",
      "Delete…",
    ]);
    await waitFor(() => expect(document.activeElement?.id).toBe("branch-menu-create-child"));
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement?.id).toBe("branch-menu-reset");
    fireEvent.click(document.activeElement!);
    await screen.findByTestId("reset-dialog");
  });

  it("restores the split between the SQL editor and its results from storage", async () => {
    const saved = "react-resizable-panels:grove.sql-split:sql-editor-panel:sql-results-panel";
    localStorage.setItem(saved, JSON.stringify({ "sql-editor-panel": 70, "sql-results-panel": 30 }));
    try {
      await renderServer();
      fireEvent.click(screen.getByTestId("branch-tab-sql"));
      const editor = await screen.findByTestId("sql-editor-panel");
      await waitFor(() => expect(editor.style.flexGrow).toBe("70"));
      expect(screen.getByTestId("sql-results-panel").style.flexGrow).toBe("30");
      expect(screen.getByRole("separator", { name: "Resize the editor" })).not.toBeNull();
    } finally {
      localStorage.removeItem(saved);
    }
  });

  it("focus mode gives Compare the whole window; Esc returns", async () => {
    await renderServer();
    fireEvent.click(screen.getByTestId("branch-tab-compare"));
    fireEvent.click(await screen.findByTestId("branch-focus"));
    await waitFor(() => expect(tree()).toBeNull());
    expect(screen.queryByTestId("server-header")).toBeNull();
    expect(screen.queryByTestId("branches-summary")).toBeNull();
    expect(screen.getByTestId("compare-view")).not.toBeNull();
    expect(layout.get().focus).toBe(true);

    fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => expect(layout.get().focus).toBe(false));
    expect(screen.getByTestId("branch-details").getAttribute("data-tab")).toBe("compare");
    // Reviewing keeps the whole width: the tree stays out of the way until the Overview.
    expect(tree()).toBeNull();
    expect(layout.get().review).toBe(true);

    // The shortcut from the Overview opens SQL in focus mode; the Overview tab leaves it.
    fireEvent.click(screen.getByTestId("branch-tab-overview"));
    key(".");
    await waitFor(() => expect(screen.getByTestId("branch-details").getAttribute("data-tab")).toBe("sql"));
    expect(layout.get().focus).toBe(true);
    fireEvent.click(screen.getByTestId("branch-tab-overview"));
    await waitFor(() => expect(tree()).not.toBeNull());
    expect(layout.get().focus).toBe(false);
  });

  it("gives reviewing (Compare, deploy requests) the whole width; the Overview and Branches bring the panes back", async () => {
    const cmds = api.commands as SqlCommands & { deployList?: unknown };
    cmds.deployList = vi.fn().mockResolvedValue([]);
    await renderServer();
    fireEvent.click(screen.getByTestId("branch-tab-compare"));
    await waitFor(() => expect(tree()).toBeNull());
    expect(layout.get().review).toBe(true);
    expect(screen.queryByTestId("tree-toggle")).toBeNull();
    fireEvent.click(screen.getByTestId("branch-tab-overview"));
    await waitFor(() => expect(tree()).not.toBeNull());
    expect(layout.get().review).toBe(false);

    fireEvent.click(screen.getByTestId("show-deploys"));
    await screen.findByTestId("deploy-list-empty");
    expect(tree()).toBeNull();
    expect(screen.queryByTestId("server-header")).toBeNull();
    expect(layout.get().review).toBe(true);
    fireEvent.click(screen.getByTestId("deploy-exit"));
    await waitFor(() => expect(tree()).not.toBeNull());
    expect(layout.get().review).toBe(false);
  });

  it("folds the server header and the branches toolbar away in SQL and Compare", async () => {
    await renderServer();
    expect(screen.getByTestId("server-header")).not.toBeNull();
    fireEvent.click(screen.getByTestId("branch-tab-sql"));
    await waitFor(() => expect(screen.queryByTestId("server-header")).toBeNull());
    expect(screen.queryByTestId("branches-summary")).toBeNull();
    // The tabs and the tree's toggle live in the compact bar now.
    const bar = screen.getByTestId("branch-compact");
    expect(bar.contains(screen.getByTestId("branch-tab-overview"))).toBe(true);
    fireEvent.click(screen.getByTestId("tree-toggle"));
    await waitFor(() => expect(tree()).toBeNull());
    fireEvent.click(screen.getByTestId("tree-toggle"));
    await waitFor(() => expect(tree()).not.toBeNull());

    fireEvent.click(screen.getByTestId("branch-tab-overview"));
    await waitFor(() => expect(screen.getByTestId("server-header")).not.toBeNull());
    expect(screen.getByTestId("branches-summary")).not.toBeNull();
  });
});
