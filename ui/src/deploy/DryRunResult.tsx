import type { DryRun } from "../bindings/DryRun";
import type { MigrationStatement } from "../bindings/MigrationStatement";
import { CheckIcon, WarnIcon } from "../components/Icons";
import { STATUS_MARK } from "../compare/diffModel";
import { SqlBlock } from "./SqlBlock";

/** The dry run's verdict: every statement ran and the result is as expected, or where it went wrong. */
export function DryRunResult({ dryRun: d, script }: { dryRun: DryRun; script: readonly MigrationStatement[] }) {
  const failed = d.failed_statement !== null ? script[d.failed_statement] ?? null : null;
  return (
    <div className="dep-dryrun" data-testid="deploy-dry-run" data-ok={d.ok ? "true" : "false"}>
      <div className="result-box dep-dryrun-verdict" data-status={d.ok ? "ok" : "error"} role={d.ok ? "status" : "alert"}>
        {d.ok ? <CheckIcon size={13} /> : <WarnIcon size={13} />}{" "}
        {d.ok
          ? `Dry run passed: every statement ran on a throwaway copy and the result is the schema expected.`
          : d.failed_statement !== null
            ? `Dry run failed at statement ${d.failed_statement + 1} of ${script.length}.`
            : "Dry run: the result differs from the schema expected."}
        <span className="muted small">
          {" "}
          ({d.copy}, {(d.duration_ms / 1000).toFixed(1)} s)
        </span>
      </div>
      {d.error && (
        <pre className="dep-dryrun-error" data-testid="deploy-dry-run-error">
          {d.error}
        </pre>
      )}
      {failed && (
        <div className="dep-failed" data-testid="deploy-failed-statement">
          <div className="dep-col-head">
            <strong>Statement {d.failed_statement! + 1}</strong> <span className="muted small">failed</span>
          </div>
          <SqlBlock sql={failed.sql} missing="" />
        </div>
      )}
      {d.leftover.length > 0 && (
        <div className="dep-leftover" data-testid="deploy-leftover">
          <p className="small">Where the result differs from what the deploy should give:</p>
          <ul>
            {d.leftover.map((o) => (
              <li key={`${o.kind}:${o.identity}`} className={`cmp-status-${o.status}`}>
                <span className="mono">{STATUS_MARK[o.status]}</span> {o.kind.replace(/_/g, " ")}{" "}
                <code>{o.identity}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
