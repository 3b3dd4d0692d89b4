import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ResultGrid } from "./ResultGrid";
import { keys, type StatementResult } from "./editorModel";
import { sqlStore } from "./store";
import { col } from "./testSupport";

function statement(rows: (string | null)[][], columns = [col("id", "integer", 23), col("name")]): StatementResult {
  return {
    index: 0,
    sql: "select id, name from t",
    editorRange: null,
    hidden: false,
    columns,
    rows,
    status: "running",
    tag: null,
    rowsAffected: null,
    durationMs: null,
    rowsStored: 0,
    pages: null,
    truncated: false,
    view: { sort: null, widths: null },
  };
}

const cells = (row: HTMLElement) => within(row).getAllByTestId("result-cell").map((c) => c.textContent);
const firstColumn = () => screen.getAllByTestId("result-row").map((r) => cells(r)[0]);

beforeEach(() => sqlStore.reset());
afterEach(() => vi.restoreAllMocks());

describe("ResultGrid", () => {
  it("renders NULL distinctly from the text 'NULL', with the column types in the headers", () => {
    render(<ResultGrid tabId="t1" st={statement([["1", null], ["2", "NULL"]])} />);
    const [r1, r2] = screen.getAllByTestId("result-row");
    const nullCell = within(r1).getAllByTestId("result-cell")[1];
    expect(nullCell.getAttribute("data-null")).toBe("true");
    expect(nullCell.className).toContain("cell-null");
    expect(nullCell.textContent).toBe("NULL");
    const textCell = within(r2).getAllByTestId("result-cell")[1];
    expect(textCell.getAttribute("data-null")).toBeNull();
    expect(textCell.className).not.toContain("cell-null");
    const headers = screen.getAllByTestId("result-header");
    expect(headers.map((h) => h.textContent)).toEqual(["idinteger", "nametext"]);
  });

  it("shows pages appended to the kept rows without being handed a new array", () => {
    const st = statement([["1", "a"]]);
    render(<ResultGrid tabId="t1" st={st} />);
    expect(screen.getAllByTestId("result-row")).toHaveLength(1);
    act(() => {
      for (let i = 2; i <= 5; i++) st.rows.push([String(i), `n${i}`]);
      sqlStore.emit(keys.rows("t1", 0));
    });
    expect(firstColumn()).toEqual(["1", "2", "3", "4", "5"]);
    expect(screen.getByTestId("result-grid").getAttribute("data-rows")).toBe("5");
  });

  it("keeps only a window of a large result in the DOM", () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => [String(i), `row ${i}`]);
    render(<ResultGrid tabId="t1" st={statement(rows)} />);
    const shown = screen.getAllByTestId("result-row").length;
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(100);
    expect(screen.getByTestId("result-grid").getAttribute("aria-rowcount")).toBe("100001");
  });

  it("sorts by a numeric column as numbers on header click (asc, desc, off)", () => {
    render(<ResultGrid tabId="t1" st={statement([["10", "a"], ["9", "b"], [null, "c"], ["100", "d"]])} />);
    const idHeader = screen.getAllByTestId("result-header")[0];
    fireEvent.click(idHeader);
    expect(firstColumn()).toEqual(["9", "10", "100", "NULL"]);
    expect(idHeader.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(idHeader);
    expect(firstColumn()).toEqual(["NULL", "100", "10", "9"]);
    fireEvent.click(idHeader);
    expect(firstColumn()).toEqual(["10", "9", "NULL", "100"]);
  });

  it("copies the selected cells as TSV with Ctrl+C, and everything as CSV or JSON", async () => {
    const writeText = vi.fn<(s: string) => Promise<void>>().mockResolvedValue();
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    const copied = vi.fn();
    render(<ResultGrid tabId="t1" st={statement([["1", "a"], ["2", null], ["3", "c"]])} onCopied={copied} />);
    const rows = screen.getAllByTestId("result-row");
    fireEvent.mouseDown(within(rows[0]).getAllByTestId("result-cell")[0], { button: 0 });
    fireEvent.mouseDown(within(rows[1]).getAllByTestId("result-cell")[1], { button: 0, shiftKey: true });
    fireEvent.mouseUp(window);
    const grid = screen.getByTestId("result-grid");
    fireEvent.keyDown(grid, { key: "c", ctrlKey: true });
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("1\ta\n2\t"));
    await waitFor(() => expect(copied).toHaveBeenCalledWith("Copied 2 rows"));

    // A row number selects the whole row.
    fireEvent.mouseDown(rows[2].querySelector(".grid-rownum")!, { button: 0 });
    fireEvent.keyDown(grid, { key: "c", ctrlKey: true });
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith("3\tc"));

    // The context menu copies as CSV / JSON.
    fireEvent.keyDown(grid, { key: "Escape" });
    fireEvent.contextMenu(grid);
    fireEvent.mouseDown(screen.getByTestId("grid-copy-csv"));
    await waitFor(() => expect(writeText).toHaveBeenLastCalledWith("id,name\r\n1,a\r\n2,\r\n3,c"));
    fireEvent.contextMenu(grid);
    fireEvent.mouseDown(screen.getByTestId("grid-copy-json"));
    await waitFor(() => expect(JSON.parse(writeText.mock.lastCall![0])).toEqual([
      { id: 1, name: "a" },
      { id: 2, name: null },
      { id: 3, name: "c" },
    ]));
  });

  it("resizes a column by dragging its header's edge", () => {
    const st = statement([["1", "a"]]);
    render(<ResultGrid tabId="t1" st={st} />);
    const handle = screen.getAllByTestId("result-resize")[1];
    const before = parseFloat((screen.getAllByTestId("result-header")[1] as HTMLElement).style.width);
    fireEvent.pointerDown(handle, { clientX: 100, pointerId: 1 });
    fireEvent.pointerMove(handle, { clientX: 160, pointerId: 1 });
    fireEvent.pointerUp(handle, { pointerId: 1 });
    const after = parseFloat((screen.getAllByTestId("result-header")[1] as HTMLElement).style.width);
    expect(after).toBe(before + 60);
    expect(st.view.widths?.[1]).toBe(after);
  });
});
