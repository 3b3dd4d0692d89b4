import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type JSX } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { ObjectKind } from "../bindings/ObjectKind";
import type { SchemaDiff } from "../bindings/SchemaDiff";
import { formatError } from "../errors";
import { BranchIcon, CloseIcon } from "../components/Icons";
import "./compare.css";
import {
  CHANGE_STATUSES,
  buildRows,
  comparableBranches,
  comparableParent,
  countHazards,
  countObjects,
  defaultPair,
  DEFAULT_FILTER,
  differing,
  filterEntries,
  groupEntries,
  indexObjects,
  isIdentical,
  plural,
  STATUS_LABEL,
  STATUS_MARK,
  totalCounts,
  type ChangeStatus,
  type Entry,
  type Filter,
} from "./diffModel";
import { MigrationPanel } from "./MigrationPanel";
import { ObjectDetail } from "./ObjectDetail";
import { ObjectList } from "./ObjectList";

interface Props {
  /** null = the embedded local server, else a saved connection id. */
  server: string | null;
  /** The server's branches (missing ones cannot be compared and are not offered). */
  branches: Branch[];
  /** The name of the branch the view was opened from. */
  branch: string;
}

type Pair = { from: string; to: string };
type Run = { state: "idle" } | ({ state: "running"; started: number } & Pair) | ({ state: "error"; error: string } & Pair);
type Result = { diff: SchemaDiff } & Pair;

const samePair = (a: Pair, b: Pair) => a.from === b.from && a.to === b.to;

/**
 * Compares the schemas of two branches of a server: what was added, removed and changed,
 * each object's definition side by side, and the migration that turns FROM into TO.
 */
export function CompareView({ server, branches, branch }: Props): JSX.Element {
  const usable = useMemo(() => comparableBranches(branches), [branches]);
  const parent = useMemo(() => comparableParent(branches, branch), [branches, branch]);
  const [pair, setPair] = useState<Pair>(() => defaultPair(branches, branch));
  const [run, setRun] = useState<Run>({ state: "idle" });
  const [result, setResult] = useState<Result | null>(null);
  const seq = useRef(0);

  // Another branch selected: start over from its default pair (a late answer is dropped).
  const [shownFor, setShownFor] = useState(branch);
  if (shownFor !== branch) {
    setShownFor(branch);
    setPair(defaultPair(branches, branch));
    setRun({ state: "idle" });
    setResult(null);
  }
  useEffect(
    () => () => {
      seq.current += 1;
    },
    [branch, server],
  );

  // A chosen branch that disappeared (deleted, renamed) falls back to the default choice.
  const names = useMemo(() => new Set(usable.map((b) => b.name)), [usable]);
  useEffect(() => {
    if (names.has(pair.from) && names.has(pair.to)) return;
    const d = defaultPair(branches, branch);
    if (!samePair(d, pair)) setPair(d);
  }, [names, pair, branches, branch]);

  const compare = useCallback(
    async (p: Pair) => {
      const id = ++seq.current;
      setPair(p);
      setRun({ state: "running", started: Date.now(), ...p });
      try {
        const diff = await commands.diffBranches(server, p.from, p.to);
        if (id !== seq.current) return;
        setResult({ diff, ...p });
        setRun({ state: "idle" });
      } catch (e) {
        if (id !== seq.current) return;
        setResult(null);
        setRun({ state: "error", error: formatError(e), ...p });
      }
    },
    [server],
  );

  const running = run.state === "running";
  const blocked =
    usable.length < 2
      ? "There is only one branch: create another to compare with"
      : !names.has(pair.from) || !names.has(pair.to)
        ? "Choose two branches"
        : pair.from === pair.to
          ? "Choose two different branches"
          : undefined;
  const withParent = parent ? { from: parent.name, to: branch } : null;

  return (
    <section className="cmp-view" id="compare-view" data-testid="compare-view">
      <div className="cmp-toolbar" role="group" aria-label="Branches to compare">
        <BranchSelect
          id="compare-from"
          label="From"
          help="as it is"
          value={pair.from}
          branches={usable}
          current={branch}
          disabled={running}
          onChange={(from) => setPair((p) => ({ ...p, from }))}
        />
        <button
          type="button"
          className="icon-button bordered cmp-swap"
          id="compare-swap"
          data-testid="compare-swap"
          onClick={() => setPair((p) => ({ from: p.to, to: p.from }))}
          disabled={running}
          title="Swap From and To"
          aria-label="Swap From and To"
        >
          <SwapIcon />
        </button>
        <BranchSelect
          id="compare-to"
          label="To"
          help="as it should become"
          value={pair.to}
          branches={usable}
          current={branch}
          disabled={running}
          onChange={(to) => setPair((p) => ({ ...p, to }))}
        />
        <span className="action cmp-run" title={blocked}>
          <button
            type="button"
            className="button primary"
            id="compare-run"
            data-testid="compare-run"
            onClick={() => void compare(pair)}
            disabled={running || blocked !== undefined}
          >
            {running ? <span className="spinner small cmp-on-accent" /> : <CompareIcon />}
            {running ? "Comparing…" : "Compare"}
          </button>
        </span>
        {withParent && (
          <button
            type="button"
            className="button"
            id="compare-with-parent"
            data-testid="compare-with-parent"
            onClick={() => void compare(withParent)}
            disabled={running}
            title={`Compare ${withParent.from} (its parent) with ${withParent.to}: what this branch changed`}
          >
            <BranchIcon size={12} />
            Compare with parent
          </button>
        )}
      </div>
      {blocked && !running && usable.length > 0 && (
        <p className="cmp-hint muted small" data-testid="compare-blocked">
          {blocked}.
        </p>
      )}

      {run.state === "running" && <Running run={run} hasResult={result !== null} />}
      {run.state === "error" && (
        <div className="result-box cmp-error" data-status="error" id="compare-error" data-testid="compare-error" role="alert">
          <div>
            Could not compare {run.from} with {run.to}: {run.error}
          </div>
          <button type="button" className="button small" onClick={() => void compare({ from: run.from, to: run.to })}>
            Retry
          </button>
        </div>
      )}

      {result ? (
        <div className={`cmp-result${running ? " cmp-busy" : ""}`} aria-busy={running}>
          <DiffResult key={`${result.from}\u0000${result.to}`} result={result} stale={!samePair(result, pair)} />
        </div>
      ) : (
        run.state === "idle" && (
          <div className="empty-state cmp-intro" data-testid="compare-intro">
            <CompareIcon size={28} />
            <p>
              <strong>Compare the schemas of two branches.</strong>
            </p>
            <p className="muted">
              See which tables, views, functions and other objects were added, removed or changed, each definition side
              by side, and the migration script that turns From into To.
            </p>
          </div>
        )
      )}
    </section>
  );
}

