import { defaultRangeExtractor, useVirtualizer, type Range } from "@tanstack/react-virtual";
import { useCallback, useEffect, useMemo, useRef, type KeyboardEvent } from "react";
import type { ObjectKind } from "../bindings/ObjectKind";
import { ChevronIcon } from "../components/Icons";
import { CHANGE_STATUSES, KIND_LABEL, STATUS_LABEL, STATUS_MARK, type Entry, type Row } from "./diffModel";

/** Every row has the same height, so the virtualiser never has to measure. */
export const ROW_HEIGHT = 28;

interface Props {
  rows: readonly Row[];
  selectedKey: string | null;
  onSelect: (entry: Entry) => void;
  onToggleGroup: (kind: ObjectKind) => void;
}

const rowKey = (r: Row) => (r.type === "group" ? `group:${r.group.kind}` : r.entry.key);

/** The index of the last header at or before `index` (binary search over sorted header indexes). */
function headerAtOrBefore(headers: readonly number[], index: number): number {
  let lo = 0;
  let hi = headers.length - 1;
  let found = headers[0] ?? 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (headers[mid] <= index) {
      found = headers[mid];
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * The compared objects grouped by kind, virtualised: only the rows in view (plus a few) are
 * in the DOM, whatever the size of the schema. The header of the group being scrolled
 * through sticks to the top. Arrow keys move the selection.
 */
export function ObjectList({ rows, selectedKey, onSelect, onToggleGroup }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const headers = useMemo(() => {
    const out: number[] = [];
    rows.forEach((r, i) => r.type === "group" && out.push(i));
    return out;
  }, [rows]);
  const activeSticky = useRef(0);

  const rangeExtractor = useCallback(
    (range: Range) => {
      activeSticky.current = headerAtOrBefore(headers, range.startIndex);
      const indexes = defaultRangeExtractor(range);
      if (headers.length > 0 && !indexes.includes(activeSticky.current)) indexes.unshift(activeSticky.current);
      return indexes;
    },
    [headers],
  );

  // TanStack Virtual's instance changes in place; nothing here memoizes what it returns.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey: (i) => rowKey(rows[i]),
    rangeExtractor,
    overscan: 12,
    // Rows scrolled to stay clear of the sticky group header.
    scrollPaddingStart: ROW_HEIGHT,
    useFlushSync: false,
  });

  const selectedIndex = useMemo(
    () => (selectedKey === null ? -1 : rows.findIndex((r) => r.type === "object" && r.entry.key === selectedKey)),
    [rows, selectedKey],
  );

  // Keep the selection in view when it changes (keyboard, or a new comparison).
  const lastScrolled = useRef<string | null>(null);
  useEffect(() => {
    if (selectedIndex >= 0 && lastScrolled.current !== selectedKey) {
      lastScrolled.current = selectedKey;
      virtualizer.scrollToIndex(selectedIndex, { align: "auto" });
    }
  }, [selectedIndex, selectedKey, virtualizer]);

  const move = (from: number, step: 1 | -1): number => {
    for (let i = from + step; i >= 0 && i < rows.length; i += step) if (rows[i].type === "object") return i;
    return -1;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    let next: number;
    if (e.key === "ArrowDown") next = move(selectedIndex, 1);
    else if (e.key === "ArrowUp") next = selectedIndex < 0 ? move(rows.length, -1) : move(selectedIndex, -1);
    else if (e.key === "Home") next = move(-1, 1);
    else if (e.key === "End") next = move(rows.length, -1);
    else if (e.key === "PageDown" || e.key === "PageUp") {
      const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 300) / ROW_HEIGHT) - 1);
      const target = Math.min(rows.length - 1, Math.max(0, selectedIndex + (e.key === "PageDown" ? page : -page)));
      next = rows[target]?.type === "object" ? target : move(target, e.key === "PageDown" ? 1 : -1);
      if (next < 0) next = move(target, e.key === "PageDown" ? -1 : 1);
    } else return;
    e.preventDefault();
    const row = next >= 0 ? rows[next] : undefined;
    if (row?.type === "object") onSelect(row.entry);
  };

  const items = virtualizer.getVirtualItems();
  return (
    <div
      ref={scroller}
      className="cmp-list"
      role="listbox"
      aria-label="Compared objects"
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="compare-object-list"
      data-rows={rows.length}
    >
      <div className="cmp-list-inner" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const sticky = row.type === "group" && item.index === activeSticky.current;
          const style = sticky
            ? { position: "sticky" as const, top: 0, height: ROW_HEIGHT, zIndex: 2 }
            : { position: "absolute" as const, top: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` };
          return row.type === "group" ? (
            <GroupHeader key={item.key} row={row} style={style} onToggle={onToggleGroup} />
          ) : (
            <ObjectRow
              key={item.key}
              entry={row.entry}
              selected={row.entry.key === selectedKey}
              style={style}
              onSelect={onSelect}
            />
          );
        })}
      </div>
    </div>
  );
}

type RowStyle = { position: "sticky" | "absolute"; top: number; height: number; zIndex?: number; transform?: string };

function GroupHeader({
  row,
  style,
  onToggle,
}: {
  row: Extract<Row, { type: "group" }>;
  style: RowStyle;
  onToggle: (kind: ObjectKind) => void;
}) {
  const { group, collapsed } = row;
  const n = group.entries.length;
  return (
    <div className="cmp-group" style={style} data-testid="diff-group" data-kind={group.kind} role="presentation">
      <button
        type="button"
        className="cmp-group-toggle"
        aria-expanded={!collapsed}
        onClick={() => onToggle(group.kind)}
        title={collapsed ? "Show these objects" : "Hide these objects"}
      >
        <ChevronIcon size={11} className={`twisty-icon${collapsed ? "" : " open"}`} />
        <span className="cmp-group-name">{n === 1 ? KIND_LABEL[group.kind].one : KIND_LABEL[group.kind].many}</span>
        <span className="count" data-testid="diff-group-count">
          {n}
        </span>
        <span className="spacer" />
        {CHANGE_STATUSES.filter((s) => group.counts[s] > 0).map((s) => (
          <span key={s} className={`cmp-mini cmp-status-${s}`} title={`${group.counts[s]} ${s}`}>
            {STATUS_MARK[s]}
            {group.counts[s]}
          </span>
        ))}
      </button>
    </div>
  );
}

function ObjectRow({
  entry,
  selected,
  style,
  onSelect,
}: {
  entry: Entry;
  selected: boolean;
  style: RowStyle;
  onSelect: (entry: Entry) => void;
}) {
  const { obj } = entry;
  return (
    <div
      className={`cmp-row${selected ? " selected" : ""}`}
      style={style}
      role="option"
      aria-selected={selected}
      data-testid="diff-object"
      data-kind={obj.kind}
      data-status={obj.status}
      data-name={obj.name}
      data-schema={obj.schema}
      data-identity={obj.identity}
      title={`${STATUS_LABEL[obj.status]} ${KIND_LABEL[obj.kind].one.toLowerCase()}: ${obj.identity}`}
      onClick={() => onSelect(entry)}
    >
      <span className={`cmp-mark cmp-status-${obj.status}`} aria-label={STATUS_LABEL[obj.status]}>
        {STATUS_MARK[obj.status]}
      </span>
      <span className="cmp-row-name">{entry.label}</span>
      {entry.detail && <span className="cmp-row-detail">{entry.detail}</span>}
    </div>
  );
}
