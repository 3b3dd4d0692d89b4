import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Branch } from "../bindings/Branch";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { SchemaDiff } from "../bindings/SchemaDiff";
import { apiError, branch, makeCommands } from "../test/mockApi";
import { CompareView } from "./CompareView";
import { migrationScript } from "./diffModel";
import { bigObjects, diffOf, obj, SAMPLE_DIFF, SAMPLE_MIGRATION } from "./testData";
import { render } from "../test/render";

function makeCompareCommands() {
  return {
    ...makeCommands(),
    diffBranches: vi.fn<(server: string | null, from: string, to: string) => Promise<SchemaDiff>>(),
    saveTextFile: vi.fn<(path: string, contents: string) => Promise<null>>().mockResolvedValue(null),
    defaultExportPath: vi
      .fn<(format: ExportFormat) => Promise<string>>()
      .mockResolvedValue("/home/me/Downloads/grove-result-1700000000.csv"),
  };
}

const api = vi.hoisted(() => ({ commands: {} as ReturnType<typeof makeCompareCommands> }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
}));

const main = branch({ name: "main", protected: true });
const dev = branch({ name: "dev/alex", parent: "main" });
const pr = branch({ name: "preview/pr-1", parent: "main" });
const gone = branch({ name: "old", parent: "main", missing: true });
const BRANCHES: Branch[] = [main, dev, pr, gone];

const byId = (id: string) => screen.getByTestId(id);
const select = (id: string) => byId(id) as HTMLSelectElement;
const rows = () => screen.queryAllByTestId("diff-object");
const rowNames = () => rows().map((r) => r.getAttribute("data-name"));

/** The virtualised list needs a size, and CodeMirror measures text; jsdom lays nothing out. */
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, "clientHeight");
const rangeRects = { getClientRects: Range.prototype.getClientRects, getBoundingClientRect: Range.prototype.getBoundingClientRect };
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains("cmp-list") ? 560 : 0;
    },
  });
  const rect = { x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, toJSON: () => ({}) };
  Range.prototype.getClientRects = function () {
    return Object.assign([], { item: () => null }) as unknown as DOMRectList;
  };
  Range.prototype.getBoundingClientRect = () => rect as DOMRect;
});
afterAll(() => {
  if (clientHeight) Object.defineProperty(HTMLElement.prototype, "clientHeight", clientHeight);
  Range.prototype.getClientRects = rangeRects.getClientRects;
  Range.prototype.getBoundingClientRect = rangeRects.getBoundingClientRect;
});

beforeEach(() => {
  api.commands = makeCompareCommands();
});

async function compared(diff: SchemaDiff, branchName = "dev/alex") {
  api.commands.diffBranches.mockResolvedValue(diff);
  render(<CompareView server="c1" branches={BRANCHES} branch={branchName} />);
  fireEvent.click(byId("compare-run"));
  await screen.findByTestId("compare-summary");
}

describe("choosing the branches", () => {
  it("offers FROM the parent TO the selected branch, without missing databases", () => {
    render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    expect(byId("compare-view")).toBeTruthy();
    expect(select("compare-from").value).toBe("main");
    expect(select("compare-to").value).toBe("dev/alex");
    const options = [...select("compare-from").options].map((o) => o.value);
    expect(options).toEqual(["dev/alex", "main", "preview/pr-1"]);
    expect(byId("compare-intro")).toBeTruthy();
    expect(api.commands.diffBranches).not.toHaveBeenCalled();
  });

  it("swaps From and To, and will not compare a branch with itself", () => {
    render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    fireEvent.click(byId("compare-swap"));
    expect(select("compare-from").value).toBe("dev/alex");
    expect(select("compare-to").value).toBe("main");

    fireEvent.change(select("compare-to"), { target: { value: "dev/alex" } });
    expect((byId("compare-run") as HTMLButtonElement).disabled).toBe(true);
    expect(byId("compare-blocked").textContent).toMatch(/two different branches/);
  });

  it("compares with the parent in one click; a root has no such button", async () => {
    api.commands.diffBranches.mockResolvedValue(SAMPLE_DIFF);
    const { unmount } = render(<CompareView server="c1" branches={BRANCHES} branch="dev/alex" />);
    fireEvent.change(select("compare-from"), { target: { value: "preview/pr-1" } });
    fireEvent.click(byId("compare-with-parent"));
    expect(api.commands.diffBranches).toHaveBeenCalledWith("c1", "main", "dev/alex");
    expect(select("compare-from").value).toBe("main");
    await screen.findByTestId("compare-summary");
    unmount();

    render(<CompareView server="c1" branches={BRANCHES} branch="main" />);
    expect(screen.queryByTestId("compare-with-parent")).toBeNull();
    expect(select("compare-from").value).toBe("main");
    expect(select("compare-to").value).toBe("dev/alex");
  });

  it("starts over with the new branch's pair when another branch is selected", async () => {
    const { rerender } = render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    rerender(<CompareView server={null} branches={BRANCHES} branch="preview/pr-1" />);
    expect(select("compare-from").value).toBe("main");
    expect(select("compare-to").value).toBe("preview/pr-1");
  });
});