function BranchSelect(props: {
  id: string;
  label: string;
  help: string;
  value: string;
  branches: readonly Branch[];
  current: string;
  disabled: boolean;
  onChange: (name: string) => void;
}) {
  const known = props.branches.some((b) => b.name === props.value);
  return (
    <label className="cmp-pick" title={`${props.label}: the branch ${props.help}`}>
      <span className="cmp-pick-label">{props.label}</span>
      <select
        id={props.id}
        data-testid={props.id}
        value={known ? props.value : ""}
        disabled={props.disabled || props.branches.length === 0}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {!known && (
          <option value="" disabled>
            Choose a branch…
          </option>
        )}
        {props.branches.map((b) => (
          <option key={b.id} value={b.name}>
            {b.name}
            {b.name === props.current ? " (this branch)" : ""}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The comparison in progress, with the time it has taken so far. */
function Running({ run, hasResult }: { run: Extract<Run, { state: "running" }>; hasResult: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  const seconds = Math.max(0, Math.floor((now - run.started) / 1000));
  return (
    <div className="cmp-running" data-testid="compare-running" role="status">
      <div className="cmp-running-text">
        {!hasResult && <span className="spinner small" />}
        <span>
          Reading the schemas of <strong>{run.from}</strong> and <strong>{run.to}</strong>…
          {seconds >= 2 && <span className="muted"> {seconds} s</span>}
        </span>
      </div>
      <div className="progress-track">
        <div className="progress-bar indeterminate" />
      </div>
    </div>
  );
}

type Tab = "objects" | "migration";

/** One comparison's outcome: the summary, the objects and the migration. */
function DiffResult({ result, stale }: { result: Result; stale: boolean }) {
  const { diff, from, to } = result;
  const [tab, setTab] = useState<Tab>("objects");
  const [browseIdentical, setBrowseIdentical] = useState(false);
  const counts = useMemo(
    () => (diff.counts.length > 0 ? totalCounts(diff.counts) : countObjects(diff.objects)),
    [diff.counts, diff.objects],
  );
  const hazards = useMemo(() => countHazards(diff.migration), [diff.migration]);
  const identical = useMemo(() => isIdentical(diff), [diff]);

  const summary = (
    <div className="cmp-summary" id="compare-summary" data-testid="compare-summary">
      <span className="cmp-pair">
        <strong>{from}</strong> <span className="muted">→</span> <strong>{to}</strong>
      </span>
      {identical ? (
        <span className="cmp-count">no differences</span>
      ) : (
        CHANGE_STATUSES.map((s) => (
          <span key={s} className={`cmp-count cmp-status-${s}${counts[s] === 0 ? " zero" : ""}`} data-status={s}>
            <b>{counts[s]}</b> {s}
          </span>
        ))
      )}
      <span className="cmp-count zero" data-status="unchanged">
        <b>{counts.unchanged}</b> unchanged
      </span>
      {!identical && (
        <span className="cmp-count cmp-statements">
          {plural(diff.migration.length, "statement")}
          {hazards.total > 0 && (
            <>
              {", "}
              <span className={hazards.byKind.data_loss > 0 ? "cmp-hazard-text sev-danger" : "cmp-hazard-text sev-warn"}>
                {plural(hazards.total, "hazard")}
              </span>
            </>
          )}
        </span>
      )}
      {stale && (
        <span className="cmp-stale" data-testid="compare-stale">
          The choice changed: Compare to update.
        </span>
      )}
    </div>
  );

  if (identical && !browseIdentical) {
    return (
      <>
        {summary}
        <div className="empty-state cmp-empty" id="compare-empty" data-testid="compare-empty">
          <CheckIcon size={28} />
          <p>
            <strong>No differences</strong>
          </p>
          <p className="muted">
            {from} and {to} have the same schema
            {diff.objects.length > 0 ? ` (${plural(diff.objects.length, "object")} compared)` : ""}. There is nothing
            to migrate.
          </p>
          {diff.objects.length > 0 && (
            <button type="button" className="button" data-testid="compare-browse" onClick={() => setBrowseIdentical(true)}>
              Browse the {plural(diff.objects.length, "object")}
            </button>
          )}
        </div>
      </>
    );
  }

  return (
    <>
      <div className="cmp-tabbar">
        <nav className="cmp-tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === "objects"}
            className={`tab${tab === "objects" ? " active" : ""}`}
            id="compare-tab-objects"
            data-testid="compare-tab-objects"
            onClick={() => setTab("objects")}
          >
            Objects <span className="count">{differing(counts)}</span>
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === "migration"}
            className={`tab${tab === "migration" ? " active" : ""}`}
            id="compare-tab-migration"
            data-testid="compare-tab-migration"
            onClick={() => setTab("migration")}
          >
            Migration <span className="count">{diff.migration.length}</span>
            {hazards.total > 0 && (
              <span
                className={`cmp-tab-hazards ${hazards.byKind.data_loss > 0 ? "sev-danger" : "sev-warn"}`}
                title={plural(hazards.total, "hazard")}
              >
                ▲ {hazards.total}
              </span>
            )}
          </button>
        </nav>
        {summary}
      </div>
      <div className="cmp-tab-panel" role="tabpanel">
        {tab === "objects" ? (
          <ObjectsTab diff={diff} from={from} to={to} showUnchangedAtFirst={identical} />
        ) : (
          <MigrationPanel migration={diff.migration} from={from} to={to} />
        )}
      </div>
    </>
  );
}

/** The objects grouped by kind (filterable, searchable, virtualised) and the selected one's DDL. */
function ObjectsTab({
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
  useEffect(() => {
    if ((selectedKey === null || !byKey.has(selectedKey)) && visible.length > 0) setSelectedKey(visible[0].key);
  }, [selectedKey, byKey, visible]);

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

type IconProps = { size?: number };

function SwapIcon({ size = 14 }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.5}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M2.5 5.5h10M10 3l2.5 2.5L10 8M13.5 10.5h-10M6 8l-2.5 2.5L6 13" />
    </svg>
  );
}

function CompareIcon({ size = 12 }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.5}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <rect x="1.75" y="2.5" width="5.5" height="11" rx="1" />
      <rect x="8.75" y="2.5" width="5.5" height="11" rx="1" />
      <path d="M3.5 6h2M3.5 8.5h2M10.5 6h2M10.5 8.5h2M10.5 11h2" />
    </svg>
  );
}

function CheckIcon({ size = 14 }: IconProps) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.5}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <circle cx="8" cy="8" r="6" />
      <path d="M5.25 8.25l1.9 1.9 3.6-3.9" />
    </svg>
  );
}
