import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Branch } from "../bindings/Branch";
import type { OpProgress } from "../bindings/OpProgress";
import { BranchesToolbar } from "../components/branches/BranchesToolbar";
import { ServerView } from "../components/ServerView";
import { apiError, branch, makeCommands, session } from "./mockApi";
import { render } from "./render";

const api = vi.hoisted(() => ({
  commands: {} as ReturnType<typeof import("./mockApi").makeCommands>,
  progress: [] as ((p: OpProgress) => void)[],
}));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async (h: (p: OpProgress) => void) => {
    api.progress.push(h);
    return () => {
      api.progress = api.progress.filter((x) => x !== h);
    };
  },
}));

const emit = (p: OpProgress) => act(() => api.progress.forEach((h) => h(p)));

const main = branch({ name: "main", protected: true, size_bytes: 1536 * 1024 * 1024 });
const alex = branch({ name: "dev/alex", parent: "main" });
const pr = branch({ name: "preview/pr-123", parent: "main", expires_at: new Date(Date.now() + 5.5 * 3600_000).toISOString() });
const fix = branch({ name: "dev/alex/fix", parent: "dev/alex", schema_only: true });
const gone = branch({ name: "old", parent: "main", missing: true });
const TREE = [main, alex, pr, fix, gone];

const byTestId = (id: string) => screen.getByTestId(id);
const node = (name: string) => {
  const el = screen.getAllByTestId("branch-node").find((n) => n.getAttribute("data-name") === name);
  if (!el) throw new Error(`no node ${name}`);
  return el;
};
const clickLabel = (name: string) => fireEvent.click(node(name).querySelector(".branch-label")!);
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

async function renderView(list: Branch[] = TREE, select = "dev/alex") {
  api.commands.listBranches.mockResolvedValue(list);
  render(<ServerView server="c1" enabled header={<div>header</div>} about={null} />);
  await screen.findAllByTestId("branch-node");
  // The first load selects a branch by itself: let that settle before choosing another.
  await screen.findByTestId("branch-details");
  if (select) {
    clickLabel(select);
    await waitFor(() => expect(byTestId("branch-details").getAttribute("data-name")).toBe(select));
  }
}

beforeEach(() => {
  api.commands = makeCommands();
  api.progress = [];
});

describe("branch tree", () => {
  it("nests branches, shows badges, and selects a branch by clicking its label", async () => {
    await renderView(TREE, "");
    const names = screen.getAllByTestId("branch-node").map((n) => [n.getAttribute("data-name"), n.getAttribute("data-depth")]);
    expect(names).toEqual([
      ["main", "0"],
      ["dev/alex", "1"],
      ["dev/alex/fix", "2"],
      ["old", "1"],
      ["preview/pr-123", "1"],
    ]);
    expect(node("main").querySelector('[data-badge="root"]')).not.toBeNull();
    expect(node("main").querySelector('[data-badge="protected"]')).not.toBeNull();
    expect(node("dev/alex/fix").querySelector('[data-badge="schema-only"]')).not.toBeNull();
    expect(node("preview/pr-123").querySelector('[data-badge="expiry"]')?.textContent).toBe("expires in 5 h");
    expect(node("old").className).toContain("missing");
    expect(node("old").getAttribute("title")).toMatch(/dropped outside Grove/);
    // The first top-level branch is shown until something else is picked.
    await waitFor(() => expect(byTestId("branch-details").getAttribute("data-name")).toBe("main"));

    clickLabel("dev/alex");
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("dev/alex");
    expect(node("dev/alex").getAttribute("aria-selected")).toBe("true");

    // Collapse hides the children.
    fireEvent.click(within(node("dev/alex")).getByTestId("branch-toggle"));
    expect(screen.queryAllByTestId("branch-node").map((n) => n.getAttribute("data-name"))).not.toContain("dev/alex/fix");
  });

  it("moves and folds with the keyboard", async () => {
    await renderView(TREE, "main");
    const tree = byTestId("branch-tree");
    fireEvent.keyDown(tree, { key: "ArrowDown" });
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("dev/alex");
    expect(document.activeElement).toBe(node("dev/alex"));
    fireEvent.keyDown(tree, { key: "ArrowLeft" }); // fold dev/alex
    expect(node("dev/alex").getAttribute("aria-expanded")).toBe("false");
    fireEvent.keyDown(tree, { key: "ArrowLeft" }); // up to its parent
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("main");
    fireEvent.keyDown(tree, { key: "End" });
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("preview/pr-123");
  });

  it("shows details and copies the URL with the password while showing it without", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await renderView(TREE, "main");
    const details = byTestId("branch-details");
    expect(within(details).getByTestId("branch-size").textContent).toBe("1.5 GB");
    expect(within(details).getByTestId("branch-created").textContent).toMatch(/3 h ago/);
    await waitFor(() => expect(byTestId("branch-url").textContent).toBe("postgresql://app@localhost:5432/main"));
    expect(api.commands.branchUrl).toHaveBeenCalledWith("c1", "main", false);

    fireEvent.click(byTestId("branch-copy-url"));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("postgresql://app:s3cret@localhost:5432/main"));
    expect(await screen.findByText("Copied")).toBeTruthy();
  });
});

