import { useMemo, useState } from "react";
import { CheckIcon } from "../components/Icons";
import { CHANGE_STATUSES, countHazards, countObjects, differing, isIdentical, plural, totalCounts } from "./diffModel";
import { MigrationPanel } from "./MigrationPanel";
import { ObjectsTab } from "./ObjectsTab";
import type { Comparison } from "./useComparison";

type Tab = "objects" | "migration";

/** One comparison's outcome: the summary, the objects and the migration. */
export function DiffResult({ result, stale }: { result: Comparison; stale: boolean }) {
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
