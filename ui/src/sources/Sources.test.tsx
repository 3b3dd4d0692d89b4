import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { OnBusy } from "../bindings/OnBusy";
import type { ParsedUri } from "../bindings/ParsedUri";
import type { SourceInfo } from "../bindings/SourceInfo";
import type { TableSelection } from "../bindings/TableSelection";
import type { TestResult } from "../bindings/TestResult";
import { buildTree } from "../branches";
import { BranchTree } from "../components/branches/BranchTree";
import { apiError, branch, makeCommands, saved } from "../test/mockApi";
import { render } from "../test/render";
import { AddSourceDialog } from "./AddSourceDialog";
import { SourceBadge } from "./SourceBadge";
import { SourcePanel } from "./SourcePanel";
import { parseFilters, scheduleLabel, scheduleSpec } from "./sourceText";

function makeSourceCommands() {
  return {
    ...makeCommands(),
    testConnection: vi.fn<(draft: unknown, id: string | null) => Promise<TestResult>>(),
    parseConnectionUri: vi.fn<(uri: string) => Promise<ParsedUri>>(),
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
    removeSource: vi.fn<(server: string | null, root: string) => Promise<SourceInfo>>(),
  };
}

const api = vi.hoisted(() => ({ commands: {} as ReturnType<typeof makeSourceCommands> }));
vi.mock("../api", () => ({
  get commands() {
    return api.commands;
  },
  onLocalStatus: async () => () => {},
  onOpProgress: async () => () => {},
}));

beforeEach(() => {
  api.commands = makeSourceCommands();
  api.commands.listConnections.mockResolvedValue([saved({ id: "c9", name: "Production" })]);
});

const NOW = Date.parse("2026-03-01T12:00:00Z");

function source(over: Partial<SourceInfo> = {}): SourceInfo {
  return {
    root: "prod",
    created_at: "2026-02-01T00:00:00Z",
    last_refresh: {
      started_at: "2026-03-01T09:00:00Z",
      finished_at: "2026-03-01T09:02:00Z",
      duration_ms: 120_000,
      size_bytes: 5 * 1024 * 1024,
      rows: 1200,
      outcome: "ok",
      error: null,
    },
    next_due_at: "2026-03-02T02:00:00Z",
    from: { kind: "connection", value: "Production" },
    database: "shop",
    selection: { include: [], exclude: ["audit_log"], schema_only: ["events"], filters: [["orders", "id > 10"]] },
    schedule: "daily@02:00",
    ...over,
  };
}

const byId = (id: string) => screen.getByTestId(id);
const type = (id: string, value: string) => fireEvent.change(byId(id), { target: { value } });

function dialog() {
  const onAdded = vi.fn<(s: SourceInfo) => void>();
  const onClose = vi.fn();
  render(<AddSourceDialog server="c1" branches={[branch({ name: "main", is_root: true })]} onClose={onClose} onAdded={onAdded} />);
  return { onAdded, onClose };
}