describe("create branch", () => {
  it("validates the name before calling the backend", async () => {
    await renderView();
    fireEvent.click(byTestId("branch-create-child"));
    const dialog = byTestId("create-branch-dialog");
    expect((within(dialog).getByTestId("create-branch-parent") as HTMLSelectElement).value).toBe("dev/alex");

    fireEvent.click(byTestId("create-branch-submit"));
    expect((await screen.findByTestId("create-branch-name-error")).textContent).toBe("Name is required.");

    // 32 characters but 64 bytes in UTF-8.
    fireEvent.change(input("create-branch-name"), { target: { value: "ü".repeat(32) } });
    fireEvent.click(byTestId("create-branch-submit"));
    expect(byTestId("create-branch-name-error").textContent).toMatch(/64 bytes.*at most 63/);

    fireEvent.change(input("create-branch-name"), { target: { value: "main" } });
    expect(byTestId("create-branch-name-error").textContent).toMatch(/already exists/);
    expect(api.commands.createBranch).not.toHaveBeenCalled();
  });

  it("creates a child with the chosen parent and schema-only, then selects it", async () => {
    const created = branch({ name: "dev/new", parent: "main", schema_only: true });
    api.commands.createBranch.mockResolvedValue(created);
    await renderView();
    fireEvent.click(byTestId("branch-create-child"));
    fireEvent.change(input("create-branch-name"), { target: { value: "dev/new" } });
    fireEvent.change(input("create-branch-parent"), { target: { value: "main" } });
    fireEvent.click(input("create-branch-schema-only"));
    api.commands.listBranches.mockResolvedValue([...TREE, created]);
    fireEvent.click(byTestId("create-branch-submit"));

    await waitFor(() => expect(screen.queryByTestId("create-branch-dialog")).toBeNull());
    expect(api.commands.createBranch).toHaveBeenCalledWith("c1", "dev/new", "main", true, "fail", false, expect.any(String));
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("dev/new");
    expect(node("dev/new").getAttribute("aria-selected")).toBe("true");
  });

  it("shows the sessions blocking a copy and retries terminating them", async () => {
    const created = branch({ name: "qa", parent: "dev/alex" });
    api.commands.createBranch
      .mockRejectedValueOnce(
        apiError({ code: "conflict", message: 'database "dev/alex" is in use by 1 other session: pid 4242 user alex' }),
      )
      .mockResolvedValueOnce(created);
    api.commands.blockingSessions.mockResolvedValue([session()]);
    await renderView();
    fireEvent.click(byTestId("branch-create-child"));
    fireEvent.change(input("create-branch-name"), { target: { value: "qa" } });
    fireEvent.click(byTestId("create-branch-submit"));

    const table = await screen.findByTestId("blocking-sessions");
    expect(api.commands.blockingSessions).toHaveBeenCalledWith("c1", "dev/alex");
    const row = within(table).getByTestId("blocking-session");
    expect(row.textContent).toContain("4242");
    expect(row.textContent).toContain("alex");
    expect(row.textContent).toContain("psql");
    expect(row.textContent).toContain("10.0.0.7");
    expect(row.textContent).toContain("20 min ago");
    expect(row.textContent).toContain("idle");
    expect(within(table).queryByTestId("blocking-force-confirm")).toBeNull();

    fireEvent.click(byTestId("blocking-terminate-retry"));
    await waitFor(() => expect(screen.queryByTestId("create-branch-dialog")).toBeNull());
    expect(api.commands.createBranch).toHaveBeenCalledTimes(2);
    expect(api.commands.createBranch.mock.calls[1].slice(0, 5)).toEqual(["c1", "qa", "dev/alex", false, "terminate"]);
  });

  it("offers to copy a busy parent without interrupting its sessions, even a protected one", async () => {
    api.commands.createBranch
      .mockRejectedValueOnce(apiError({ code: "conflict", message: 'database "main" is in use' }))
      .mockResolvedValueOnce(branch({ name: "qa", parent: "main" }));
    api.commands.blockingSessions.mockResolvedValue([session({ pid: 7 })]);
    await renderView(TREE, "main");
    fireEvent.click(byTestId("branch-create-child"));
    fireEvent.change(input("create-branch-name"), { target: { value: "qa" } });
    fireEvent.click(byTestId("create-branch-submit"));

    await screen.findByTestId("blocking-sessions");
    const online = byTestId("blocking-copy-online") as HTMLButtonElement;
    expect(online.textContent).toBe("Copy without interrupting them");
    // No confirmation needed: nobody is terminated.
    expect(online.disabled).toBe(false);
    fireEvent.click(online);
    await waitFor(() => expect(screen.queryByTestId("create-branch-dialog")).toBeNull());
    expect(api.commands.createBranch).toHaveBeenCalledTimes(2);
    expect(api.commands.createBranch.mock.calls[1].slice(0, 6)).toEqual(["c1", "qa", "main", false, "fail", true]);
  });

  it("needs an explicit confirmation and uses force for a protected branch's sessions", async () => {
    api.commands.createBranch
      .mockRejectedValueOnce(apiError({ code: "conflict", message: 'database "main" is in use' }))
      .mockResolvedValueOnce(branch({ name: "qa", parent: "main" }));
    api.commands.blockingSessions.mockResolvedValue([session({ pid: 7 })]);
    await renderView(TREE, "main");
    fireEvent.click(byTestId("branch-create-child"));
    fireEvent.change(input("create-branch-name"), { target: { value: "qa" } });
    fireEvent.click(byTestId("create-branch-submit"));

    await screen.findByTestId("blocking-sessions");
    const retry = byTestId("blocking-terminate-retry") as HTMLButtonElement;
    expect(retry.disabled).toBe(true);
    fireEvent.click(byTestId("blocking-force-confirm"));
    expect(retry.disabled).toBe(false);
    fireEvent.click(retry);
    await waitFor(() => expect(api.commands.createBranch).toHaveBeenCalledTimes(2));
    expect(api.commands.createBranch.mock.calls[1][4]).toBe("force");
  });

  it("shows progress events of its own operation, and Cancel cancels it", async () => {
    let reject: (e: unknown) => void = () => {};
    api.commands.createBranch.mockImplementation(() => new Promise<Branch>((_, r) => (reject = r)));
    await renderView();
    fireEvent.click(byTestId("branch-create-child"));
    fireEvent.change(input("create-branch-name"), { target: { value: "big" } });
    fireEvent.click(byTestId("create-branch-submit"));

    const panel = await screen.findByTestId("op-progress");
    await waitFor(() => expect(api.commands.createBranch).toHaveBeenCalled());
    const opId = api.commands.createBranch.mock.calls[0][6];
    expect(within(panel).getByTestId("op-phase").textContent).toBe("Starting…");

    // Someone else's operation is not ours.
    emit({ op_id: "other", progress: { op: "reset", phase: "swapping", detail: null, bytes_total: null, elapsed_ms: 1, copy: null } });
    expect(within(panel).getByTestId("op-phase").textContent).toBe("Starting…");

    emit({
      op_id: opId,
      progress: { op: "create", phase: "copying", detail: 'copying "dev/alex"', bytes_total: 3 * 1024 ** 3, elapsed_ms: 500, copy: null },
    });
    expect(within(panel).getByTestId("op-phase").textContent).toBe('Copying "dev/alex"');
    expect(within(panel).getByTestId("op-size").textContent).toBe("3 GB");
    // A tick repeats the phase without its detail: the detail stays.
    emit({ op_id: opId, progress: { op: "create", phase: "copying", detail: null, bytes_total: 3 * 1024 ** 3, elapsed_ms: 65_000, copy: null } });
    expect(within(panel).getByTestId("op-phase").textContent).toBe('Copying "dev/alex"');
    expect(within(panel).getByTestId("op-elapsed").textContent).toBe("1:05");
    // The dialog cannot be closed under a running operation.
    expect(screen.queryByTestId("create-branch-dialog-cancel")).toBeNull();

    fireEvent.click(byTestId("op-cancel"));
    await waitFor(() => expect(api.commands.cancelOperation).toHaveBeenCalledWith(opId));
    expect(byTestId("op-cancel").textContent).toBe("Cancelling…");

    await act(async () => reject(apiError({ code: "cancelled", message: "cancelled; the branch tree is unchanged" })));
    expect(screen.queryByTestId("op-progress")).toBeNull();
    expect(byTestId("op-notice").textContent).toMatch(/Cancelled/);
    expect(screen.getByTestId("create-branch-dialog")).toBeTruthy();
  });
});

