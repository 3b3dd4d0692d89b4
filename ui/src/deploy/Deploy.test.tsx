import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Branch } from "../bindings/Branch";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import type { OnBusy } from "../bindings/OnBusy";
import { apiError, branch, makeCommands } from "../test/mockApi";
import { render } from "../test/render";
import { DeployArea, type DeployNav } from "./DeployArea";
import { OpenDeployDialog } from "./OpenDeployDialog";
import { RebaseDialog } from "./RebaseDialog";
import { check, CONFLICT, dryRun, request } from "./testData";

function makeDeployCommands() {
  return {
    ...makeCommands(),
    deployCreate: vi.fn<(server: string | null, child: string, into: string | null, opId: string) => Promise<DeployCheck>>(),
    deployList: vi.fn<(server: string | null) => Promise<DeployRequest[]>>().mockResolvedValue([]),
    deployCheck: vi.fn<(server: string | null, id: number, dryRun: boolean, opId: string) => Promise<DeployCheck>>(),
    deployApply:
      vi.fn<
        (server: string | null, id: number, lock: number, stmt: number, confirm: string | null, skip: boolean, opId: string) => Promise<DeployRequest>
      >(),
    deployRevert:
      vi.fn<(server: string | null, id: number, lock: number, stmt: number, confirm: string | null, opId: string) => Promise<DeployRequest>>(),
    deployClose: vi.fn<(server: string | null, id: number, opId: string) => Promise<DeployRequest>>(),
    branchRebase: vi.fn<(server: string | null, name: string, onBusy: OnBusy, online: boolean, opId: string) => Promise<Branch>>(),
    deployRevertWindow: vi.fn<(server: string | null) => Promise<number>>().mockResolvedValue(1800),
  };
}

const api = vi.hoisted(() => ({ commands: {} as ReturnType<typeof makeDeployCommands> }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
}));

/** CodeMirror measures text; jsdom lays nothing out. */
const rangeRects = { getClientRects: Range.prototype.getClientRects, getBoundingClientRect: Range.prototype.getBoundingClientRect };
beforeAll(() => {
  const rect = { x: 0, y: 0, top: 0, left: 0, right: 0, bottom: 0, width: 0, height: 0, toJSON: () => ({}) };
  Range.prototype.getClientRects = function () {
    return Object.assign([], { item: () => null }) as unknown as DOMRectList;
  };
  Range.prototype.getBoundingClientRect = () => rect as DOMRect;
});
afterAll(() => {
  Range.prototype.getClientRects = rangeRects.getClientRects;
  Range.prototype.getBoundingClientRect = rangeRects.getBoundingClientRect;
});

beforeEach(() => {
  api.commands = makeDeployCommands();
});

const shop = branch({ name: "shop", is_root: true });
const alice = branch({ name: "dev/alice", parent: "shop" });
const byId = (id: string) => screen.getByTestId(id);

function area(nav: DeployNav, protectedParent = false) {
  const branches = [{ ...shop, protected: protectedParent }, alice];
  const onNav = vi.fn<(n: DeployNav) => void>();
  const utils = render(<DeployArea server="c1" branches={branches} nav={nav} now={Date.now()} onNav={onNav} onExit={() => {}} />);
  return { ...utils, onNav, branches };
}

describe("the list of deploy requests", () => {
  it("shows each request with its status, author and latest check, and opens one", async () => {
    const applied = request({ id: 2, status: "applied", applied_by: "Grove CLI", applied_at: new Date().toISOString() });
    const conflicted = request({
      id: 4,
      status: "conflicted",
      last_check: { checked_at: "", two_way: false, conflicts: 2, statements: 3, hazards: 1, dry_run_ok: null },
    });
    api.commands.deployList.mockResolvedValue([conflicted, applied]);
    const { onNav } = area({ view: "list" });
    const rows = await screen.findAllByTestId("deploy-row");
    expect(api.commands.deployList).toHaveBeenCalledWith("c1");
    expect(rows.map((r) => r.getAttribute("data-status"))).toEqual(["conflicted", "applied"]);
    expect(within(rows[0]).getByTestId("deploy-status").textContent).toBe("conflicted");
    expect(rows[0].textContent).toContain("2 conflicts · 3 statements · 1 hazard");
    expect(rows[1].textContent).toContain("Grove CLI");
    fireEvent.click(within(rows[1]).getByTestId("deploy-open"));
    expect(onNav).toHaveBeenCalledTimes(1);
    expect(onNav).toHaveBeenCalledWith({ view: "request", request: applied, check: null });
  });

  it("says how to open one when there is none", async () => {
    area({ view: "list" });
    expect((await screen.findByTestId("deploy-list-empty")).textContent).toContain("No deploy requests yet");
  });
});

