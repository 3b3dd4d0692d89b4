// A result grid virtualised in both directions: only the rows and columns on screen are in the
// DOM, so large results scroll smoothly while pages keep arriving (the rows live in the store's
// array; a page only bumps a version). A result larger than the rows held is a window over all
// its rows (see rowPages.ts): rows past the held ones are fetched as they come into view, with
// placeholders meanwhile. Click a header to sort (a larger result sorts on the server, or only
// its held rows), drag its edge to resize, select cells or rows with the mouse or keyboard,
// copy as TSV (Ctrl/Cmd+C), CSV or JSON.
import { observeElementRect, useVirtualizer, type Virtualizer } from "@tanstack/react-virtual";
import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
  type PointerEvent as ReactPointerEvent,
  type Ref,
} from "react";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import { keys, type StatementResult } from "./editorModel";
import { useStoreVersion } from "./store";
import { formatCount, isNumericColumn, sortedOrder, toCsv, toJson, toTsv, type Row, type SortSpec } from "./values";

export const ROW_HEIGHT = 22;
export const HEADER_HEIGHT = 34;
export const GUTTER_WIDTH = 56;
const MIN_WIDTH = 56;
const MAX_AUTO_WIDTH = 420;
const CHAR_PX = 7.4;
/** Longer values are cut for display (the whole value is copied and shown on double-click). */
const DISPLAY_CHARS = 400;
/** The context menu's size, to keep it inside the window. */
const MENU_WIDTH = 200;
const MENU_HEIGHT = 190;
/** A copy of a result larger than the rows held reads at most this many rows. */
export const MAX_COPY_ROWS = 100_000;

export interface GridHandle {
  /**
   * The selected cells (or every row held and column without a selection), in display order;
   * rows not in memory are read from the backend.
   */
  selection(): Promise<{ columns: ColumnInfo[]; rows: Row[]; all: boolean }>;
  copy(format: CopyFormat, withHeader?: boolean): Promise<number>;
}

export type CopyFormat = "tsv" | "csv" | "json";

interface Cell {
  r: number;
  /** -1: the whole row (its number was clicked). */
  c: number;
}

interface Selection {
  anchor: Cell;
  focus: Cell;
}

interface Props {
  tabId: string;
  st: StatementResult;
  ref?: Ref<GridHandle>;
  /** Called after a copy: how many rows, or an error. */
  onCopied?: (what: string) => void;
  /** Shows a whole value (double-click on a cell). */
  onOpenValue?: (column: ColumnInfo, value: string | null) => void;
  /** For a result larger than the rows held: sorts it on the server (a query), else null. */
  onServerSort?: ((sort: SortSpec | null) => void) | null;
  /** The sort the server applied to this result (the header shows it). */
  serverSort?: SortSpec | null;
  /** The rows on screen changed: [from, to) of `total`. */
  onRange?: (from: number, to: number, total: number) => void;
}

/** The virtualiser measures nothing in a hidden or not-yet-laid-out element: assume a window. */
function observeRect<T extends Element>(instance: Virtualizer<T, Element>, cb: (r: { width: number; height: number }) => void) {
  return observeElementRect(instance, (r) => cb({ width: r.width || 1200, height: r.height || 600 }));
}

export function initialWidths(columns: readonly ColumnInfo[], rows: readonly Row[]): number[] {
  const sample = rows.slice(0, 200);
  return columns.map((c, i) => {
    let chars = Math.max(c.name.length, Math.min(c.type_name.length, 18) * 0.85);
    for (const r of sample) {
      const v = r[i];
      const len = v === null ? 4 : Math.min(v.length, 80);
      if (len > chars) chars = len;
    }
    return Math.round(Math.max(MIN_WIDTH + 24, Math.min(MAX_AUTO_WIDTH, chars * CHAR_PX + 28)));
  });
}

function range(a: number, b: number): [number, number] {
  return a <= b ? [a, b] : [b, a];
}

