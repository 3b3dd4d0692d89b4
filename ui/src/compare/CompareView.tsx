import { useEffect, useEffectEvent, useMemo, useState, type JSX } from "react";
import type { Branch } from "../bindings/Branch";
import { BranchIcon, CompareIcon, SwapIcon } from "../components/Icons";
import { BranchSelect } from "./BranchSelect";
import "./compare.css";
import { ComparisonRunning } from "./ComparisonRunning";
import { comparableBranches, comparableParent, defaultPair } from "./diffModel";
import { DiffResult } from "./DiffResult";
import { samePair, useComparison, type Pair } from "./useComparison";

interface Props {
  /** null = the embedded local server, else a saved connection id. */
  server: string | null;
  /** The server's branches (missing ones cannot be compared and are not offered). */
  branches: Branch[];
  /** The name of the branch the view was opened from. */
  branch: string;
  /** Compare the branch with its parent at once (asked from the command palette). */
  compareWithParent?: boolean;
  onCompareStarted?: () => void;
}

/**
 * Compares the schemas of two branches of a server: what was added, removed and changed,
 * each object's definition side by side, and the migration that turns FROM into TO.
 * Another branch selected starts over from its default pair (a late answer is dropped).
 */
export function CompareView(props: Props): JSX.Element {
  return <BranchComparison key={`${props.server ?? ""}\u0000${props.branch}`} {...props} />;
}

function BranchComparison({ server, branches, branch, compareWithParent, onCompareStarted }: Props): JSX.Element {
  const usable = useMemo(() => comparableBranches(branches), [branches]);
  const parent = useMemo(() => comparableParent(branches, branch), [branches, branch]);
  const [pair, setPair] = useState<Pair>(() => defaultPair(branches, branch));
  const { requested, running, result, error, compare: run } = useComparison(server);

  // A chosen branch that disappeared (deleted, renamed) falls back to the default choice.
  const names = useMemo(() => new Set(usable.map((b) => b.name)), [usable]);
  if (!names.has(pair.from) || !names.has(pair.to)) {
    const d = defaultPair(branches, branch);
    if (!samePair(d, pair)) setPair(d);
  }

  const compare = (p: Pair) => {
    setPair(p);
    run(p);
  };

  const blocked =
    usable.length < 2
      ? "There is only one branch: create another to compare with"
      : !names.has(pair.from) || !names.has(pair.to)
        ? "Choose two branches"
        : pair.from === pair.to
          ? "Choose two different branches"
          : undefined;
  const withParent = parent ? { from: parent.name, to: branch } : null;

  const startWithParent = useEffectEvent(() => {
    onCompareStarted?.();
    if (withParent && !running) compare(withParent);
  });
  useEffect(() => {
    if (!compareWithParent) return;
    // Started once the view is on screen, like a click on "Compare with parent".
    let cancelled = false;
    void Promise.resolve().then(() => !cancelled && startWithParent());
    return () => {
      cancelled = true;
    };
  }, [compareWithParent]);

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
            onClick={() => compare(pair)}
            disabled={running || blocked !== undefined}
          >
            {running ? <span className="spinner small cmp-on-accent" /> : <CompareIcon size={12} />}
            {running ? "Comparing…" : "Compare"}
          </button>
        </span>
        {withParent && (
          <button
            type="button"
            className="button"
            id="compare-with-parent"
            data-testid="compare-with-parent"
            onClick={() => compare(withParent)}
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

      {running && requested && <ComparisonRunning from={requested.from} to={requested.to} hasResult={result !== null} />}
      {error && requested && (
        <div className="result-box cmp-error" data-status="error" id="compare-error" data-testid="compare-error" role="alert">
          <div>
            Could not compare {requested.from} with {requested.to}: {error}
          </div>
          <button type="button" className="button small" onClick={() => compare(requested)}>
            Retry
          </button>
        </div>
      )}

      {result ? (
        <div className={`cmp-result${running ? " cmp-busy" : ""}`} aria-busy={running}>
          <DiffResult key={`${result.from}\u0000${result.to}`} result={result} stale={!samePair(result, pair)} />
        </div>
      ) : (
        !running && !error && (
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