describe("running a comparison", () => {
  it("shows progress while the backend works, then the summary and the objects grouped by kind", async () => {
    let resolve!: (d: SchemaDiff) => void;
    api.commands.diffBranches.mockReturnValue(new Promise((r) => (resolve = r)));
    render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    fireEvent.click(byId("compare-run"));
    expect(api.commands.diffBranches).toHaveBeenCalledWith(null, "main", "dev/alex");
    expect(byId("compare-running").textContent).toMatch(/main.*dev\/alex/);
    expect((byId("compare-run") as HTMLButtonElement).disabled).toBe(true);
    expect(select("compare-from").disabled).toBe(true);

    await act(async () => resolve(SAMPLE_DIFF));
    await waitFor(() => expect(screen.queryByTestId("compare-running")).toBeNull());
    const summary = byId("compare-summary").textContent ?? "";
    expect(summary).toContain("3 added");
    expect(summary).toContain("1 removed");
    expect(summary).toContain("2 changed");
    expect(summary).toContain("1 unchanged");
    expect(summary).toContain("3 statements");
    expect(summary).toContain("3 hazards");

    expect(screen.getAllByTestId("diff-group").map((g) => g.getAttribute("data-kind"))).toEqual([
      "schema",
      "table",
      "function",
      "index",
    ]);
    expect(rowNames()).toEqual(["app", "users", "orders", "legacy", "total", "users_email_idx"]);
    const users = rows()[1];
    expect(users.getAttribute("data-kind")).toBe("table");
    expect(users.getAttribute("data-status")).toBe("changed");
    // The first object is shown at once.
    expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"app"');
  });

  it("filters by status, shows unchanged objects on request, and searches", async () => {
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-filter-added"));
    expect(byId("compare-filter-added").getAttribute("aria-pressed")).toBe("false");
    expect(rowNames()).toEqual(["users", "legacy", "total"]);

    fireEvent.click(byId("compare-filter-unchanged"));
    expect(rowNames()).toEqual(["users", "legacy", "accounts", "total"]);

    fireEvent.change(byId("compare-search"), { target: { value: "USERS" } });
    await waitFor(() => expect(rowNames()).toEqual(["users"]));

    fireEvent.change(byId("compare-search"), { target: { value: "zzz" } });
    await screen.findByTestId("compare-no-match");
    fireEvent.click(byId("compare-filter-reset"));
    await waitFor(() => expect(rowNames()).toHaveLength(6));
  });

  it("folds a kind by its header", async () => {
    await compared(SAMPLE_DIFF);
    const tables = screen.getAllByTestId("diff-group").find((g) => g.getAttribute("data-kind") === "table")!;
    expect(within(tables).getByTestId("diff-group-count").textContent).toBe("3");
    fireEvent.click(within(tables).getByRole("button"));
    expect(rowNames()).toEqual(["app", "total", "users_email_idx"]);
  });

  it("shows the selected object's definitions side by side", async () => {
    await compared(SAMPLE_DIFF);
    fireEvent.click(rows().find((r) => r.getAttribute("data-name") === "users")!);
    const ddl = byId("compare-ddl");
    expect(ddl.getAttribute("data-identity")).toBe('"public"."users"');
    expect(ddl.getAttribute("data-status")).toBe("changed");
    const editors = ddl.querySelectorAll(".cm-editor");
    expect(editors).toHaveLength(2);
    expect(editors[0].textContent).toContain("id integer");
    expect(editors[1].textContent).toContain("id bigint");

    // An added object has nothing on the left.
    fireEvent.click(rows().find((r) => r.getAttribute("data-name") === "orders")!);
    const [left, right] = byId("compare-ddl").querySelectorAll(".cm-editor .cm-content");
    expect(left.textContent).toBe("");
    expect(right.textContent).toContain("CREATE TABLE");
  });

  it("moves the selection with the arrow keys", async () => {
    await compared(SAMPLE_DIFF);
    const list = byId("compare-object-list");
    fireEvent.keyDown(list, { key: "ArrowDown" });
    expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"public"."users"');
    fireEvent.keyDown(list, { key: "End" });
    expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"public"."users_email_idx" ON "public"."users"');
    fireEvent.keyDown(list, { key: "ArrowUp" });
    expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"public"."total"(integer, "my type")');
  });

  it("says so clearly when the schemas are identical", async () => {
    await compared(diffOf([obj("table", "t", "unchanged"), obj("view", "v", "unchanged")]));
    expect(byId("compare-empty").textContent).toMatch(/No differences/);
    expect(byId("compare-empty").textContent).toMatch(/main and dev\/alex have the same schema \(2 objects compared\)/);
    expect(byId("compare-summary").textContent).toContain("no differences");
    expect(screen.queryByTestId("compare-tab-migration")).toBeNull();

    fireEvent.click(byId("compare-browse"));
    expect(rowNames()).toEqual(["t", "v"]);
  });

  it("shows the error, and retries", async () => {
    api.commands.diffBranches.mockRejectedValueOnce(
      apiError({ message: "database \"dev/alex\" does not exist", sqlstate: "3D000" }),
    );
    render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    fireEvent.click(byId("compare-run"));
    const error = await screen.findByTestId("compare-error");
    expect(error.textContent).toContain('database "dev/alex" does not exist');
    expect(error.textContent).toContain("SQLSTATE 3D000");

    api.commands.diffBranches.mockResolvedValueOnce(SAMPLE_DIFF);
    fireEvent.click(within(error).getByRole("button", { name: "Retry" }));
    await screen.findByTestId("compare-summary");
    expect(screen.queryByTestId("compare-error")).toBeNull();
  });

  it("drops the answer of an older comparison", async () => {
    let first!: (d: SchemaDiff) => void;
    api.commands.diffBranches
      .mockReturnValueOnce(new Promise((r) => (first = r)))
      .mockResolvedValueOnce(diffOf([obj("table", "second", "added")]));
    const { rerender } = render(<CompareView server={null} branches={BRANCHES} branch="dev/alex" />);
    fireEvent.click(byId("compare-run"));
    // Another branch is selected while the first comparison runs.
    rerender(<CompareView server={null} branches={BRANCHES} branch="preview/pr-1" />);
    fireEvent.click(byId("compare-run"));
    await screen.findByTestId("compare-summary");
    await act(async () => first(diffOf([obj("table", "first", "added")])));
    expect(rowNames()).toEqual(["second"]);
    expect(byId("compare-summary").textContent).toContain("preview/pr-1");
  });

  it("keeps the filters when the same branches are compared again", async () => {
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-filter-added"));
    fireEvent.click(rows().find((r) => r.getAttribute("data-name") === "legacy")!);
    expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"public"."legacy"');

    // "legacy" is gone from the new comparison: the first object shown is selected instead.
    api.commands.diffBranches.mockResolvedValueOnce(diffOf([obj("table", "users", "changed"), obj("table", "x", "added")]));
    fireEvent.click(byId("compare-run"));
    await waitFor(() => expect(rowNames()).toEqual(["users"]));
    expect(byId("compare-filter-added").getAttribute("aria-pressed")).toBe("false");
    await waitFor(() => expect(byId("compare-ddl").getAttribute("data-identity")).toBe('"public"."users"'));
  });

  it("keeps a 10,000-object schema to a screenful of rows in the DOM", async () => {
    await compared(diffOf(bigObjects(10_000)));
    expect(byId("compare-summary").textContent).toContain("2500 added");
    expect(byId("compare-object-list").getAttribute("data-rows")).toBe(String(7_500 + 4));
    const rendered = rows().length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(80);

    fireEvent.change(byId("compare-search"), { target: { value: "t_09998" } });
    await waitFor(() => expect(rowNames()).toEqual(["t_09998"]));
  });
});