describe("reset, undo, delete", () => {
  it("confirms a reset saying what is lost and that it can be undone", async () => {
    api.commands.resetBranch.mockResolvedValue({ ...alex, undo_available: true });
    await renderView();
    fireEvent.click(byTestId("branch-reset"));
    const message = byTestId("reset-message").textContent ?? "";
    expect(message).toMatch(/All changes made on “dev\/alex” since it was created or last reset/);
    expect(message).toMatch(/copy of “main”/);
    expect(message).toMatch(/undo the reset for 24 hours/);
    api.commands.listBranches.mockResolvedValue(TREE.map((b) => (b.id === alex.id ? { ...alex, undo_available: true } : b)));
    fireEvent.click(byTestId("confirm-reset"));
    await waitFor(() => expect(screen.queryByTestId("reset-dialog")).toBeNull());
    expect(api.commands.resetBranch).toHaveBeenCalledWith("c1", "dev/alex", "fail", false, expect.any(String));
    // Now it can be undone.
    expect(await screen.findByTestId("branch-undo-reset")).toBeTruthy();
    fireEvent.click(byTestId("branch-undo-reset"));
    expect(screen.getByTestId("undo-reset-dialog").textContent).toMatch(/discarded/);
    expect(screen.getByTestId("confirm-undo-reset")).toBeTruthy();
  });

  it("offers an online reset only when the sessions in the way are on the parent", async () => {
    const busy = apiError({ code: "conflict", message: "in use" });
    api.commands.resetBranch.mockRejectedValueOnce(busy).mockResolvedValueOnce({ ...alex, undo_available: true });
    api.commands.blockingSessions.mockImplementation((_s, name) => Promise.resolve(name === "main" ? [session()] : []));
    await renderView();
    fireEvent.click(byTestId("branch-reset"));
    fireEvent.click(byTestId("confirm-reset"));
    await screen.findByTestId("blocking-sessions");
    fireEvent.click(byTestId("blocking-copy-online"));
    await waitFor(() => expect(api.commands.resetBranch).toHaveBeenCalledTimes(2));
    expect(api.commands.resetBranch.mock.calls[1].slice(0, 4)).toEqual(["c1", "dev/alex", "fail", true]);

    // Sessions on the branch itself: copying online would not help.
    api.commands.resetBranch.mockRejectedValueOnce(busy);
    api.commands.blockingSessions.mockImplementation((_s, name) => Promise.resolve(name === "dev/alex" ? [session()] : []));
    fireEvent.click(byTestId("branch-reset"));
    fireEvent.click(byTestId("confirm-reset"));
    await screen.findByTestId("blocking-sessions");
    expect(screen.queryByTestId("blocking-copy-online")).toBeNull();
  });

  it("disables reset and delete on protected branches, and reset on roots", async () => {
    await renderView(TREE, "main");
    const reset = byTestId("branch-reset") as HTMLButtonElement;
    expect(reset.disabled).toBe(true);
    expect(reset.parentElement?.getAttribute("title")).toMatch(/root branch/);
    fireEvent.click(byTestId("branch-more"));
    expect((byTestId("branch-delete") as HTMLButtonElement).disabled).toBe(true);
    expect(byTestId("branch-delete").getAttribute("title")).toMatch(/Protected/);
    expect((byTestId("branch-rename") as HTMLButtonElement).disabled).toBe(true);
    expect(byTestId("branch-protect").textContent).toContain("Unprotect");
    fireEvent.click(byTestId("branch-more"));
    expect(screen.queryByTestId("branch-undo-reset")).toBeNull();

    const prot = { ...alex, protected: true };
    api.commands.setBranchProtected.mockResolvedValue(prot);
    api.commands.listBranches.mockResolvedValue(TREE.map((b) => (b.id === alex.id ? prot : b)));
    clickLabel("dev/alex");
    fireEvent.click(byTestId("branch-more"));
    fireEvent.click(byTestId("branch-protect"));
    await waitFor(() => expect((byTestId("branch-reset") as HTMLButtonElement).disabled).toBe(true));
    expect(api.commands.setBranchProtected).toHaveBeenCalledWith("c1", "dev/alex", true);
    expect(byTestId("branch-reset").parentElement?.getAttribute("title")).toMatch(/Protected branches cannot be reset/);
  });

  it("deletes a branch with its children only when asked, then selects the parent", async () => {
    api.commands.deleteBranch.mockResolvedValue({ deleted: ["dev/alex/fix", "dev/alex"], untracked: [] });
    await renderView();
    fireEvent.click(byTestId("branch-more"));
    fireEvent.click(byTestId("branch-delete"));
    const dialog = byTestId("delete-dialog");
    expect(dialog.textContent).toMatch(/restore it .*24 hours|24 hours: until then you can restore it/);
    const confirm = byTestId("confirm-delete") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    expect(within(dialog).getByText("Also delete its 1 child")).toBeTruthy();
    fireEvent.click(byTestId("delete-recursive"));
    expect(confirm.disabled).toBe(false);

    api.commands.listBranches.mockResolvedValue([main, pr, gone]);
    api.commands.listSnapshots.mockResolvedValue([
      {
        id: "s1",
        branch_name: "dev/alex",
        db_name: "grove_snap_1",
        kind: "deleted",
        created_at: new Date().toISOString(),
        keep_until: new Date(Date.now() + 24 * 3600_000).toISOString(),
      },
    ]);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByTestId("delete-dialog")).toBeNull());
    expect(api.commands.deleteBranch).toHaveBeenCalledWith("c1", "dev/alex", true, "fail", expect.any(String));
    expect(byTestId("branch-details").getAttribute("data-name")).toBe("main");

    // It is listed under "Recently deleted" and can be restored.
    const item = await screen.findByTestId("deleted-branch");
    expect(item.getAttribute("data-name")).toBe("dev/alex");
    api.commands.restoreBranch.mockResolvedValue(alex);
    api.commands.listBranches.mockResolvedValue([main, alex, pr, gone]);
    fireEvent.click(within(item).getByTestId("branch-restore"));
    fireEvent.click(byTestId("confirm-restore"));
    await waitFor(() => expect(byTestId("branch-details").getAttribute("data-name")).toBe("dev/alex"));
    expect(api.commands.restoreBranch).toHaveBeenCalledWith("c1", "dev/alex", expect.any(String));
  });

  it("shows a backend error inside the dialog", async () => {
    api.commands.renameBranch.mockRejectedValue(apiError({ code: "already_exists", message: 'a database named "x" exists' }));
    await renderView();
    fireEvent.click(byTestId("branch-more"));
    fireEvent.click(byTestId("branch-rename"));
    fireEvent.change(input("rename-name"), { target: { value: "x" } });
    fireEvent.click(byTestId("rename-submit"));
    expect((await screen.findByTestId("branch-error")).textContent).toBe('a database named "x" exists');
    expect(api.commands.renameBranch).toHaveBeenCalledWith("c1", "dev/alex", "x", "fail", expect.any(String));
  });
});

