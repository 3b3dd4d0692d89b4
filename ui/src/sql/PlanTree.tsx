// An EXPLAIN plan as a tree: each node's type and target, estimated cost and rows, actual time
// and rows when analyzed, and the share of the plan's cost (or time) spent in the node itself;
// costly nodes stand out. A node opens to show all its properties.
import { useState } from "react";
import { ChevronIcon } from "../components/Icons";
import { costLevel, formatPlanValue, type ParsedPlan, type PlanNode } from "./explain";
import { formatDuration } from "./values";

const fmt = (n: number | null, digits = 2) =>
  n === null ? "—" : n.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });

export function PlanTree({ plan }: { plan: ParsedPlan }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (set: ReadonlySet<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };

  const rows: { node: PlanNode; depth: number }[] = [];
  const walk = (n: PlanNode, depth: number) => {
    rows.push({ node: n, depth });
    if (!collapsed.has(n.id)) n.children.forEach((c) => walk(c, depth + 1));
  };
  walk(plan.root, 0);

  return (
    <div className="plan" data-testid="plan-view">
      <div className="plan-summary" data-testid="plan-summary">
        {plan.analyzed ? (
          <>
            {plan.planningTime !== null && <span>Planning {formatDuration(plan.planningTime)}</span>}
            {plan.executionTime !== null && <span>Execution {formatDuration(plan.executionTime)}</span>}
          </>
        ) : (
          <span>
            Estimated total cost {fmt(plan.root.totalCost)} · {fmt(plan.root.planRows, 0)} rows
          </span>
        )}
        <span className="muted">
          Shares are of the {plan.analyzed ? "execution time" : "total cost"} spent in each node itself.
        </span>
        <span className="plan-legend">
          <span className="legend high">&gt; 30%</span>
          <span className="legend medium">&gt; 10%</span>
        </span>
      </div>
      <div className="plan-tree" role="tree" data-testid="plan-tree" aria-label="Query plan">
        {rows.map(({ node: n, depth }) => {
          const level = costLevel(n.share);
          const isOpen = open.has(n.id);
          const hasChildren = n.children.length > 0;
          return (
            <div
              key={n.id}
              role="treeitem"
              aria-expanded={hasChildren ? !collapsed.has(n.id) : undefined}
              aria-level={depth + 1}
              className={`plan-node${level ? ` cost-${level}` : ""}${n.neverExecuted ? " never" : ""}`}
              data-testid="plan-node"
              data-node-type={n.type}
              data-costly={level ? "true" : "false"}
              data-cost-level={level ?? "low"}
              data-share={n.share.toFixed(4)}
            >
              <div className="plan-row" style={{ paddingLeft: 8 + depth * 18 }}>
                {hasChildren ? (
                  <button
                    type="button"
                    className={`twisty${collapsed.has(n.id) ? "" : " open"}`}
                    aria-label={collapsed.has(n.id) ? "Expand" : "Collapse"}
                    onClick={() => setCollapsed((c) => toggle(c, n.id))}
                  >
                    <ChevronIcon size={12} />
                  </button>
                ) : (
                  <span className="twisty-spacer" />
                )}
                <button
                  type="button"
                  className="plan-label"
                  aria-expanded={isOpen}
                  title="Show all properties"
                  onClick={() => setOpen((o) => toggle(o, n.id))}
                >
                  <span className="plan-type">{n.type}</span>
                  {n.qualifier && <span className="plan-qual">({n.qualifier})</span>}
                  {n.target && <span className="plan-target">{n.target}</span>}
                  {n.neverExecuted && <span className="badge plan-badge">never executed</span>}
                  {n.misestimate !== null && (
                    <span
                      className="badge plan-badge warn"
                      title={`Estimated ${fmt(n.planRows, 0)} rows, got ${fmt(n.actualRows, 0)} per loop`}
                    >
                      rows {n.misestimate > 0 ? "under" : "over"}estimated ×{Math.round(Math.abs(n.misestimate))}
                    </span>
                  )}
                </button>
                <span className="plan-metrics mono">
                  {plan.analyzed && n.actualTotal !== null && (
                    <span title="Actual time per loop (startup..total) and rows per loop">
                      {fmt(n.actualStartup, 3)}..{fmt(n.actualTotal, 3)} ms · {fmt(n.actualRows, 0)} rows
                      {n.loops !== null && n.loops > 1 ? ` × ${fmt(n.loops, 0)} loops` : ""}
                    </span>
                  )}
                  <span className="muted" title="Estimated cost (startup..total), rows and width">
                    cost {fmt(n.startupCost)}..{fmt(n.totalCost)} · {fmt(n.planRows, 0)} rows
                  </span>
                </span>
                <span className="plan-share" title={`${(n.share * 100).toFixed(1)}% of the plan's ${plan.analyzed ? "time" : "cost"} is spent in this node`}>
                  <span className="plan-bar">
                    <span style={{ width: `${Math.max(1, Math.round(n.share * 100))}%` }} />
                  </span>
                  <span className="plan-pct mono">{(n.share * 100).toFixed(n.share < 0.1 ? 1 : 0)}%</span>
                </span>
              </div>
              {isOpen && (
                <dl className="plan-props" data-testid="plan-props" style={{ marginLeft: 34 + depth * 18 }}>
                  {Object.entries(n.props).map(([k, v]) => (
                    <div key={k} className="plan-prop">
                      <dt>{k}</dt>
                      <dd className="mono">{formatPlanValue(v)}</dd>
                    </div>
                  ))}
                </dl>
              )}
            </div>
          );
        })}
      </div>
      {Object.keys(plan.extra).length > 0 && (
        <dl className="plan-props plan-extra">
          {Object.entries(plan.extra).map(([k, v]) => (
            <div key={k} className="plan-prop">
              <dt>{k}</dt>
              <dd className="mono">{formatPlanValue(v)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
