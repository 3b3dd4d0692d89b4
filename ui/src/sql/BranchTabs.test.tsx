import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { SqlRunEvent } from "../bindings/SqlRunEvent";
import { ServerView } from "../components/ServerView";
import { branch } from "../test/mockApi";
import { sqlStore } from "./store";
import { installRangeRects, makeSqlCommands, type SqlCommands } from "./testSupport";
import { render } from "../test/render";

const api = vi.hoisted(() => ({ commands: {} as SqlCommands }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
  onSqlRun: async (_h: (e: SqlRunEvent) => void) => () => {},
}));

let restoreRects: () => void;
beforeAll(() => {
  restoreRects = installRangeRects();
});
afterAll(() => restoreRects());

const main = branch({ name: "main", protected: true });
const dev = branch({ name: "dev/alex", parent: "main" });

beforeEach(() => {
  sqlStore.reset();
  api.commands = makeSqlCommands();
  api.commands.listBranches.mockResolvedValue([main, dev]);
  // The comparison never answers here: only the tab's wiring is under test.
  api.commands.diffBranches.mockImplementation(() => new Promise(() => {}));
});

const details = () => screen.getByTestId("branch-details");
const selectBranch = (name: string) => {
  const node = screen.getAllByTestId("branch-node").find((n) => n.getAttribute("data-name") === name)!;
  fireEvent.click(node.querySelector(".branch-label")!);
};

describe("branch panes", () => {
  it("Overview, SQL and Compare; the pane stays when another branch is selected, and SQL tabs are per branch", async () => {
    render(<ServerView server="c1" enabled header={<div />} about={null} />);
    await screen.findAllByTestId("branch-node");
    await waitFor(() => expect(details().getAttribute("data-name")).toBe("main"));
    expect(screen.getByTestId("branch-tab-overview").getAttribute("aria-selected")).toBe("true");
    expect(document.getElementById("branch-tab-sql")).not.toBeNull();
    expect(screen.getByTestId("branch-url")).toBeTruthy();

    fireEvent.click(screen.getByTestId("branch-tab-sql"));
    await screen.findByTestId("sql-panel");
    await waitFor(() => expect(api.commands.sqlOpen).toHaveBeenCalledWith(expect.any(String), "c1", "main"));
    expect(screen.queryByTestId("branch-url")).toBeNull();

    selectBranch("dev/alex");
    await waitFor(() => expect(details().getAttribute("data-name")).toBe("dev/alex"));
    expect(screen.getByTestId("branch-tab-sql").getAttribute("aria-selected")).toBe("true");
    await waitFor(() => expect(api.commands.sqlOpen).toHaveBeenCalledWith(expect.any(String), "c1", "dev/alex"));
    fireEvent.click(screen.getByTestId("sql-add-tab"));
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(2);

    selectBranch("main");
    await waitFor(() => expect(details().getAttribute("data-name")).toBe("main"));
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(1);
    expect(api.commands.sqlOpen).toHaveBeenCalledTimes(3);

    fireEvent.click(screen.getByTestId("branch-tab-compare"));
    await screen.findByTestId("compare-view");
    fireEvent.click(screen.getByTestId("branch-tab-overview"));
    expect(screen.getByTestId("branch-url")).toBeTruthy();
  });
});
