// The grid over a result larger than the rows held: placeholders, pages fetched as it scrolls,
// the status, and sorting on the server or only the rows held.
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { OpProgress } from "../bindings/OpProgress";
import type { RunEvent } from "../bindings/RunEvent";
import type { SqlRunEvent } from "../bindings/SqlRunEvent";
import { branch } from "../test/mockApi";
import { SqlPanel } from "./SqlPanel";
import { branchKey, type EditorTab } from "./editorModel";
import { sqlStore } from "./store";
import { ROW_HEIGHT } from "./ResultGrid";
import {
  col,
  finished,
  installRangeRects,
  makeSqlCommands,
  summary,
  type SqlCommands,
} from "./testSupport";
import { render } from "../test/render";

const api = vi.hoisted(() => ({
  commands: {} as SqlCommands,
  run: [] as ((e: SqlRunEvent) => void)[],
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
  onSqlRun: async (h: (e: SqlRunEvent) => void) => {
    api.run.push(h);
    return () => {
      api.run = api.run.filter((x) => x !== h);
    };
  },
}));

let restoreRects: () => void;
beforeAll(() => {
  restoreRects = installRangeRects();
});
afterAll(() => restoreRects());

const dev = branch({ name: "dev/alex", parent: "main" });
const byId = (id: string) => screen.getByTestId(id);

beforeEach(() => {
  sqlStore.reset();
  api.commands = makeSqlCommands();
  api.run = [];
  api.progress = [];
});

/** Sends run events to the listeners the store registered. */
function emit(tabId: string, runId: string, events: RunEvent[]) {
  for (const event of events) api.run.forEach((h) => h({ tab_id: tabId, run_id: runId, event }));
}

/** sqlRun answers with these events (given the script sent). */
function answer(events: (script: string) => RunEvent[], result: (script: string) => ReturnType<typeof summary> = () => summary()) {
  api.commands.sqlRun.mockImplementation(async (tabId, runId, script) => {
    emit(tabId, runId, events(script));
    return result(script);
  });
}

async function renderPanel(server: string | null = "c1") {
  const view = render(<SqlPanel server={server} branch={dev} />);
  await waitFor(() => expect(api.commands.sqlOpen).toHaveBeenCalled());
  await screen.findByTestId("sql-tx-status");
  const tab = () => sqlStore.getBranch(branchKey(server, dev.id))!.tabs.find((t) => t.id === activeId())!;
  const activeId = () => sqlStore.getBranch(branchKey(server, dev.id))!.activeTabId;
  return { ...view, tab };
}

function setText(tab: EditorTab, text: string, cursor = text.length) {
  act(() => {
    sqlStore.setDoc(tab, text);
    tab.view!.dispatch({ selection: { anchor: cursor } });
  });
}

const COLS = [col("g", "integer", 23)];
const TOTAL = 50_000;
const HELD = 1000;

/** A statement whose first HELD rows arrive with the run while all TOTAL were stored. */
function bigResult(sql: string): RunEvent[] {
  const rows = Array.from({ length: HELD }, (_, i) => [String(i + 1)]);
  return [
    { kind: "statement_started", index: 0, sql_offset: 0, sql_length: [...sql].length },
    { kind: "columns", index: 0, columns: COLS },
    { kind: "rows", index: 0, rows },
    { kind: "statement_done", index: 0, tag: `SELECT ${TOTAL}`, rows_affected: TOTAL, duration_ms: 5, rows_stored: TOTAL, truncated: false },
    finished(),
  ];
}

function scrollGridTo(row: number) {
  const grid = byId("result-grid");
  act(() => {
    grid.scrollTop = row * ROW_HEIGHT;
    fireEvent.scroll(grid);
  });
}

const shownNumbers = () => screen.getAllByTestId("result-row").map((r) => within(r).queryAllByTestId("result-cell")[0]?.textContent ?? null);

describe("a result larger than the rows held", () => {
  it("is a window over every row: pages are fetched as it scrolls and the status says where it is", async () => {
    const { tab } = await renderPanel();
    answer(bigResult);
    setText(tab(), "select g from generate_series(1, 50000) g");
    fireEvent.click(byId("sql-run"));
    await waitFor(() => expect(byId("result-grid").getAttribute("data-rows")).toBe(String(TOTAL)));
    await waitFor(() => expect(byId("sql-status").textContent).toMatch(/^rows 1–\d+ of 50,000 · /));
    expect(api.commands.sqlFetchRows).not.toHaveBeenCalled();

    scrollGridTo(30_000);
    // Placeholders until the page is read.
    await waitFor(() => expect(screen.getAllByTestId("result-cell-loading").length).toBeGreaterThan(0));
    await waitFor(() => expect(shownNumbers()).toContain("30001"));
    const runId = tab().run!.id;
    const calls = api.commands.sqlFetchRows.mock.calls;
    expect(calls.every(([t, r, i, , limit]) => t === tab().id && r === runId && i === 0 && limit === 1000)).toBe(true);
    expect(calls.map((c) => c[3])).toContain(30_000);
    expect(byId("sql-status").textContent).toMatch(/^rows 30,001–30,\d{3} of 50,000 · /);

    // The end is reachable.
    scrollGridTo(TOTAL);
    await waitFor(() => expect(shownNumbers()).toContain("50000"));
    expect(byId("sql-status").textContent).toMatch(/–50,000 of 50,000/);
  });

  it("sorts a query on the server: it runs again wrapped in ORDER BY, and says so", async () => {
    const { tab } = await renderPanel();
    answer(bigResult);
    setText(tab(), "select g from big -- all of them");
    fireEvent.click(byId("sql-run"));
    await waitFor(() => expect(byId("result-grid").getAttribute("data-rows")).toBe(String(TOTAL)));
    fireEvent.click(screen.getAllByTestId("result-header")[0]);
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(2));
    expect(api.commands.sqlRun.mock.calls[1][2]).toBe("SELECT * FROM (\nselect g from big -- all of them\n) AS grove_sorted ORDER BY 1");
    await waitFor(() => expect(byId("sql-note").textContent).toContain("on the server"));
    expect(screen.getAllByTestId("result-header")[0].getAttribute("aria-sort")).toBe("ascending");
    // Again: descending, of the same query (not wrapped twice).
    fireEvent.click(screen.getAllByTestId("result-header")[0]);
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(3));
    expect(api.commands.sqlRun.mock.calls[2][2]).toBe("SELECT * FROM (\nselect g from big -- all of them\n) AS grove_sorted ORDER BY 1 DESC");
    await waitFor(() => expect(screen.getAllByTestId("result-header")[0].getAttribute("aria-sort")).toBe("descending"));
  });

  it("sorts only the rows held when the statement is not a query, and says so", async () => {
    const { tab } = await renderPanel();
    answer(bigResult);
    setText(tab(), "fetch 50000 from c");
    fireEvent.click(byId("sql-run"));
    await waitFor(() => expect(byId("result-grid").getAttribute("data-rows")).toBe(String(TOTAL)));
    fireEvent.click(screen.getAllByTestId("result-header")[0]);
    fireEvent.click(screen.getAllByTestId("result-header")[0]);
    expect(api.commands.sqlRun).toHaveBeenCalledTimes(1);
    expect(byId("sort-note").textContent).toContain("Sorted only the 1,000 rows held, not all 50,000");
    expect(byId("result-grid").getAttribute("data-rows")).toBe(String(HELD));
    expect(shownNumbers()[0]).toBe("1000");
    expect(byId("sql-status").textContent).toMatch(/^1,000 of 50,000 rows/);
  });
});