describe("the branch toolbar", () => {
  it("keeps protect, rename, expiry and delete under More, with the keyboard as in any menu", async () => {
    await renderView();
    expect(screen.queryByTestId("branch-expire")).toBeNull();
    const more = byTestId("branch-more");
    fireEvent.click(more);
    expect(more.getAttribute("aria-expanded")).toBe("true");
    const menu = screen.getByRole("menu", { name: "More branch actions" });
    expect(within(menu).getAllByRole("menuitem").map((i) => i.id)).toEqual([
      "branch-protect",
      "branch-rename",
      "branch-expire",
      "branch-delete",
    ]);
    await waitFor(() => expect(document.activeElement?.id).toBe("branch-protect"));
    fireEvent.keyDown(menu, { key: "ArrowDown" });
    expect(document.activeElement?.id).toBe("branch-rename");
    fireEvent.keyDown(menu, { key: "Escape" });
    expect(screen.queryByRole("menu")).toBeNull();
    expect(document.activeElement).toBe(more);
    fireEvent.click(more);
    fireEvent.click(byTestId("branch-expire"));
    expect(await screen.findByRole("dialog")).toBeTruthy();
    expect(document.getElementById("expire-dialog")).not.toBeNull();
    expect(screen.queryByRole("menu")).toBeNull();
  });
});

