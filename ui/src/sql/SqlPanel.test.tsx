import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { OpProgress } from "../bindings/OpProgress";
import type { RunEvent } from "../bindings/RunEvent";
import type { SqlRunEvent } from "../bindings/SqlRunEvent";
import { apiError, branch } from "../test/mockApi";
import { SqlPanel } from "./SqlPanel";
import { branchKey, type EditorTab } from "./editorModel";
import { sqlStore } from "./store";
import {
  ANALYZED_PLAN,
  col,
  finished,
  installRangeRects,
  makeSqlCommands,
  selectEvents,
  summary,
  tabInfo,
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
const disabled = (id: string) => (byId(id) as HTMLButtonElement).disabled;

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

const COLS = [col("id", "integer", 23), col("name")];

describe("SQL panel", () => {
  it("opens a session for its tab and loads the schema for autocomplete", async () => {
    const { tab } = await renderPanel();
    expect(api.commands.sqlOpen).toHaveBeenCalledWith(tab().id, "c1", "dev/alex");
    expect(api.commands.sqlSchema).toHaveBeenCalledWith("c1", "dev/alex");
    expect(byId("sql-tx-status").textContent).toBe("idle");
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(1);
    expect(byId("sql-editor").querySelector(".cm-content")).not.toBeNull();
    expect(disabled("sql-run")).toBe(true); // nothing to run yet
  });

  it("runs the statement under the cursor and streams its rows into a result tab", async () => {
    const { tab } = await renderPanel();
    let release = () => {};
    api.commands.sqlRun.mockImplementation(async (tabId, runId, script) => {
      emit(tabId, runId, selectEvents(0, script, 0, COLS, [[["1", "ann"], ["2", null]]]));
      await new Promise<void>((r) => (release = r));
      emit(tabId, runId, [{ kind: "rows", index: 0, rows: [["3", "NULL"]] }]);
      emit(tabId, runId, [{ kind: "statement_done", index: 0, tag: "SELECT 3", rows_affected: 3, duration_ms: 2, rows_stored: 0, truncated: false }, finished({ tx_status: "in_transaction" })]);
      return summary({ rows: 3, tx_status: "in_transaction" });
    });
    setText(tab(), "select 1;\nselect id, name from t;\nselect 3;", 15);
    fireEvent.click(byId("sql-run"));

    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(2));
    const [, runId, script] = api.commands.sqlRun.mock.calls[0];
    expect(script).toBe("select id, name from t");
    expect(runId).toMatch(/\w/);
    expect(disabled("sql-cancel")).toBe(false);
    expect(disabled("sql-run")).toBe(true);

    await act(async () => release());
    await waitFor(() => expect(screen.getAllByTestId("result-row")).toHaveLength(3));
    await waitFor(() => expect(disabled("sql-cancel")).toBe(true));
    const rows = screen.getAllByTestId("result-row");
    const nameCells = rows.map((r) => within(r).getAllByTestId("result-cell")[1]);
    expect(nameCells.map((c) => c.getAttribute("data-null"))).toEqual([null, "true", null]);
    expect(screen.getAllByTestId("result-tab")).toHaveLength(1);
    expect(byId("sql-status").textContent).toMatch(/^3 rows · 2\.0 ms/);
    expect(byId("sql-tx-status").textContent).toBe("in transaction");
    expect(api.run).toHaveLength(0); // the listener is gone
  });

  it("runs with Ctrl+Enter (statement) and Shift+Ctrl+Enter (whole script)", async () => {
    const { tab } = await renderPanel();
    answer((s) => [{ kind: "statement_started", index: 0, sql_offset: 0, sql_length: s.length }, { kind: "statement_done", index: 0, tag: "SELECT 1", rows_affected: 1, duration_ms: 1, rows_stored: 0, truncated: false }, finished()]);
    setText(tab(), "select 1;\nselect 2;", 3);
    const content = byId("sql-editor").querySelector(".cm-content")!;
    fireEvent.keyDown(content, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(1));
    expect(api.commands.sqlRun.mock.calls[0][2]).toBe("select 1");
    await waitFor(() => expect(disabled("sql-run")).toBe(false));
    fireEvent.keyDown(content, { key: "Enter", ctrlKey: true, shiftKey: true });
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(2));
    expect(api.commands.sqlRun.mock.calls[1][2]).toBe("select 1;\nselect 2;");
  });

  it("shows one result tab per statement, and DDL reloads the schema", async () => {
    const { tab } = await renderPanel();
    const script = "create table t (id int);\nselect 1 as a;\nselect 2 as b";
    answer(() => [
      { kind: "statement_started", index: 0, sql_offset: 0, sql_length: 23 },
      { kind: "statement_done", index: 0, tag: "CREATE TABLE", rows_affected: null, duration_ms: 1, rows_stored: 0, truncated: false },
      ...selectEvents(1, "select 1 as a", 25, [col("a", "integer", 23)], [[["1"]]]),
      { kind: "notice", index: 1, notice: { severity: "NOTICE", sqlstate: "00000", message: "hello there", detail: null, hint: null } },
      ...selectEvents(2, "select 2 as b", 40, [col("b", "integer", 23)], [[["2"]]]),
      finished(),
    ]);
    setText(tab(), script);
    await waitFor(() => expect(api.commands.sqlSchema).toHaveBeenCalledTimes(1));
    fireEvent.click(byId("sql-run-all"));
    await waitFor(() => expect(screen.getAllByTestId("result-tab")).toHaveLength(3));
    expect(screen.getAllByTestId("result-tab").map((t) => t.textContent)).toEqual(["1 · CREATE TABLE", "2 · Result", "3 · Result"]);
    // The first result set is shown.
    expect(within(byId("result-grid")).getAllByTestId("result-cell")[0].textContent).toBe("1");
    fireEvent.click(screen.getAllByTestId("result-tab")[2]);
    expect(within(byId("result-grid")).getAllByTestId("result-cell")[0].textContent).toBe("2");
    fireEvent.click(byId("result-tab-messages"));
    expect(byId("sql-messages").textContent).toContain("hello there");
    expect(byId("sql-messages").textContent).toContain("CREATE TABLE");
    await waitFor(() => expect(api.commands.sqlSchema).toHaveBeenCalledTimes(2));
  });

  it("shows the error with its SQLSTATE and marks its position in the editor", async () => {
    const { tab } = await renderPanel();
    answer(
      (s) => [
        { kind: "statement_started", index: 0, sql_offset: 0, sql_length: s.length },
        {
          kind: "error",
          index: 0,
          error: apiError({ message: 'syntax error at or near "fro"', sqlstate: "42601", hint: "Check the FROM clause", position: 10 }),
        },
        finished({ tx_status: "idle" }),
      ],
      () => summary({ statements_done: 0, error: apiError({ message: 'syntax error at or near "fro"', sqlstate: "42601", position: 10 }) }),
    );
    const doc = "select 1;\nselect * fro t";
    setText(tab(), doc);
    fireEvent.click(byId("sql-run"));
    const err = await screen.findByTestId("sql-error");
    expect(err.textContent).toContain('syntax error at or near "fro"');
    expect(err.textContent).toContain("42601");
    expect(err.textContent).toContain("Check the FROM clause");
    expect(err.getAttribute("data-sqlstate")).toBe("42601");
    // Position 10 of "select * fro t" is editor offset 10 + 9 = 19: line 2, column 10.
    expect(err.getAttribute("data-position")).toBe("20");
    expect(byId("sql-error-position").textContent).toContain("line 2, column 10");
    const mark = byId("sql-editor").querySelector(".cm-error-mark");
    expect(mark?.textContent).toBe("fro");
    expect(tab().view!.state.selection.main.head).toBe(doc.indexOf("fro"));
  });

  it("Cancel asks the backend to cancel the tab's query", async () => {
    const { tab } = await renderPanel();
    let finish = () => {};
    api.commands.sqlRun.mockImplementation(async (tabId, runId, script) => {
      emit(tabId, runId, [{ kind: "statement_started", index: 0, sql_offset: 0, sql_length: script.length }]);
      await new Promise<void>((r) => (finish = r));
      const error = apiError({ code: "cancelled", message: "canceling statement due to user request", sqlstate: "57014" });
      emit(tabId, runId, [{ kind: "error", index: 0, error }, finished()]);
      return summary({ statements_done: 0, error });
    });
    expect(disabled("sql-cancel")).toBe(true);
    setText(tab(), "select pg_sleep(60)");
    fireEvent.click(byId("sql-run"));
    await waitFor(() => expect(disabled("sql-cancel")).toBe(false));
    fireEvent.click(byId("sql-cancel"));
    await waitFor(() => expect(api.commands.sqlCancel).toHaveBeenCalledWith(tab().id));
    await act(async () => finish());
    await waitFor(() => expect(disabled("sql-cancel")).toBe(true));
    expect(byId("sql-error").textContent).toContain("canceling statement");
    expect(disabled("sql-run")).toBe(false);
  });

  it("reopens a session that is gone (not_found) and runs again", async () => {
    const { tab } = await renderPanel();
    api.commands.sqlRun
      .mockRejectedValueOnce(apiError({ code: "not_found", message: "this editor tab has no open session; reopen it" }))
      .mockImplementationOnce(async (tabId, runId) => {
        emit(tabId, runId, [finished()]);
        return summary();
      });
    setText(tab(), "select 1");
    fireEvent.click(byId("sql-run"));
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(2));
    expect(api.commands.sqlOpen).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(disabled("sql-run")).toBe(false));
    expect(screen.queryByTestId("sql-error")).toBeNull();
  });

  it("Explain analyze renders the plan as a tree and flags the costly nodes", async () => {
    const { tab } = await renderPanel();
    answer((s) => [
      { kind: "statement_started", index: 0, sql_offset: 0, sql_length: s.length },
      { kind: "columns", index: 0, columns: [col("QUERY PLAN", "json", 114)] },
      { kind: "rows", index: 0, rows: [[ANALYZED_PLAN]] },
      { kind: "statement_done", index: 0, tag: "EXPLAIN", rows_affected: 1, duration_ms: 11, rows_stored: 0, truncated: false },
      finished(),
    ]);
    setText(tab(), "select * from orders o join users u on u.id = o.user_id");
    fireEvent.click(byId("sql-explain-analyze"));
    await screen.findByTestId("plan-tree");
    expect(api.commands.sqlRun.mock.calls[0][2]).toBe(
      "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) select * from orders o join users u on u.id = o.user_id",
    );
    const nodes = screen.getAllByTestId("plan-node");
    expect(nodes.map((n) => n.getAttribute("data-node-type"))).toEqual(["Hash Join", "Seq Scan", "Hash", "Index Scan"]);
    expect(nodes.map((n) => n.getAttribute("data-costly"))).toEqual(["true", "true", "false", "false"]);
    expect(nodes[1].getAttribute("data-cost-level")).toBe("high");
    expect(nodes[0].getAttribute("data-cost-level")).toBe("medium");
    // A node opens to show all its properties.
    fireEvent.click(within(nodes[1]).getByTitle("Show all properties"));
    expect(within(nodes[1]).getByTestId("plan-props").textContent).toContain("Relation Name");
    fireEvent.click(byId("sql-explain"));
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(2));
    expect(api.commands.sqlRun.mock.calls[1][2]).toMatch(/^EXPLAIN \(FORMAT JSON\) select/);
  });

  it("exports the statement's full result through sqlExport, with progress", async () => {
    const { tab } = await renderPanel();
    answer((s) => [
      { kind: "statement_started", index: 0, sql_offset: 0, sql_length: s.length },
      { kind: "columns", index: 0, columns: COLS },
      { kind: "rows", index: 0, rows: [["1", "a"]] },
      { kind: "statement_done", index: 0, tag: "SELECT 250000", rows_affected: 250000, duration_ms: 900, rows_stored: 1, truncated: true },
      finished(),
    ]);
    setText(tab(), "select 0;\nselect id, name from big");
    fireEvent.click(byId("sql-run"));
    const note = await screen.findByTestId("sql-truncated");
    expect(note.textContent).toContain("first 1 rows of 250,000");
    expect(note.textContent).toMatch(/writes\s+all of them/);
    expect(byId("sql-status").textContent).toContain("1 of 250,000 rows");

    let done = (_: { path: string; rows: number; bytes: number; duration_ms: number }) => {};
    api.commands.sqlExport.mockImplementation(() => new Promise((r) => (done = r)));
    fireEvent.click(byId("sql-export"));
    const dialog = await screen.findByTestId("export-dialog");
    const path = within(dialog).getByTestId("export-path") as HTMLInputElement;
    await waitFor(() => expect(path.value).toBe("/home/me/Downloads/grove-result-1.csv"));
    fireEvent.change(within(dialog).getByTestId("export-format"), { target: { value: "ndjson" } });
    await waitFor(() => expect(path.value).toBe("/home/me/Downloads/grove-result-1.ndjson"));
    fireEvent.click(within(dialog).getByTestId("export-submit"));
    await waitFor(() => expect(api.commands.sqlExport).toHaveBeenCalled());
    const [server, br, sql, format, p, opId] = api.commands.sqlExport.mock.calls[0];
    expect([server, br, sql, format, p]).toEqual(["c1", "dev/alex", "select id, name from big", "ndjson", "/home/me/Downloads/grove-result-1.ndjson"]);
    act(() =>
      api.progress.forEach((h) =>
        h({ op_id: opId, progress: { op: "export", phase: "writing", detail: "1.5 MB written", bytes_total: null, elapsed_ms: 100, copy: null } }),
      ),
    );
    expect(within(dialog).getByTestId("export-progress").textContent).toContain("1.5 MB written");
    fireEvent.click(within(dialog).getByTestId("export-cancel"));
    await waitFor(() => expect(api.commands.cancelOperation).toHaveBeenCalledWith(opId));
    await act(async () => done({ path: p, rows: 250000, bytes: 3_000_000, duration_ms: 1200 }));
    const result = await within(dialog).findByTestId("export-result");
    expect(result.getAttribute("data-status")).toBe("ok");
    expect(result.textContent).toContain("250,000 rows");
    expect(result.textContent).toContain(p);
  });

  it("keeps tabs, their text and results when the pane is left and shown again; closing a tab closes its session", async () => {
    const { tab, unmount } = await renderPanel();
    setText(tab(), "select 'kept'");
    fireEvent.click(byId("sql-add-tab"));
    await waitFor(() => expect(api.commands.sqlOpen).toHaveBeenCalledTimes(2));
    const ids = api.commands.sqlOpen.mock.calls.map((c) => c[0]);
    expect(new Set(ids).size).toBe(2);
    expect(screen.getAllByTestId("sql-tab").map((t) => t.getAttribute("data-title"))).toEqual(["Query 1", "Query 2"]);
    unmount();

    render(<SqlPanel server="c1" branch={dev} />);
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(2);
    fireEvent.click(within(screen.getAllByTestId("sql-tab")[0]).getByText("Query 1"));
    expect(byId("sql-editor").querySelector(".cm-content")!.textContent).toBe("select 'kept'");
    expect(api.commands.sqlOpen).toHaveBeenCalledTimes(2); // no new sessions

    fireEvent.click(within(screen.getAllByTestId("sql-tab")[1]).getByTestId("sql-tab-close"));
    expect(api.commands.sqlClose).toHaveBeenCalledWith(ids[1]);
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(1);
  });

  it("renames a tab with a double click", async () => {
    await renderPanel();
    fireEvent.doubleClick(within(byId("sql-tab")).getByText("Query 1"));
    const input = byId("sql-tab-rename");
    fireEvent.change(input, { target: { value: "Orders report" } });
    fireEvent.keyDown(input, { key: "Enter" });
    expect(byId("sql-tab").getAttribute("data-title")).toBe("Orders report");
  });

  it("protected branches open read-only; Unlock confirms, then unlocks the tab", async () => {
    api.commands.sqlOpen.mockResolvedValue(tabInfo({ read_only: true }));
    api.commands.sqlUnlock.mockResolvedValue(tabInfo({ read_only: false }));
    const { tab } = await renderPanel();
    expect(byId("sql-readonly")).toBeTruthy();
    fireEvent.click(byId("sql-unlock"));
    expect(byId("confirm-dialog").textContent).toMatch(/protected/);
    fireEvent.click(byId("confirm-remove"));
    await waitFor(() => expect(api.commands.sqlUnlock).toHaveBeenCalledWith(tab().id));
    await waitFor(() => expect(screen.queryByTestId("sql-readonly")).toBeNull());
  });

  it("the history lists this branch's runs; a click loads one into the editor", async () => {
    api.commands.sqlHistory.mockResolvedValue([
      { id: 7, server_id: "c1", branch: "dev/alex", sql: "select * from users", started_at: new Date().toISOString(), duration_ms: 3, row_count: 2, error: null },
    ]);
    const { tab } = await renderPanel();
    fireEvent.click(byId("sql-history-toggle"));
    const entry = await screen.findByTestId("history-entry");
    expect(api.commands.sqlHistory).toHaveBeenCalledWith({ search: null, server_id: "c1", branch: "dev/alex", limit: 200 });
    fireEvent.click(entry);
    expect(sqlStore.docText(tab())).toBe("select * from users");

    fireEvent.change(byId("history-scope"), { target: { value: "all" } });
    await waitFor(() =>
      expect(api.commands.sqlHistory).toHaveBeenLastCalledWith({ search: null, server_id: null, branch: null, limit: 200 }),
    );
    fireEvent.click(byId("history-clear"));
    fireEvent.click(byId("history-clear-confirm"));
    await waitFor(() => expect(api.commands.sqlClearHistory).toHaveBeenCalledWith(null));
  });

  it("saves the editor's text as a named query and lists, opens and deletes saved queries", async () => {
    const saved = { id: 3, name: "Active users", sql: "select 1", server_id: "c1", branch: "dev/alex", created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-01T00:00:00Z" };
    api.commands.saveQuery.mockResolvedValue(saved);
    const { tab } = await renderPanel();
    setText(tab(), "select 1");
    fireEvent.click(byId("sql-save-query"));
    fireEvent.change(byId("save-query-name"), { target: { value: "Active users" } });
    fireEvent.click(byId("save-query-submit"));
    await waitFor(() =>
      expect(api.commands.saveQuery).toHaveBeenCalledWith(null, { name: "Active users", sql: "select 1", server_id: "c1", branch: "dev/alex" }),
    );
    await waitFor(() => expect(byId("sql-tab").getAttribute("data-title")).toBe("Active users"));

    api.commands.listSavedQueries.mockResolvedValue([{ ...saved, name: "Big orders", id: 4, sql: "select * from orders where total > 100" }]);
    fireEvent.click(byId("sql-history-toggle"));
    fireEvent.click(byId("side-tab-saved"));
    const item = await screen.findByTestId("saved-query");
    fireEvent.click(within(item).getByText("Big orders"));
    // The editor had text: the saved query opens in a tab of its own.
    await waitFor(() => expect(screen.getAllByTestId("sql-tab")).toHaveLength(2));
    expect(sqlStore.docText(tab())).toBe("select * from orders where total > 100");
    expect(tab().title).toBe("Big orders");
    // The side panel stays open in the new tab.
    const again = await screen.findByTestId("saved-query");
    fireEvent.click(within(again).getByTestId("saved-delete"));
    fireEvent.click(within(again).getByTestId("saved-delete-confirm"));
    await waitFor(() => expect(api.commands.deleteSavedQuery).toHaveBeenCalledWith(4));
  });

  it("Explain analyze of an UPDATE runs in its own transaction, rolled back even when it fails", async () => {
    const { tab } = await renderPanel();
    const error = apiError({ message: 'column "nope" does not exist', sqlstate: "42703", position: 65 });
    api.commands.sqlRun.mockImplementation(async (tabId, runId, script) => {
      if (script === "ROLLBACK") return summary({ tx_status: "idle" });
      emit(tabId, runId, [
        { kind: "statement_started", index: 0, sql_offset: 0, sql_length: 6 },
        { kind: "statement_done", index: 0, tag: "BEGIN", rows_affected: null, duration_ms: 0.1, rows_stored: 0, truncated: false },
        { kind: "statement_started", index: 1, sql_offset: 7, sql_length: script.length - 20 },
        { kind: "error", index: 1, error },
        finished({ tx_status: "failed" }),
      ]);
      return summary({ statements_done: 1, statements_total: 3, tx_status: "failed", error });
    });
    const doc = "update t set x = nope";
    setText(tab(), doc);
    fireEvent.click(byId("sql-explain-analyze"));
    await waitFor(() => expect(api.commands.sqlRun).toHaveBeenCalledTimes(2));
    expect(api.commands.sqlRun.mock.calls[0][2]).toBe(
      "BEGIN;\nEXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) update t set x = nope\n;\nROLLBACK;",
    );
    expect(api.commands.sqlRun.mock.calls[1][2]).toBe("ROLLBACK");
    await waitFor(() => expect(byId("sql-tx-status").textContent).toBe("idle"));
    // Position 65 is "nope" in the sent script: the mark lands on it in the editor.
    expect(byId("sql-editor").querySelector(".cm-error-mark")?.textContent).toBe("nope");
    expect(screen.queryByTestId("sql-note")).toBeNull();
  });

  it("asks before closing a tab whose transaction is open", async () => {
    api.commands.sqlOpen.mockResolvedValue(tabInfo({ tx_status: "in_transaction" }));
    const { tab } = await renderPanel();
    fireEvent.click(byId("sql-tab-close"));
    expect(byId("confirm-dialog").textContent).toMatch(/rolls it back/);
    expect(api.commands.sqlClose).not.toHaveBeenCalled();
    const id = tab().id;
    fireEvent.click(byId("confirm-remove"));
    await waitFor(() => expect(api.commands.sqlClose).toHaveBeenCalledWith(id));
    expect(screen.queryAllByTestId("sql-tab")).toHaveLength(0);
    // With no tab left, one click opens a new one.
    fireEvent.click(screen.getByText("New query tab"));
    expect(screen.getAllByTestId("sql-tab")).toHaveLength(1);
  });
});
