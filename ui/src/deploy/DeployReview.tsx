import { useState } from "react";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import type { MigrationStatement } from "../bindings/MigrationStatement";
import { CheckIcon } from "../components/Icons";
import { countHazards, plural } from "../compare/diffModel";
import { MigrationPanel } from "../compare/MigrationPanel";
import { ObjectsTab } from "../compare/ObjectsTab";
import { ConflictList } from "./ConflictList";
import { isOpen } from "./deployModel";
import { DryRunResult } from "./DryRunResult";

type Tab = "conflicts" | "changes" | "script" | "dry-run";

interface Props {
  request: DeployRequest;
  /** The latest check (null for a request not checked in this view). */
  check: DeployCheck | null;
  script: readonly MigrationStatement[];
}

/** The review: conflicts (base | parent | child), the objects the deploy changes, the script, the dry run. */
export function DeployReview({ request: r, check, script }: Props) {
  const conflicts = check?.conflicts ?? [];
  const dryRun = check?.dry_run ?? null;
  const changed = check?.result.objects.filter((o) => o.status !== "unchanged").length ?? 0;
  const initial: Tab = conflicts.length > 0 ? "conflicts" : check ? "changes" : "script";
  const [chosen, setTab] = useState<Tab | null>(null);
  // A new check shows its most telling part (a dry run just asked for, else conflicts first).
  const [seen, setSeen] = useState(check);
  if (seen !== check) {
    setSeen(check);
    setTab(dryRun ? "dry-run" : null);
  }
  let tab = chosen ?? initial;
  if ((tab === "conflicts" && conflicts.length === 0) || (tab === "changes" && !check) || (tab === "dry-run" && !dryRun)) tab = initial;
  const hazards = countHazards(script);
  const tabs: { id: Tab; label: string; count?: number; show: boolean; warn?: boolean }[] = [
    { id: "conflicts", label: "Conflicts", count: conflicts.length, show: conflicts.length > 0, warn: true },
    { id: "changes", label: "Changes", count: changed, show: check !== null },
    { id: "script", label: "Script", count: script.length, show: true },
    { id: "dry-run", label: dryRun?.ok === false ? "Dry run failed" : "Dry run", show: dryRun !== null, warn: dryRun?.ok === false },
  ];

  return (
    <div className="dep-review">
      {check?.two_way && (
        <div className="result-box notice-warn" data-testid="deploy-two-way" role="note">
          “{r.child}” was made before Grove kept merge bases: this is a two-way check. Every difference from “{r.parent}”
          counts as the request's change, and conflicts with changes made on “{r.parent}” since cannot be seen.
        </div>
      )}
      <div className="cmp-tabbar">
        <nav className="cmp-tabs" role="tablist">
          {tabs
            .filter((t) => t.show)
            .map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={tab === t.id}
                className={`tab${tab === t.id ? " active" : ""}${t.warn ? " dep-tab-warn" : ""}`}
                id={`deploy-tab-${t.id}`}
                data-testid={`deploy-tab-${t.id}`}
                onClick={() => setTab(t.id)}
              >
                {t.label} {t.count !== undefined && <span className="count">{t.count}</span>}
              </button>
            ))}
        </nav>
        {check && !isOpen(r) && (
          <span className="dep-verdict muted small" data-testid="deploy-verdict-before">
            As checked before it was {r.status === "closed" ? "closed" : "applied"}
          </span>
        )}
        {check && isOpen(r) && conflicts.length === 0 && (
          <span className="dep-verdict small" data-testid="deploy-verdict">
            <CheckIcon size={12} /> No conflicts · {plural(script.length, "statement")}
            {hazards.total > 0 ? ` · ${plural(hazards.total, "hazard")}` : ""}
            {dryRun ? (dryRun.ok ? " · dry run passed" : " · dry run failed") : ""} · checked in {check.duration_ms} ms
          </span>
        )}
        {conflicts.length > 0 && (
          <span className="dep-verdict dep-verdict-bad small" data-testid="deploy-verdict-conflicts">
            {plural(conflicts.length, "conflict")} with changes made on “{r.parent}” since “{r.child}” was made
          </span>
        )}
      </div>
      <div className="cmp-tab-panel dep-panel" role="tabpanel">
        {tab === "conflicts" && <ConflictList conflicts={conflicts} parent={r.parent} child={r.child} />}
        {tab === "changes" && check && (
          <ObjectsTab
            diff={check.result}
            from={`${r.parent} ${isOpen(r) ? "now" : "before"}`}
            to={`${r.parent} after`}
            showUnchangedAtFirst={false}
          />
        )}
        {tab === "script" && <MigrationPanel migration={script} from={r.parent} to={`${r.parent} + ${r.child}`} />}
        {tab === "dry-run" && dryRun && <DryRunResult dryRun={dryRun} script={script} />}
      </div>
    </div>
  );
}