describe("opening a request", () => {
  it("checks the child against its parent and hands the check over", async () => {
    const c = check();
    api.commands.deployCreate.mockResolvedValue(c);
    const onOpened = vi.fn();
    render(<OpenDeployDialog server={null} branch={alice} branches={[shop, alice]} onClose={() => {}} onOpened={onOpened} />);
    expect((byId("deploy-into") as HTMLSelectElement).value).toBe("shop");
    fireEvent.click(byId("confirm-deploy-open"));
    await waitFor(() => expect(onOpened).toHaveBeenCalledWith(c));
    expect(api.commands.deployCreate).toHaveBeenCalledWith(null, "dev/alice", null, expect.any(String));
  });
});

describe("a request's review", () => {
  it("checks an open request at once and shows its changes and script", async () => {
    api.commands.deployCheck.mockResolvedValue(check());
    area({ view: "request", request: request(), check: null });
    await screen.findByTestId("deploy-verdict");
    expect(api.commands.deployCheck).toHaveBeenCalledWith("c1", 3, false, expect.any(String));
    expect(byId("deploy-verdict").textContent).toContain("No conflicts · 3 statements · 3 hazards");
    expect(byId("deploy-tab-changes").getAttribute("aria-selected")).toBe("true");
    fireEvent.click(byId("deploy-tab-script"));
    expect(byId("migration-summary").textContent).toContain("3 statements");
    expect((byId("deploy-apply") as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows conflicts base | parent | child and does not let them be applied", () => {
    area({ view: "request", request: request({ status: "conflicted" }), check: check({ conflicts: [CONFLICT] }, { status: "conflicted" }) });
    expect(byId("deploy-tab-conflicts").getAttribute("aria-selected")).toBe("true");
    const conflict = byId("deploy-conflict");
    expect(conflict.textContent).toContain("Uses something dropped");
    expect(conflict.textContent).toContain("the child indexes price, which the parent dropped");
    expect(within(conflict).getByText("Base")).toBeTruthy();
    expect(within(conflict).getByText("Not there")).toBeTruthy();
    expect(within(conflict).getAllByTestId("deploy-ddl")).toHaveLength(2);
    expect((byId("deploy-apply") as HTMLButtonElement).disabled).toBe(true);
    expect(byId("deploy-apply").parentElement?.title).toBe("Resolve the conflicts, then check again");
  });

  it("warns when the check is two-way", () => {
    area({ view: "request", request: request(), check: check({ two_way: true }) });
    expect(byId("deploy-two-way").textContent).toContain("two-way check");
  });

  it("shows a failed dry run at its statement", async () => {
    const failed = dryRun({ ok: false, failed_statement: 1, error: 'column "id" cannot be cast' });
    api.commands.deployCheck.mockResolvedValue(check({ dry_run: failed }));
    area({ view: "request", request: request(), check: check() });
    fireEvent.click(byId("deploy-dry-run-button"));
    await screen.findByTestId("deploy-dry-run");
    expect(api.commands.deployCheck).toHaveBeenCalledWith("c1", 3, true, expect.any(String));
    expect(byId("deploy-tab-dry-run").textContent).toContain("Dry run failed");
    expect(byId("deploy-dry-run").textContent).toContain("failed at statement 2 of 3");
    expect(byId("deploy-dry-run-error").textContent).toBe('column "id" cannot be cast');
    expect(byId("deploy-failed-statement").textContent).toContain("Statement 2");
  });

  it("shows a failed check's message and hint", async () => {
    api.commands.deployCheck.mockRejectedValue(apiError({ message: "dev/alice is missing", hint: "restore it" }));
    area({ view: "request", request: request(), check: null });
    const err = await screen.findByTestId("branch-error");
    expect(err.textContent).toContain("dev/alice is missing");
    expect(err.textContent).toContain("Hint: restore it");
  });

  it("applies with the timeouts chosen, asking for a protected parent's name, then offers Revert", async () => {
    const until = new Date(Date.now() + 30 * 60_000).toISOString();
    const applied = request({ status: "applied", revertible: true, revert_until: until, applied_by: "Grove app", applied_at: new Date().toISOString() });
    api.commands.deployApply.mockResolvedValue(applied);
    area({ view: "request", request: request(), check: check() }, true);
    fireEvent.click(byId("deploy-apply"));
    fireEvent.change(byId("deploy-lock-timeout"), { target: { value: "2" } });
    const confirm = byId("confirm-deploy-apply") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    fireEvent.change(byId("deploy-confirm"), { target: { value: "shop" } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await screen.findByTestId("deploy-revert");
    expect(api.commands.deployApply).toHaveBeenCalledWith("c1", 3, 2000, 600000, "shop", false, expect.any(String));
    expect(byId("deploy-page").getAttribute("data-status")).toBe("applied");
    expect(byId("deploy-revert-window").textContent).toContain("Can be reverted until");
    expect(byId("deploy-verdict-before").textContent).toBe("As checked before it was applied");

    api.commands.deployRevert.mockResolvedValue({ ...applied, status: "reverted", revertible: false });
    fireEvent.click(byId("deploy-revert"));
    expect(byId("deploy-revert-until").textContent).toContain("Revertible until");
    fireEvent.change(byId("deploy-confirm"), { target: { value: "shop" } });
    fireEvent.click(byId("confirm-deploy-revert"));
    await waitFor(() => expect(byId("deploy-page").getAttribute("data-status")).toBe("reverted"));
    expect(api.commands.deployRevert).toHaveBeenCalledWith("c1", 3, 5000, 600000, "shop", expect.any(String));
  });

  it("refuses timeouts that are not positive numbers", () => {
    area({ view: "request", request: request(), check: check() });
    fireEvent.click(byId("deploy-apply"));
    fireEvent.change(byId("deploy-statement-timeout"), { target: { value: "0" } });
    expect((byId("confirm-deploy-apply") as HTMLButtonElement).disabled).toBe(true);
  });

  it("closes an open request", async () => {
    api.commands.deployClose.mockResolvedValue(request({ status: "closed" }));
    area({ view: "request", request: request(), check: check() });
    fireEvent.click(byId("deploy-close"));
    await waitFor(() => expect(byId("deploy-page").getAttribute("data-status")).toBe("closed"));
    expect(screen.queryByTestId("deploy-close")).toBeNull();
    expect((byId("deploy-check") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("rebasing a branch", () => {
  it("rebuilds it from its parent with its changes replayed, and says a conflict refuses it", async () => {
    api.commands.branchRebase.mockRejectedValueOnce(
      apiError({ code: "conflict", message: "\"dev/alice\" cannot be rebased: 1 conflict", hint: "deploy check shows them" }),
    );
    api.commands.branchRebase.mockResolvedValueOnce(alice);
    const onDone = vi.fn();
    render(<RebaseDialog server={null} branch={alice} parent={shop} onClose={() => {}} onDone={onDone} />);
    expect(byId("rebase-message").textContent).toContain("schema changes made on “dev/alice” replayed on top");
    fireEvent.click(byId("confirm-rebase"));
    expect((await screen.findByTestId("branch-error")).textContent).toContain("cannot be rebased: 1 conflict");
    fireEvent.click(byId("confirm-rebase"));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(alice));
    expect(api.commands.branchRebase).toHaveBeenLastCalledWith(null, "dev/alice", "fail", false, expect.any(String));
  });
});
