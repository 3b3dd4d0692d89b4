import { useState } from "react";
import { commands } from "../api";
import type { DeployRequest } from "../bindings/DeployRequest";
import { FormField } from "../components/branches/FormField";
import { OpDialog } from "../components/branches/OpStatus";
import { formatDate } from "../format";
import { useBranchOp } from "../hooks/useBranchOp";
import { parseSeconds } from "./deployModel";

interface Props {
  server: string | null;
  request: DeployRequest;
  /** The parent is protected: its name must be typed. */
  parentProtected: boolean;
  /** Statements that will run (apply only). */
  statements?: number;
  onClose: () => void;
  onDone: (r: DeployRequest) => void;
}

/** Apply: the script runs on the parent under the timeouts chosen here. */
export function ApplyDialog(props: Props) {
  return <RunDialog {...props} mode="apply" />;
}

/** Revert: the parent's schema before the deploy comes back; rows written since stay. */
export function RevertDialog(props: Props) {
  return <RunDialog {...props} mode="revert" />;
}

function RunDialog({ server, request: r, parentProtected, statements, onClose, onDone, mode }: Props & { mode: "apply" | "revert" }) {
  const op = useBranchOp(server);
  const [lock, setLock] = useState("5");
  const [stmt, setStmt] = useState("600");
  const [confirm, setConfirm] = useState("");
  const [skipDryRun, setSkipDryRun] = useState(false);
  const lockS = parseSeconds(lock);
  const stmtS = parseSeconds(stmt);
  const confirmed = !parentProtected || confirm === r.parent;
  const apply = mode === "apply";
  const submit = () => {
    if (lockS === null || stmtS === null) return;
    const [lockMs, stmtMs] = [Math.round(lockS * 1000), Math.round(stmtS * 1000)];
    const typed = parentProtected ? confirm : null;
    void op.start({
      label: apply ? `Applying #${r.id} to ${r.parent}` : `Reverting #${r.id} on ${r.parent}`,
      run: (_busy, opId) =>
        apply
          ? commands.deployApply(server, r.id, lockMs, stmtMs, typed, skipDryRun, opId)
          : commands.deployRevert(server, r.id, lockMs, stmtMs, typed, opId),
      onDone,
    });
  };
  const invalid = lockS === null || stmtS === null ? "Timeouts must be positive numbers of seconds" : undefined;
  return (
    <OpDialog
      id={apply ? "deploy-apply-dialog" : "deploy-revert-dialog"}
      title={apply ? `Apply #${r.id} to “${r.parent}”?` : `Revert #${r.id} on “${r.parent}”?`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: apply ? "confirm-deploy-apply" : "confirm-deploy-revert",
        label: apply ? "Apply" : "Revert",
        busyLabel: apply ? "Applying…" : "Reverting…",
        danger: true,
        disabled: invalid !== undefined || !confirmed,
        disabledReason: invalid ?? `Type “${r.parent}” to confirm`,
        onSubmit: submit,
      }}
    >
      <p className="confirm-message" data-testid="deploy-run-message">
        {apply
          ? `${statements ?? 0} statement${statements === 1 ? "" : "s"} from “${r.child}” run on “${r.parent}”, in one transaction when every statement allows it. What a revert needs is kept first.`
          : `The schema “${r.parent}” had before the deploy comes back. Rows written since stay; data the deploy dropped comes back as of the deploy.`}
      </p>
      {!apply && r.revert_until && (
        <p className="muted small" data-testid="deploy-revert-until">
          Revertible until {formatDate(r.revert_until)}.
        </p>
      )}
      <div className="form-grid dep-timeouts">
        <FormField label="Lock timeout (s)" htmlFor="deploy-lock-timeout" help="Waiting longer for a lock fails the run">
          <input id="deploy-lock-timeout" data-testid="deploy-lock-timeout" inputMode="decimal" value={lock} onChange={(e) => setLock(e.target.value)} />
        </FormField>
        <FormField label="Statement timeout (s)" htmlFor="deploy-statement-timeout" help="Per statement">
          <input
            id="deploy-statement-timeout"
            data-testid="deploy-statement-timeout"
            inputMode="decimal"
            value={stmt}
            onChange={(e) => setStmt(e.target.value)}
          />
        </FormField>
      </div>
      {apply && (
        <label className="checkbox-row">
          <input type="checkbox" data-testid="deploy-skip-dry-run" checked={skipDryRun} onChange={(e) => setSkipDryRun(e.target.checked)} />
          Skip the dry run before applying
        </label>
      )}
      {parentProtected && (
        <FormField label={`“${r.parent}” is protected: type its name to confirm`} htmlFor="deploy-confirm">
          <input
            id="deploy-confirm"
            data-testid="deploy-confirm"
            className="mono"
            value={confirm}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </FormField>
      )}
    </OpDialog>
  );
}