describe("the migration tab", () => {
  it("lists the hazards and shows the whole script", async () => {
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-tab-migration"));
    const hazards = screen.getAllByTestId("hazard");
    expect(hazards.map((h) => h.getAttribute("data-kind"))).toEqual(["table_rewrite", "long_lock", "data_loss"]);
    expect(hazards[2].textContent).toContain("drops table legacy and its rows");
    expect(screen.getAllByTestId("hazard-count").map((c) => [c.getAttribute("data-kind"), c.textContent])).toEqual([
      ["data_loss", "Data loss 1"],
      ["table_rewrite", "Table rewrite 1"],
      ["long_lock", "Long lock 1"],
    ]);
    const script = byId("migration-script");
    expect(script.getAttribute("data-statements")).toBe("3");
    expect(script.textContent).toContain("-- hazard: data_loss: drops table legacy and its rows");
    expect(script.textContent).toContain('DROP TABLE "public"."legacy";');
    expect(script.querySelectorAll(".cmp-gutter-hazard")).toHaveLength(2);

    // "Statement 3" jumps to the statement in the script.
    fireEvent.click(within(hazards[2]).getByRole("button", { name: "Statement 3" }));
  });

  it("copies the script with hazards as comments", async () => {
    const writeText = vi.fn<(s: string) => Promise<void>>().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText } });
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-tab-migration"));
    fireEvent.click(byId("migration-copy"));
    expect(writeText).toHaveBeenCalledWith(migrationScript(SAMPLE_MIGRATION));
    await waitFor(() => expect(byId("migration-copy").textContent).toContain("Copied"));
  });

  it("saves the script to the path chosen in the dialog", async () => {
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-tab-migration"));
    fireEvent.click(byId("migration-save"));
    const path = byId("migration-save-path") as HTMLInputElement;
    await waitFor(() => expect(path.value).toBe("/home/me/Downloads/migration-main-to-dev-alex.sql"));

    fireEvent.change(path, { target: { value: "/tmp/m.sql" } });
    fireEvent.click(byId("migration-save-submit"));
    await waitFor(() => expect(byId("migration-save-result").getAttribute("data-status")).toBe("ok"));
    expect(api.commands.saveTextFile).toHaveBeenCalledWith("/tmp/m.sql", migrationScript(SAMPLE_MIGRATION));
    expect(byId("migration-save-result").textContent).toBe("Saved to /tmp/m.sql");
  });

  it("reports a failed save, and refuses a relative path", async () => {
    api.commands.saveTextFile.mockRejectedValueOnce(apiError({ code: "storage", message: "cannot write /x/m.sql: denied" }));
    await compared(SAMPLE_DIFF);
    fireEvent.click(byId("compare-tab-migration"));
    fireEvent.click(byId("migration-save"));
    const path = byId("migration-save-path") as HTMLInputElement;
    await waitFor(() => expect(path.value).not.toBe(""));

    fireEvent.change(path, { target: { value: "m.sql" } });
    fireEvent.click(byId("migration-save-submit"));
    expect(byId("migration-save-path-error").textContent).toMatch(/full path/);
    expect(api.commands.saveTextFile).not.toHaveBeenCalled();

    fireEvent.change(path, { target: { value: "/x/m.sql" } });
    fireEvent.click(byId("migration-save-submit"));
    await waitFor(() => expect(byId("migration-save-result").getAttribute("data-status")).toBe("error"));
    expect(byId("migration-save-result").textContent).toContain("cannot write /x/m.sql: denied");
  });

  it("has nothing to copy or save when no statement is needed", async () => {
    await compared(diffOf([obj("table", "t", "changed")]));
    fireEvent.click(byId("compare-tab-migration"));
    expect(byId("migration-empty")).toBeTruthy();
    expect(screen.queryByTestId("migration-copy")).toBeNull();
    expect(screen.queryByTestId("migration-save")).toBeNull();
  });
});
