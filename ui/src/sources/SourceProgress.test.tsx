import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { CopyStats } from "../bindings/CopyStats";
import type { OnBusy } from "../bindings/OnBusy";
import type { OpProgress } from "../bindings/OpProgress";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { TableSelection } from "../bindings/TableSelection";
import { formatEta } from "../components/branches/CopyStatsView";
import { apiError, branch, makeCommands } from "../test/mockApi";
import { render } from "../test/render";
import { AddSourceDialog } from "./AddSourceDialog";
import { SourcePanel } from "./SourcePanel";

function makeSourceCommands() {
  return {
    ...makeCommands(),
    addSource:
      vi.fn<
        (
          server: string | null,
          root: string,
          from: string,
          database: string | null,
          selection: TableSelection,
          every: string | null,
          opId: string,
        ) => Promise<SourceInfo>
      >(),
    refreshSource: vi.fn<(server: string | null, root: string, onBusy: OnBusy, opId: string) => Promise<SourceInfo>>(),
  };
}

const api = vi.hoisted(() => ({
  commands: {} as ReturnType<typeof makeSourceCommands>,
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

beforeEach(() => {
  api.commands = makeSourceCommands();
  api.progress = [];
  api.commands.listConnections.mockResolvedValue([]);
});

const NOW = Date.parse("2026-03-01T12:00:00Z");

const SOURCE: SourceInfo = {
  root: "prod",
  created_at: "2026-02-01T00:00:00Z",
  last_refresh: null,
  next_due_at: null,
  from: { kind: "url", value: "postgresql://app@db/shop" },
  database: "shop",
  selection: { include: [], exclude: [], schema_only: [], filters: [] },
  schedule: null,
};

const COPY: CopyStats = {
  phase: "copying rows",
  tables_done: 1,
  tables_total: 4,
  rows: 150_000,
  bytes: 30 * 1024 * 1024,
  active: [
    {
      table: '"public"."orders"',
      rows: 40_000,
      bytes: 8 * 1024 * 1024,
      rows_estimate: 100_000,
      bytes_per_sec: 2 * 1024 * 1024,
      eta_ms: 6_000,
    },
    { table: '"public"."events"', rows: 10_000, bytes: 1024 * 1024, rows_estimate: null, bytes_per_sec: 512 * 1024, eta_ms: null },
  ],
};

/** Sends a progress report for the operation the command was started with. */
function emit(opId: string, copy: CopyStats | null, phase = "copying") {
  const report: OpProgress = {
    op_id: opId,
    progress: { op: "source-refresh", phase, detail: "copying rows of shop online", bytes_total: null, elapsed_ms: 2000, copy },
  };
  act(() => api.progress.forEach((h) => h(report)));
}

/** Starts a refresh from the panel; resolves with the op id and a way to end the command. */
async function startRefresh() {
  api.commands.listSources.mockResolvedValue([SOURCE]);
  let fail: (e: unknown) => void = () => {};
  api.commands.refreshSource.mockImplementation(() => new Promise((_, reject) => (fail = reject)));
  render(<SourcePanel server="c1" root="prod" now={NOW} />);
  fireEvent.click(await screen.findByTestId("source-refresh"));
  await waitFor(() => expect(api.commands.refreshSource).toHaveBeenCalled());
  await waitFor(() => expect(api.progress.length).toBeGreaterThan(0));
  return { opId: api.commands.refreshSource.mock.calls[0][3], fail: (e: unknown) => fail(e) };
}

describe("progress of a refresh", () => {
  it("shows every table being copied with rows, bytes, rate and time left, and the overall figures", async () => {
    const { opId } = await startRefresh();
    emit(opId, COPY);
    const rows = await screen.findAllByTestId("copy-table");
    expect(rows.map((r) => r.getAttribute("data-table"))).toEqual(['"public"."orders"', '"public"."events"']);
    const orders = rows[0];
    expect(within(orders).getByTestId("copy-table-rows").textContent).toBe(`${(40_000).toLocaleString()} of ~${(100_000).toLocaleString()}`);
    expect(orders.textContent).toContain("8 MB");
    expect(within(orders).getByTestId("copy-table-rate").textContent).toBe("2 MB/s");
    expect(within(orders).getByTestId("copy-table-eta").textContent).toBe("about 6 s");
    expect(within(rows[1]).getByTestId("copy-table-rows").textContent).toBe((10_000).toLocaleString());
    expect(within(rows[1]).getByTestId("copy-table-eta").textContent).toBe("—");
    const overall = screen.getByTestId("copy-overall").textContent;
    expect(overall).toBe(`1 of 4 tables · ${(150_000).toLocaleString()} rows · 30 MB · 2.5 MB/s · about 6 s left`);
    expect(screen.getByRole("progressbar", { name: "Tables copied" }).getAttribute("aria-valuenow")).toBe("1");
    expect(screen.getByTestId("copy-bar").style.width).toBe("25%");
    // The figures are below; the phase line says only the copy's phase.
    expect(screen.getByTestId("op-phase").textContent).toBe("Copying rows");
  });

  it("keeps the last figures through a tick without them, and drops them in the next phase", async () => {
    const { opId } = await startRefresh();
    emit(opId, COPY);
    await screen.findByTestId("copy-stats");
    emit(opId, null);
    expect(screen.getByTestId("copy-overall").textContent).toContain("1 of 4 tables");
    emit(opId, null, "swapping");
    await waitFor(() => expect(screen.queryByTestId("copy-stats")).toBeNull());
    expect(screen.getByTestId("op-phase").textContent).toBe("Copying rows of shop online");
    expect(screen.getByTestId("op-progress").getAttribute("data-phase")).toBe("swapping");
  });

  it("ignores another operation's progress", async () => {
    await startRefresh();
    emit("another-op", COPY);
    expect(screen.queryByTestId("copy-stats")).toBeNull();
  });

  it("cancels the running refresh by its op id, and says nothing changed", async () => {
    const { opId, fail } = await startRefresh();
    emit(opId, COPY);
    await screen.findByTestId("copy-stats");
    fireEvent.click(screen.getByTestId("op-cancel"));
    await waitFor(() => expect(api.commands.cancelOperation).toHaveBeenCalledWith(opId));
    expect(screen.getByTestId("op-phase").textContent).toBe("Cancelling…");
    fail(apiError({ code: "cancelled", message: "cancelled; the branch tree is unchanged" }));
    expect((await screen.findByTestId("op-notice")).textContent).toContain("Cancelled. Nothing was changed.");
    expect(screen.queryByTestId("op-progress")).toBeNull();
    expect((screen.getByTestId("source-refresh") as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("progress of an add", () => {
  it("shows the tables being copied in the dialog", async () => {
    api.commands.addSource.mockImplementation(() => new Promise(() => {}));
    render(<AddSourceDialog server="c1" branches={[branch({ name: "main", is_root: true })]} onClose={() => {}} onAdded={() => {}} />);
    fireEvent.change(screen.getByTestId("source-root"), { target: { value: "prod" } });
    fireEvent.change(screen.getByTestId("source-kind"), { target: { value: "url" } });
    fireEvent.change(screen.getByTestId("source-url"), { target: { value: "postgresql://app@db/shop" } });
    fireEvent.click(screen.getByTestId("add-source-submit"));
    await waitFor(() => expect(api.commands.addSource).toHaveBeenCalled());
    await waitFor(() => expect(api.progress.length).toBeGreaterThan(0));
    emit(api.commands.addSource.mock.calls[0][6], COPY);
    expect(await screen.findAllByTestId("copy-table")).toHaveLength(2);
    fireEvent.click(screen.getByTestId("op-cancel"));
    await waitFor(() => expect(api.commands.cancelOperation).toHaveBeenCalledWith(api.commands.addSource.mock.calls[0][6]));
  });
});

describe("time left", () => {
  it("reads in seconds, minutes or hours", () => {
    expect(formatEta(400)).toBe("about 1 s");
    expect(formatEta(59_000)).toBe("about 59 s");
    expect(formatEta(150_000)).toBe("about 3 min");
    expect(formatEta(5_400_000)).toBe("about 1.5 h");
    expect(formatEta(null)).toBeNull();
  });
});
