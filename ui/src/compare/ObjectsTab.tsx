import { useCallback, useDeferredValue, useMemo, useState } from "react";
import type { ObjectKind } from "../bindings/ObjectKind";
import type { SchemaDiff } from "../bindings/SchemaDiff";
import { CloseIcon } from "../components/Icons";
import {
  buildRows,
  CHANGE_STATUSES,
  countObjects,
  DEFAULT_FILTER,
  filterEntries,
  groupEntries,
  indexObjects,
  plural,
  STATUS_LABEL,
  STATUS_MARK,
  type ChangeStatus,
  type Entry,
  type Filter,
} from "./diffModel";
import { ObjectDetail } from "./ObjectDetail";
import { ObjectList } from "./ObjectList";

/** The objects grouped by kind (filterable, searchable, virtualised) and the selected one's DDL. */
export function ObjectsTab({
  diff,
  from,
  to,
  showUnchangedAtFirst,
}: {
  diff: SchemaDiff;
  from: string;
  to: string;
  showUnchangedAtFirst: boolean;
}) {
  const [filter, setFilter] = useState<Filter>(() => ({ ...DEFAULT_FILTER, showUnchanged: showUnchangedAtFirst }));
  const [collapsed, setCollapsed] = useState<ReadonlySet<ObjectKind>>(new Set());
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const search = useDeferredValue(filter.search);

  const entries = useMemo(() => indexObjects(diff.objects), [diff.objects]);
  const byKey = useMemo(() => new Map(entries.map((e) => [e.key, e])), [entries]);
  const totals = useMemo(() => countObjects(diff.objects), [diff.objects]);
  const visible = useMemo(
    () => filterEntries(entries, { statuses: filter.statuses, showUnchanged: filter.showUnchanged, search }),
    [entries, filter.statuses, filter.showUnchanged, search],
  );
  const groups = useMemo(() => groupEntries(visible), [visible]);
  const rows = useMemo(() => buildRows(groups, collapsed), [groups, collapsed]);

  // Show the first object's definition rather than an empty pane (also when a new comparison
  // of the same branches no longer has the object that was selected).
  if ((selectedKey === null || !byKey.has(selectedKey)) && visible.length > 0) setSelectedKey(visible[0].key);

  const toggleStatus = (s: ChangeStatus) =>
    setFilter((f) => {
      const statuses = new Set(f.statuses);
      if (statuses.has(s)) statuses.delete(s);
      else statuses.add(s);
      return { ...f, statuses };
    });
  const toggleGroup = useCallback(
    (kind: ObjectKind) =>
      setCollapsed((c) => {
        const next = new Set(c);
        if (next.has(kind)) next.delete(kind);
        else next.add(kind);
        return next;
      }),
    [],
  );
  const select = useCallback((e: Entry) => setSelectedKey(e.key), []);
  const filtered =
    filter.search.trim() !== "" ||
    filter.showUnchanged ||
    CHANGE_STATUSES.some((s) => !filter.statuses.has(s));
  const selected = selectedKey !== null ? byKey.get(selectedKey)?.obj ?? null : null;

  return (
    <div className="cmp-objects">
      <div className="cmp-list-pane">
        <div className="cmp-filters">
          <div className="cmp-search">
            <input
              type="search"
              id="compare-search"
              data-testid="compare-search"
              placeholder="Filter by name, schema or table…"
              aria-label="Filter objects by name"
              value={filter.search}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => setFilter((f) => ({ ...f, search: e.target.value }))}
              onKeyDown={(e) => {
                if (e.key === "Escape" && filter.search !== "") {
                  e.stopPropagation();
                  setFilter((f) => ({ ...f, search: "" }));
                }
              }}
            />
          </div>
          <div className="cmp-chips-row">
            <div className="cmp-chips" role="group" aria-label="Show objects that are">
              {CHANGE_STATUSES.map((s) => (
                <button
                  key={s}
                  type="button"
                  className={`chip cmp-chip cmp-status-${s}${filter.statuses.has(s) ? " active" : ""}`}
                  id={`compare-filter-${s}`}
                  data-testid={`compare-filter-${s}`}
                  aria-pressed={filter.statuses.has(s)}
                  onClick={() => toggleStatus(s)}
                  title={`${filter.statuses.has(s) ? "Hide" : "Show"} ${s} objects`}
                >
                  <span className="cmp-chip-mark">{STATUS_MARK[s]}</span>
                  {STATUS_LABEL[s]} <span className="cmp-chip-n">{totals[s]}</span>
                </button>
              ))}
              <button
                type="button"
                className={`chip cmp-chip cmp-status-unchanged${filter.showUnchanged ? " active" : ""}`}
                id="compare-filter-unchanged"
                data-testid="compare-filter-unchanged"
                aria-pressed={filter.showUnchanged}
                onClick={() => setFilter((f) => ({ ...f, showUnchanged: !f.showUnchanged }))}
                title={`${filter.showUnchanged ? "Hide" : "Also show"} the objects that are the same in both`}
              >
                <span className="cmp-chip-mark">{STATUS_MARK.unchanged}</span>
                Unchanged <span className="cmp-chip-n">{totals.unchanged}</span>
              </button>
            </div>
            <div className="cmp-list-status muted small" data-testid="compare-visible-count">
              {filtered ? `${visible.length} of ${plural(diff.objects.length, "object")}` : plural(visible.length, "difference")}
              {filtered && (
                <button
                  type="button"
                  className="button link cmp-clear"
                  onClick={() => setFilter(DEFAULT_FILTER)}
                  data-testid="compare-filter-reset"
                >
                  <CloseIcon size={10} /> Reset filters
                </button>
              )}
            </div>
          </div>
        </div>
        {rows.length > 0 ? (
          <ObjectList rows={rows} selectedKey={selectedKey} onSelect={select} onToggleGroup={toggleGroup} />
        ) : (
          <div className="empty-state cmp-list-empty" data-testid="compare-no-match">
            <p className="muted">No object matches.</p>
          </div>
        )}
      </div>
      <ObjectDetail obj={selected} from={from} to={to} />
    </div>
  );
}