describe("toolbar", () => {
  it("shows loading inside the refresh button, so that nothing moves", () => {
    const props = {
      count: 2,
      totalBytes: 15 * 1024 * 1024,
      treeCollapsed: false,
      onToggleTree: () => {},
      onImport: () => {},
      onHousekeeping: () => {},
      onReload: () => {},
    };
    const { rerender } = render(<BranchesToolbar {...props} loading={false} />);
    const refresh = byTestId("branches-refresh");
    expect(refresh.querySelector(".spinner")).toBeNull();
    const items = () => byTestId("branches-refresh").parentElement?.children.length;
    const before = items();
    rerender(<BranchesToolbar {...props} loading />);
    expect(byTestId("branches-refresh").querySelector('.spinner[aria-label="Loading"]')).not.toBeNull();
    expect((byTestId("branches-refresh") as HTMLButtonElement).disabled).toBe(true);
    expect(items()).toBe(before);
  });

  it("imports an untracked database under a new name", async () => {
    api.commands.listDatabases.mockResolvedValue([
      { name: "main", size_bytes: 10, tracked: true },
      { name: "postgres", size_bytes: 10, tracked: false },
      { name: "shop", size_bytes: 2048, tracked: false },
    ]);
    const imported = branch({ name: "shop-main" });
    api.commands.importDatabase.mockResolvedValue(imported);
    await renderView(TREE, "");
    fireEvent.click(byTestId("import-database"));
    const select = (await screen.findByTestId("import-database-select")) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe("shop"));
    expect([...select.options].map((o) => o.value)).toEqual(["shop"]);
    fireEvent.change(input("import-name"), { target: { value: "shop-main" } });
    api.commands.listBranches.mockResolvedValue([...TREE, imported]);
    fireEvent.click(byTestId("import-submit"));
    await waitFor(() => expect(byTestId("branch-details").getAttribute("data-name")).toBe("shop-main"));
    expect(api.commands.importDatabase).toHaveBeenCalledWith("c1", "shop", "shop-main", expect.any(String));
  });

  it("runs housekeeping and shows the report", async () => {
    api.commands.housekeeping.mockResolvedValue({
      expired_deleted: ["preview/pr-123"],
      expired_kept: ["main: protected"],
      snapshots_dropped: [],
      repaired: [],
    });
    await renderView(TREE, "");
    fireEvent.click(byTestId("housekeeping"));
    const report = await screen.findByTestId("housekeeping-report");
    expect(report.textContent).toContain("preview/pr-123");
    expect(report.textContent).toContain("main: protected");
    expect(api.commands.housekeeping).toHaveBeenCalledTimes(1);
  });

  it("selects the parent when the selected branch disappears on reload", async () => {
    api.commands.housekeeping.mockResolvedValue({ expired_deleted: ["preview/pr-123"], expired_kept: [], snapshots_dropped: [], repaired: [] });
    await renderView(TREE, "preview/pr-123");
    api.commands.listBranches.mockResolvedValue(TREE.filter((b) => b.name !== "preview/pr-123"));
    fireEvent.click(byTestId("housekeeping"));
    await screen.findByTestId("housekeeping-report");
    await waitFor(() => expect(byTestId("branch-details").getAttribute("data-name")).toBe("main"));
  });
});