describe("Add source", () => {
  it("copies from a URL with tables, filters and a schedule", async () => {
    api.commands.addSource.mockResolvedValue(source());
    const { onAdded } = dialog();
    type("source-root", "prod");
    type("source-kind", "url");
    type("source-url", "postgresql://app@db.example.com/shop");
    type("source-database", "shop2");
    type("source-include", "orders, customers");
    type("source-exclude", "audit_log");
    type("source-schema-only", "events");
    type("source-filters-input", "orders: created_at > now() - interval '90 days'\n");
    type("source-schedule-select", "daily");
    type("source-time", "03:30");
    fireEvent.click(byId("add-source-submit"));
    await waitFor(() => expect(onAdded).toHaveBeenCalled());
    expect(api.commands.addSource).toHaveBeenCalledWith(
      "c1",
      "prod",
      "postgresql://app@db.example.com/shop",
      "shop2",
      {
        include: ["orders", "customers"],
        exclude: ["audit_log"],
        schema_only: ["events"],
        filters: [["orders", "created_at > now() - interval '90 days'"]],
      },
      "daily@03:30",
      expect.any(String),
    );
  });

  it("takes a saved connection by name and tests it with its stored password", async () => {
    api.commands.addSource.mockResolvedValue(source());
    api.commands.testConnection.mockResolvedValue({ server_version: "PostgreSQL 16.2", latency_ms: 12 });
    dialog();
    await screen.findByRole("option", { name: "Production" });
    type("source-root", "prod");
    type("source-connection", "c9");
    fireEvent.click(byId("source-test"));
    expect((await screen.findByTestId("source-test-result")).textContent).toContain("Connected — PostgreSQL 16.2 (12 ms)");
    expect(api.commands.testConnection).toHaveBeenCalledWith(
      expect.objectContaining({ password: null, fields: expect.objectContaining({ database: "shop" }) }),
      "c9",
    );
    type("source-schedule-select", "every");
    type("source-hours", "6");
    fireEvent.click(byId("add-source-submit"));
    await waitFor(() => expect(api.commands.addSource).toHaveBeenCalled());
    const args = api.commands.addSource.mock.calls[0];
    expect(args.slice(1, 4)).toEqual(["prod", "Production", null]);
    expect(args[5]).toBe("6h");
  });

  it("refuses a URL with a password and explains where passwords go", async () => {
    dialog();
    type("source-root", "prod");
    type("source-kind", "url");
    type("source-url", "postgresql://app:secret@db/shop");
    fireEvent.click(byId("add-source-submit"));
    expect((byId("source-url-error")).textContent).toMatch(/save the server as a connection/);
    expect((byId("source-test") as HTMLButtonElement).disabled).toBe(true);
    expect(api.commands.addSource).not.toHaveBeenCalled();
  });

  it("refuses a filter line without a table", () => {
    dialog();
    type("source-filters-input", "just a condition");
    expect((byId("source-filters-error")).textContent).toContain("is not TABLE: CONDITION");
  });

  it("tests a URL through a parsed draft without a password", async () => {
    api.commands.parseConnectionUri.mockResolvedValue({
      fields: { host: "db", port: 5432, user: "app", database: "shop", sslmode: "prefer", sslrootcert: null },
      password: null,
    });
    api.commands.testConnection.mockRejectedValue(apiError({ message: "could not connect", hint: "is the server up?" }));
    dialog();
    type("source-kind", "url");
    type("source-url", "postgresql://app@db/shop");
    fireEvent.click(byId("source-test"));
    const result = await screen.findByTestId("source-test-result");
    expect((result).getAttribute("data-status")).toBe("error");
    expect((result).textContent).toContain("Hint: is the server up?");
    expect(api.commands.testConnection).toHaveBeenCalledWith(expect.objectContaining({ password: null }), null);
  });

  it("shows the error and its hint when the copy fails", async () => {
    api.commands.addSource.mockRejectedValue(apiError({ message: "filter on orders breaks fk_items", hint: "filter order_items too" }));
    dialog();
    type("source-root", "prod");
    type("source-kind", "url");
    type("source-url", "postgresql://app@db/shop");
    fireEvent.click(byId("add-source-submit"));
    const err = await screen.findByTestId("branch-error");
    expect((err).textContent).toContain("filter on orders breaks fk_items");
    expect((err).textContent).toContain("Hint: filter order_items too");
  });

  it("shows progress with Cancel while copying, and cancels", async () => {
    api.commands.addSource.mockImplementation(() => new Promise(() => {}));
    dialog();
    type("source-root", "prod");
    type("source-kind", "url");
    type("source-url", "postgresql://app@db/shop");
    fireEvent.click(byId("add-source-submit"));
    expect((await screen.findByTestId("op-progress")).textContent).toContain("Copying “prod” from postgresql://app@db/shop");
    fireEvent.click(byId("op-cancel"));
    await waitFor(() => expect(api.commands.cancelOperation).toHaveBeenCalled());
  });
});