export function ResultGrid({ tabId, st, ref, onCopied, onOpenValue, onServerSort, serverSort, onRange }: Props) {
  const rowsVersion = useStoreVersion(keys.rows(tabId, st.index));
  const columns = useMemo(() => st.columns ?? [], [st.columns]);
  const rows = st.rows;
  const pages = st.pages;
  const [sort, setSortState] = useState<SortSpec | null>(st.view.sort);
  const [widths, setWidthsState] = useState<number[]>(() =>
    st.view.widths && st.view.widths.length === columns.length ? st.view.widths : initialWidths(columns, rows),
  );
  const [sel, setSel] = useState<Selection | null>(null);
  const [menu, setMenu] = useState<{ x: number; y: number } | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  // The second `columns` event (type names resolved) keeps the widths; a different shape resets them.
  useEffect(() => {
    if (widths.length !== columns.length) setWidthsState(initialWidths(columns, rows));
  }, [columns, rows, widths.length]);

  // Widths first come from the headers alone: fit them to the first rows once they are in,
  // unless the user resized a column.
  const resized = useRef(st.view.widths !== null);
  const fitted = useRef(rows.length > 0);
  useEffect(() => {
    if (!resized.current && !fitted.current && rows.length > 0) {
      fitted.current = true;
      setWidthsState(initialWidths(columns, rows));
    }
  }, [rowsVersion, columns, rows]);

  const setSort = (s: SortSpec | null) => {
    st.view.sort = s;
    setSortState(s);
  };
  const setWidths = (w: number[]) => {
    st.view.widths = w;
    resized.current = true;
    setWidthsState(w);
  };

  // Pages are appended to `rows` in place: its length says when to sort again.
  const held = rows.length;
  const order = useMemo(
    () => (sort && columns[sort.column] ? sortedOrder(rows, columns[sort.column], sort.column, sort.dir, held) : null),
    [sort, columns, rows, held],
  );
  // A sort in the grid of a larger result sorts (and shows) only the rows held.
  const windowed = !!pages && !order;
  const rowCount = windowed ? pages.total : held;
  // Null: a row not in memory yet (a placeholder until its page arrives).
  const rowAt = useCallback(
    (i: number): Row | null => (order ? rows[order[i]] : i < held ? rows[i] : (pages?.row(i) ?? null)),
    [order, rows, held, pages],
  );
  const numeric = useMemo(() => columns.map(isNumericColumn), [columns]);

  // TanStack Virtual's instance changes in place; nothing here memoizes what it returns.
  // eslint-disable-next-line react-hooks/incompatible-library
  const rowV = useVirtualizer({
    count: rowCount,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    observeElementRect: observeRect,
  });
  const colV = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => widths[i] ?? 120,
    overscan: 2,
    paddingStart: GUTTER_WIDTH,
    scrollPaddingStart: GUTTER_WIDTH,
    observeElementRect: observeRect,
  });
  useLayoutEffect(() => {
    colV.measure();
  }, [widths, colV]);

  const totalWidth = colV.getTotalSize();
  const totalHeight = rowV.getTotalSize();
  const vRows = rowV.getVirtualItems();
  const vCols = colV.getVirtualItems();

  // The rows on screen, below the sticky header: fetch what is missing, tell the status bar.
  const top = rowV.scrollOffset ?? 0;
  const height = rowV.scrollRect?.height ?? 600;
  const first = Math.min(rowCount, Math.floor(top / ROW_HEIGHT));
  const last = Math.min(rowCount, Math.ceil((top + height - HEADER_HEIGHT) / ROW_HEIGHT));
  useEffect(() => {
    if (windowed) pages.want(Math.max(0, first - 20), Math.min(rowCount, last + 20));
    onRange?.(first, Math.min(last, rowCount), rowCount);
  }, [windowed, pages, first, last, rowCount, onRange]);

  // ---------- selection ----------

  const bounds = useMemo(() => {
    if (!sel) return null;
    const [r0, r1] = range(sel.anchor.r, sel.focus.r);
    const whole = sel.anchor.c < 0 || sel.focus.c < 0;
    const [c0, c1] = whole ? [0, columns.length - 1] : range(sel.anchor.c, sel.focus.c);
    return { r0, r1, c0, c1, whole };
  }, [sel, columns.length]);

  const selected = useCallback(
    (r: number, c: number) => !!bounds && r >= bounds.r0 && r <= bounds.r1 && c >= bounds.c0 && c <= bounds.c1,
    [bounds],
  );

  const selection = useCallback(async () => {
    if (!bounds) return { columns, rows: order ? Array.from(order, (i) => rows[i]) : rows.slice(), all: true };
    const cols = columns.slice(bounds.c0, bounds.c1 + 1);
    const r1 = Math.min(bounds.r1, rowCount - 1);
    let picked: Row[];
    if (windowed && r1 >= held) {
      if (r1 - bounds.r0 + 1 > MAX_COPY_ROWS) {
        throw new Error(`select at most ${formatCount(MAX_COPY_ROWS)} rows to copy (Export… writes them all)`);
      }
      picked = await pages.read(bounds.r0, r1 + 1);
    } else {
      picked = [];
      for (let r = bounds.r0; r <= r1; r++) picked.push(rowAt(r) ?? []);
    }
    return { columns: cols, rows: picked.map((row) => row.slice(bounds.c0, bounds.c1 + 1)), all: false };
  }, [bounds, columns, order, rows, rowAt, rowCount, windowed, pages, held]);

  const copy = useCallback(
    async (format: CopyFormat, withHeader = false): Promise<number> => {
      try {
        const s = await selection();
        const names = s.columns.map((c) => c.name);
        const text =
          format === "csv" ? toCsv(names, s.rows) : format === "json" ? toJson(s.columns, s.rows) : toTsv(s.rows, withHeader ? names : undefined);
        await navigator.clipboard.writeText(text);
        const n = s.rows.length;
        const cells = s.rows.length * s.columns.length;
        onCopied?.(
          format === "tsv" && cells === 1
            ? "Copied 1 value"
            : `Copied ${n.toLocaleString("en-US")} ${n === 1 ? "row" : "rows"}${format === "tsv" ? "" : ` as ${format.toUpperCase()}`}`,
        );
        return n;
      } catch (e) {
        const why = e instanceof Error ? e.message : typeof e === "object" && e && "message" in e ? String(e.message) : String(e);
        onCopied?.(`Could not copy: ${why}`);
        return 0;
      }
    },
    [selection, onCopied],
  );

  useImperativeHandle(ref, () => ({ selection, copy }), [selection, copy]);

  const moveTo = (cell: Cell, extend: boolean) => {
    const r = Math.max(0, Math.min(rowCount - 1, cell.r));
    const c = Math.max(0, Math.min(columns.length - 1, cell.c));
    setSel((s) => ({ anchor: extend && s ? s.anchor : { r, c }, focus: { r, c } }));
    rowV.scrollToIndex(r, { align: "auto" });
    colV.scrollToIndex(c, { align: "auto" });
  };

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "c") {
      e.preventDefault();
      void copy("tsv", e.shiftKey);
      return;
    }
    if (mod && e.key.toLowerCase() === "a") {
      e.preventDefault();
      if (rowCount > 0) setSel({ anchor: { r: 0, c: -1 }, focus: { r: rowCount - 1, c: -1 } });
      return;
    }
    if (e.key === "Escape") {
      setSel(null);
      setMenu(null);
      return;
    }
    if (rowCount === 0 || columns.length === 0) return;
    const f = sel?.focus ?? { r: 0, c: 0 };
    const fc = f.c < 0 ? 0 : f.c;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_HEIGHT) - 2);
    const moves: Record<string, Cell> = {
      ArrowDown: { r: f.r + 1, c: fc },
      ArrowUp: { r: f.r - 1, c: fc },
      ArrowLeft: { r: f.r, c: fc - 1 },
      ArrowRight: { r: f.r, c: fc + 1 },
      PageDown: { r: f.r + page, c: fc },
      PageUp: { r: f.r - page, c: fc },
      Home: mod ? { r: 0, c: 0 } : { r: f.r, c: 0 },
      End: mod ? { r: rowCount - 1, c: columns.length - 1 } : { r: f.r, c: columns.length - 1 },
    };
    const to = moves[e.key];
    if (to) {
      e.preventDefault();
      moveTo(sel ? to : { r: 0, c: 0 }, e.shiftKey);
    } else if (e.key === "Enter" && sel && sel.focus.c >= 0) {
      e.preventDefault();
      const row = rowAt(sel.focus.r);
      if (row) onOpenValue?.(columns[sel.focus.c], row[sel.focus.c] ?? null);
    }
  };

  const cellDown = (e: ReactMouseEvent, cell: Cell) => {
    if (e.button !== 0) {
      // A right click inside the selection keeps it (for the context menu).
      if (!(bounds && selected(cell.r, cell.c < 0 ? bounds.c0 : cell.c))) setSel({ anchor: cell, focus: cell });
      return;
    }
    e.preventDefault();
    scrollRef.current?.focus({ preventScroll: true });
    setMenu(null);
    dragging.current = true;
    setSel((s) => ({ anchor: e.shiftKey && s ? s.anchor : cell, focus: cell }));
  };
  const cellEnter = (cell: Cell) => {
    if (dragging.current) setSel((s) => (s ? { anchor: s.anchor, focus: cell } : s));
  };
  useEffect(() => {
    const up = () => (dragging.current = false);
    window.addEventListener("mouseup", up);
    return () => window.removeEventListener("mouseup", up);
  }, []);

  // ---------- header: sort and resize ----------

  const nextSort = (cur: SortSpec | null, i: number): SortSpec | null =>
    !cur || cur.column !== i ? { column: i, dir: "asc" } : cur.dir === "asc" ? { column: i, dir: "desc" } : null;
  const clickHeader = (i: number) => {
    setSel(null);
    if (pages && onServerSort) {
      onServerSort(nextSort(serverSort ?? null, i));
      return;
    }
    setSort(nextSort(sort, i));
  };
  const shownSort = pages && onServerSort ? (serverSort ?? null) : sort;

  const startResize = (e: ReactPointerEvent<HTMLDivElement>, i: number) => {
    e.preventDefault();
    e.stopPropagation();
    const startX = e.clientX;
    const start = widths[i];
    const target = e.currentTarget;
    target.setPointerCapture?.(e.pointerId);
    const move = (ev: PointerEvent) => {
      const next = widths.slice();
      next[i] = Math.max(MIN_WIDTH, Math.round(start + ev.clientX - startX));
      setWidths(next);
    };
    const up = () => {
      target.removeEventListener("pointermove", move);
      target.removeEventListener("pointerup", up);
      target.removeEventListener("pointercancel", up);
    };
    target.addEventListener("pointermove", move);
    target.addEventListener("pointerup", up);
    target.addEventListener("pointercancel", up);
  };

  const autoSize = (i: number) => {
    const next = widths.slice();
    next[i] = initialWidths([columns[i]], rows.slice(0, 1000).map((r) => [r[i]]))[0];
    setWidths(next);
  };

  // Close the context menu on any outside click.
  useEffect(() => {
    if (!menu) return;
    const close = () => setMenu(null);
    window.addEventListener("mousedown", close);
    window.addEventListener("blur", close);
    return () => {
      window.removeEventListener("mousedown", close);
      window.removeEventListener("blur", close);
    };
  }, [menu]);

  const menuAction = (fn: () => void) => (e: ReactMouseEvent) => {
    e.preventDefault();
    e.stopPropagation();
    setMenu(null);
    fn();
  };

  return (
    <div className="result-grid-wrap">
      {pages && order && (
        <div className="truncated-note grid-note" data-testid="sort-note" role="note">
          Sorted only the {formatCount(held)} rows held, not all {formatCount(pages.total)}: this statement is not a query that can
          run again sorted. Click the header until unsorted to see every row.
        </div>
      )}
      {pages?.error && (
        <div className="truncated-note grid-note" data-testid="fetch-error" role="alert">
          Could not read rows: {pages.error}
        </div>
      )}
      <div
        ref={scrollRef}
        className="result-grid"
        data-testid="result-grid"
        id="result-grid"
        role="grid"
        aria-rowcount={rowCount + 1}
        aria-colcount={columns.length}
        aria-multiselectable="true"
        data-rows={rowCount}
        tabIndex={0}
        onKeyDown={onKeyDown}
        onContextMenu={(e) => {
          e.preventDefault();
          // Kept inside the window: opens upwards or leftwards near its edges.
          setMenu({
            x: Math.max(4, Math.min(e.clientX, window.innerWidth - MENU_WIDTH - 8)),
            y: e.clientY + MENU_HEIGHT + 8 > window.innerHeight ? Math.max(4, e.clientY - MENU_HEIGHT) : e.clientY,
          });
        }}
      >
        <div className="grid-canvas" style={{ width: totalWidth, height: totalHeight }}>
          <div className="grid-header" role="row" style={{ width: totalWidth, height: HEADER_HEIGHT }}>
            <div
              className="grid-corner"
              style={{ width: GUTTER_WIDTH, height: HEADER_HEIGHT }}
              title="Select all"
              onMouseDown={(e) => {
                e.preventDefault();
                scrollRef.current?.focus({ preventScroll: true });
                if (rowCount > 0) setSel({ anchor: { r: 0, c: -1 }, focus: { r: rowCount - 1, c: -1 } });
              }}
            />
            {vCols.map((vc) => {
              const c = columns[vc.index];
              const sorted = shownSort?.column === vc.index ? shownSort.dir : null;
              return (
                <div
                  key={vc.key}
                  role="columnheader"
                  aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                  className={`grid-hcell${numeric[vc.index] ? " numeric" : ""}${sorted ? " sorted" : ""}`}
                  data-testid="result-header"
                  data-column={c.name}
                  style={{ left: vc.start, width: vc.size, height: HEADER_HEIGHT }}
                  onClick={() => clickHeader(vc.index)}
                  title={`${c.name}${c.type_name ? ` · ${c.type_name}` : ""}\n${pages && onServerSort ? "Click to sort on the server (runs the query again)" : pages ? `Click to sort the ${formatCount(held)} rows held` : "Click to sort"}`}
                >
                  <span className="grid-hname">
                    <span className="grid-hname-text">{c.name}</span>
                    {sorted && <span className="sort-arrow" aria-hidden="true">{sorted === "asc" ? "▲" : "▼"}</span>}
                  </span>
                  <span className="grid-htype">{c.type_name || " "}</span>
                  <div
                    className="grid-resize"
                    role="separator"
                    aria-orientation="vertical"
                    aria-label={`Resize ${c.name}`}
                    data-testid="result-resize"
                    onPointerDown={(e) => startResize(e, vc.index)}
                    onClick={(e) => e.stopPropagation()}
                    onDoubleClick={(e) => {
                      e.stopPropagation();
                      autoSize(vc.index);
                    }}
                  />
                </div>
              );
            })}
          </div>
          {vRows.map((vr) => {
            const row = rowAt(vr.index);
            const rowSel = !!bounds && bounds.whole && vr.index >= bounds.r0 && vr.index <= bounds.r1;
            return (
              <div
                key={vr.key}
                role="row"
                aria-rowindex={vr.index + 2}
                className={`grid-row${vr.index % 2 ? " odd" : ""}${rowSel ? " row-selected" : ""}`}
                data-testid="result-row"
                data-row={vr.index}
                style={{ transform: `translateY(${vr.start}px)`, width: totalWidth, height: ROW_HEIGHT }}
              >
                <div
                  className="grid-rownum"
                  style={{ width: GUTTER_WIDTH }}
                  onMouseDown={(e) => cellDown(e, { r: vr.index, c: -1 })}
                  onMouseEnter={() => cellEnter({ r: vr.index, c: -1 })}
                >
                  {vr.index + 1}
                </div>
                {vCols.map((vc) => {
                  if (!row) return <div key={vc.key} className="grid-cell cell-loading" data-testid="result-cell-loading" style={{ left: vc.start, width: vc.size }} />;
                  const v = row[vc.index] ?? null;
                  const isSel = selected(vr.index, vc.index);
                  const focus = sel && sel.focus.r === vr.index && sel.focus.c === vc.index;
                  return (
                    <div
                      key={vc.key}
                      role="gridcell"
                      aria-selected={isSel}
                      className={`grid-cell${v === null ? " cell-null" : ""}${numeric[vc.index] ? " numeric" : ""}${isSel ? " selected" : ""}${focus ? " focus" : ""}`}
                      data-testid="result-cell"
                      data-null={v === null ? "true" : undefined}
                      style={{ left: vc.start, width: vc.size }}
                      onMouseDown={(e) => cellDown(e, { r: vr.index, c: vc.index })}
                      onMouseEnter={() => cellEnter({ r: vr.index, c: vc.index })}
                      onDoubleClick={() => onOpenValue?.(columns[vc.index], v)}
                    >
                      {v === null ? "NULL" : v.length > DISPLAY_CHARS ? `${v.slice(0, DISPLAY_CHARS)}…` : v}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
      {menu && (
        <div
          className="context-menu"
          role="menu"
          data-testid="grid-menu"
          style={{ left: menu.x, top: menu.y }}
          onMouseDown={(e) => e.stopPropagation()}
        >
          <button type="button" role="menuitem" onMouseDown={menuAction(() => void copy("tsv"))}>
            Copy <kbd>{modKey()}C</kbd>
          </button>
          <button type="button" role="menuitem" onMouseDown={menuAction(() => void copy("tsv", true))}>
            Copy with headers
          </button>
          <button type="button" role="menuitem" data-testid="grid-copy-csv" onMouseDown={menuAction(() => void copy("csv"))}>
            Copy as CSV
          </button>
          <button type="button" role="menuitem" data-testid="grid-copy-json" onMouseDown={menuAction(() => void copy("json"))}>
            Copy as JSON
          </button>
          <hr />
          <button
            type="button"
            role="menuitem"
            onMouseDown={menuAction(() => rowCount > 0 && setSel({ anchor: { r: 0, c: -1 }, focus: { r: rowCount - 1, c: -1 } }))}
          >
            Select all <kbd>{modKey()}A</kbd>
          </button>
          {sel && sel.focus.c >= 0 && (
            <button
              type="button"
              role="menuitem"
              onMouseDown={menuAction(() => onOpenValue?.(columns[sel.focus.c], rowAt(sel.focus.r)?.[sel.focus.c] ?? null))}
            >
              Show value
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

export function modKey(): string {
  return isMac() ? "⌘" : "Ctrl+";
}
