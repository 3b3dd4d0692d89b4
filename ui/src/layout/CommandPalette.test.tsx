import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ServerView } from "../components/ServerView";
import { sqlStore } from "../sql/store";
import { installRangeRects, makeSqlCommands, type SqlCommands } from "../sql/testSupport";
import { branch } from "../test/mockApi";
import { render } from "../test/render";
import { layout } from "./layoutStore";

const api = vi.hoisted(() => ({ commands: {} as SqlCommands }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
  onSqlRun: async () => () => {},
}));

let restoreRects: () => void;
beforeAll(() => {
  restoreRects = installRangeRects();
});
afterAll(() => restoreRects());

const main = branch({ name: "main" });
const dev = branch({ name: "dev/alex", parent: "main" });
const pr = branch({ name: "preview/pr-123", parent: "main" });

beforeEach(() => {
  sqlStore.reset();
  api.commands = makeSqlCommands();
  api.commands.listBranches.mockResolvedValue([main, dev, pr]);
  api.commands.diffBranches.mockImplementation(() => new Promise(() => {}));
});

const details = () => screen.getByTestId("branch-details");
const input = () => screen.getByTestId("palette-input") as HTMLInputElement;
const titles = () => screen.getAllByTestId("palette-item").map((i) => i.querySelector(".palette-title")!.textContent);
const active = () => document.getElementById(input().getAttribute("aria-activedescendant")!)!;

async function renderOn(name: string) {
  render(<ServerView server="c1" enabled header={<div />} about={null} />);
  await screen.findAllByTestId("branch-node");
  await screen.findByTestId("branch-details");
  const node = screen.getAllByTestId("branch-node").find((n) => n.getAttribute("data-name") === name)!;
  fireEvent.click(node.querySelector(".branch-label")!);
  await waitFor(() => expect(details().getAttribute("data-name")).toBe(name));
}

async function openPalette() {
  fireEvent.keyDown(window, { key: "k", ctrlKey: true });
  const dialog = await screen.findByRole("dialog");
  await waitFor(() => expect(document.activeElement).toBe(input()));
  return dialog;
}

const type = (text: string) => fireEvent.change(input(), { target: { value: text } });
const press = (key: string) => fireEvent.keyDown(input(), { key });

describe("command palette", () => {
  it("lists every action with its shortcut, filters by fuzzy name, and closes with Esc returning focus", async () => {
    await renderOn("dev/alex");
    const opener = screen.getByTestId("branch-tab-sql");
    opener.focus();
    const dialog = await openPalette();
    expect(dialog.getAttribute("aria-modal")).toBe("true");
    expect(titles()).toEqual(
      expect.arrayContaining(["New query tab", "Compare with parent", "Create child branch…", "Reset from parent…", "main", "preview/pr-123"]),
    );
    const sidebar = screen.getAllByTestId("palette-item").find((i) => i.getAttribute("data-command") === "toggle-sidebar")!;
    expect(within(sidebar).getByText("Ctrl+B")).not.toBeNull();

    type("pr123");
    expect(titles()).toEqual(["preview/pr-123"]);
    type("nothing like it");
    expect(screen.queryAllByTestId("palette-item")).toEqual([]);

    press("Escape");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(document.activeElement).toBe(opener);
  });

  it("opens from its buttons too", async () => {
    await renderOn("dev/alex");
    fireEvent.click(screen.getByTestId("open-palette"));
    await screen.findByRole("dialog");
    press("Escape");
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    fireEvent.click(screen.getByTestId("branch-tab-compare"));
    fireEvent.click(await screen.findByTestId("branch-open-palette"));
    await screen.findByRole("dialog");
    await waitFor(() => expect(document.activeElement).toBe(input()));
  });

  it("moves the selection with the arrows and goes to a branch with Enter", async () => {
    await renderOn("dev/alex");
    await openPalette();
    type("go to branch");
    expect(titles()).toEqual(["main", "preview/pr-123"]);
    expect(active().textContent).toContain("main");
    press("ArrowDown");
    expect(active().textContent).toContain("preview/pr-123");
    press("ArrowDown");
    expect(active().textContent).toContain("main");
    press("ArrowUp");
    press("Enter");
    await waitFor(() => expect(details().getAttribute("data-name")).toBe("preview/pr-123"));
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("compares with the parent: the Compare tab, and the comparison started", async () => {
    await renderOn("dev/alex");
    await openPalette();
    type("compare with parent");
    press("Enter");
    await waitFor(() => expect(details().getAttribute("data-tab")).toBe("compare"));
    await waitFor(() => expect(api.commands.diffBranches).toHaveBeenCalledWith("c1", "main", "dev/alex"));
  });

  it("opens a new query tab in the SQL pane", async () => {
    await renderOn("dev/alex");
    fireEvent.click(screen.getByTestId("branch-tab-sql"));
    await waitFor(() => expect(screen.getAllByTestId("sql-tab")).toHaveLength(1));
    await openPalette();
    type("new query tab");
    press("Enter");
    await waitFor(() => expect(screen.getAllByTestId("sql-tab")).toHaveLength(2));
    expect(screen.getAllByTestId("sql-tab")[1].getAttribute("data-active")).toBe("true");
  });

  it("reset asks for confirmation, like the button", async () => {
    await renderOn("dev/alex");
    await openPalette();
    type("reset");
    expect(active().textContent).toContain("Reset from parent");
    press("Enter");
    const confirm = await screen.findByTestId("reset-dialog");
    expect(confirm.textContent).toContain("dev/alex");
    expect(api.commands.resetBranch).not.toHaveBeenCalled();
  });

  it("does not run an action that is not available now", async () => {
    await renderOn("main");
    await openPalette();
    type("reset from parent");
    expect(active().getAttribute("aria-disabled")).toBe("true");
    press("Enter");
    expect(screen.getByRole("dialog")).not.toBeNull();
    expect(screen.queryByTestId("reset-dialog")).toBeNull();
  });

  it("toggles the panes and focus mode", async () => {
    await renderOn("dev/alex");
    await openPalette();
    type("hide branch tree");
    press("Enter");
    await waitFor(() => expect(screen.queryByRole("navigation", { name: "Branch tree" })).toBeNull());
    expect(layout.get().treeCollapsed).toBe(true);

    await openPalette();
    type("focus mode");
    press("Enter");
    await waitFor(() => expect(details().getAttribute("data-tab")).toBe("sql"));
    expect(layout.get().focus).toBe(true);
  });

  it("moves the keyboard focus into the SQL editor, and F6 on between the panes", async () => {
    await renderOn("dev/alex");
    await openPalette();
    type("focus sql editor");
    press("Enter");
    await waitFor(() => expect(details().getAttribute("data-tab")).toBe("sql"));
    const editor = await screen.findByTestId("sql-editor");
    await waitFor(() => expect(editor.contains(document.activeElement)).toBe(true));

    fireEvent.keyDown(window, { key: "F6", shiftKey: true });
    const tree = screen.getByRole("tree");
    await waitFor(() => expect(tree.contains(document.activeElement)).toBe(true));
    fireEvent.keyDown(window, { key: "F6" });
    await waitFor(() => expect(editor.contains(document.activeElement)).toBe(true));
  });
});