describe("the source panel", () => {
  it("shows where from, what, the schedule, the last and next refresh", async () => {
    api.commands.listSources.mockResolvedValue([source()]);
    render(<SourcePanel server="c1" root="prod" now={NOW} />);
    const panel = await screen.findByTestId("source-panel");
    expect((within(panel).getByTestId("source-from")).textContent).toContain("shop on connection “Production”");
    expect((within(panel).getByTestId("source-tables")).textContent).toContain("Every table · except audit_log · schema only: events");
    expect((within(panel).getByTestId("source-filters")).textContent).toContain("orders: id > 10");
    expect((within(panel).getByTestId("source-schedule")).textContent).toContain("Daily at 02:00");
    const last = within(panel).getByTestId("source-last");
    expect((last).textContent).toContain("3 h ago");
    expect((last).textContent).toContain("ok");
    expect((last).textContent).toContain("5 MB");
    expect((within(panel).getByTestId("source-next")).textContent).toContain("in 14 h");
  });

  it("shows a failed refresh with its error", async () => {
    const last = { ...source().last_refresh!, outcome: "failed", error: "source unreachable" };
    api.commands.listSources.mockResolvedValue([source({ last_refresh: last, schedule: null, next_due_at: null })]);
    render(<SourcePanel server="c1" root="prod" now={NOW} />);
    expect((await screen.findByTestId("source-last-error")).textContent).toContain("source unreachable");
    expect((byId("source-last")).getAttribute("data-outcome")).toBe("failed");
    expect((byId("source-next")).textContent).toContain("not scheduled");
  });

  it("is absent on a root without a source", async () => {
    api.commands.listSources.mockResolvedValue([source()]);
    render(<SourcePanel server="c1" root="main" now={NOW} />);
    await waitFor(() => expect(api.commands.listSources).toHaveBeenCalled());
    expect(screen.queryByTestId("source-panel")).toBeNull();
  });

  it("refreshes now with progress, and reloads", async () => {
    api.commands.listSources.mockResolvedValue([source()]);
    let finish: (s: SourceInfo) => void = () => {};
    api.commands.refreshSource.mockImplementation(() => new Promise((r) => (finish = r)));
    render(<SourcePanel server="c1" root="prod" now={NOW} />);
    fireEvent.click(await screen.findByTestId("source-refresh"));
    expect((await screen.findByTestId("op-progress")).textContent).toContain("Refreshing “prod”");
    expect(api.commands.refreshSource).toHaveBeenCalledWith("c1", "prod", "fail", expect.any(String));
    finish(source());
    await waitFor(() => expect(screen.queryByTestId("op-progress")).toBeNull());
    await waitFor(() => expect(api.commands.listSources).toHaveBeenCalledTimes(2));
  });

  it("unlinks after a confirmation; the root stays", async () => {
    api.commands.listSources.mockResolvedValue([source()]);
    api.commands.removeSource.mockResolvedValue(source());
    render(<SourcePanel server="c1" root="prod" now={NOW} />);
    fireEvent.click(await screen.findByTestId("source-unlink"));
    expect((screen.getByRole("dialog")).textContent).toContain("“prod” stays as it is");
    api.commands.listSources.mockResolvedValue([]);
    fireEvent.click(byId("confirm-remove"));
    await waitFor(() => expect(api.commands.removeSource).toHaveBeenCalledWith("c1", "prod"));
    await waitFor(() => expect(screen.queryByTestId("source-panel")).toBeNull());
  });
});

describe("the badge", () => {
  it("says where from and when, and turns red after a failed refresh", () => {
    const { rerender } = render(<SourceBadge source={source()} now={NOW} />);
    expect((byId("source-badge")).getAttribute("title")).toBe("synced from shop on connection “Production” · last refresh 3 h ago");
    const failed = { ...source().last_refresh!, outcome: "failed", error: "timeout" };
    rerender(<SourceBadge source={source({ last_refresh: failed })} now={NOW} />);
    expect(byId("source-badge").className).toContain("failed");
    expect(byId("source-badge").title).toMatch(/failed: timeout$/);
  });

  it("shows on synced roots in the tree only", () => {
    const roots = buildTree([branch({ name: "prod", is_root: true }), branch({ name: "main", is_root: true })]);
    render(
      <BranchTree
        roots={roots}
        collapsed={new Set()}
        selectedId={null}
        now={NOW}
        sources={new Map([["prod", source()]])}
        onSelect={() => {}}
        onToggle={() => {}}
      />,
    );
    expect(screen.getAllByTestId("source-badge")).toHaveLength(1);
  });
});

describe("source text", () => {
  it("parses filters and schedules", () => {
    expect(parseFilters("a: x > 1\n\nb.c: y = 'q:r'")).toEqual({ filters: [["a", "x > 1"], ["b.c", "y = 'q:r'"]], error: null });
    expect(scheduleSpec("daily", "2:00", "").error).toBe("Enter a time as HH:MM");
    expect(scheduleSpec("every", "", "0").error).toBe("Enter a whole number of hours");
    expect(scheduleSpec("hourly", "", "").every).toBe("hourly");
    expect(scheduleLabel("6h")).toBe("Every 6h");
  });
});
