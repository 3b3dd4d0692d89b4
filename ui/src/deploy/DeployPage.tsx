import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useEffectEvent, useState } from "react";
import { commands } from "../api";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import { formatAge } from "../branches";
import { OpOutcome } from "../components/branches/OpStatus";
import { CheckIcon, CloseIcon, DeployIcon, PlayIcon, UndoIcon } from "../components/Icons";
import { formatDate } from "../format";
import { useBranchOp } from "../hooks/useBranchOp";
import { queryKeys } from "../queries/keys";
import { applyBlocked, isOpen, requestTitle, revertBlocked, scriptOf } from "./deployModel";
import { DeployReview } from "./DeployReview";
import { ApplyDialog, RevertDialog } from "./RunDialogs";
import { StatusBadge } from "./StatusBadge";

interface Props {
  server: string | null;
  request: DeployRequest;
  /** The check the request was opened with, if any (else an open request is checked at once). */
  check: DeployCheck | null;
  parentProtected: boolean;
  now: number;
}

/** One deploy request: its state, the review, and Check / Dry run / Apply / Revert / Close. */
export function DeployPage(props: Props) {
  const { server, parentProtected, now } = props;
  const client = useQueryClient();
  const [request, setRequest] = useState(props.request);
  const [check, setCheck] = useState(props.check);
  const [dialog, setDialog] = useState<"apply" | "revert" | null>(null);
  const op = useBranchOp(server);
  const r = request;
  const changed = (next: DeployRequest) => {
    setRequest(next);
    void client.invalidateQueries({ queryKey: queryKeys.deploys(server) });
  };
  const runCheck = (dryRun: boolean) =>
    void op.start({
      label: dryRun ? `Dry run of ${requestTitle(r)}` : `Checking ${requestTitle(r)}`,
      run: (_busy, opId) => commands.deployCheck(server, r.id, dryRun, opId),
      onDone: (c: DeployCheck) => {
        setCheck(c);
        changed(c.request);
      },
    });
  const close = () =>
    void op.start({ label: `Closing ${requestTitle(r)}`, run: (_b, opId) => commands.deployClose(server, r.id, opId), onDone: changed });

  // An open request is reviewed against the parent as it is now: checked when the page opens
  // (once it is on screen, like a click on Check).
  const autoCheck = useEffectEvent(() => {
    if (!check && isOpen(r)) runCheck(false);
  });
  useEffect(() => {
    let cancelled = false;
    void Promise.resolve().then(() => !cancelled && autoCheck());
    return () => {
      cancelled = true;
    };
  }, []);

  const open = isOpen(r);
  const script = scriptOf(r, check);
  const noApply = op.busy ? "Wait for the operation to finish" : applyBlocked(r, check);
  const noRevert = op.busy ? "Wait for the operation to finish" : revertBlocked(r);
  return (
    <section className="cmp-view dep-page" id="deploy-page" data-testid="deploy-page" data-id={r.id} data-status={r.status}>
      <header className="dep-head">
        <DeployIcon size={16} />
        <h2 data-testid="deploy-title">
          <span className="muted">#{r.id}</span> {r.child} <span className="muted">→</span> {r.parent}
        </h2>
        <StatusBadge status={r.status} />
        <span className="muted small" title={formatDate(r.created_at)}>
          opened by {r.author} {formatAge(r.created_at, now)}
          {r.applied_at && ` · applied by ${r.applied_by ?? "?"} ${formatAge(r.applied_at, now)}`}
          {r.reverted_at && ` · reverted by ${r.reverted_by ?? "?"} ${formatAge(r.reverted_at, now)}`}
        </span>
        <span className="spacer" />
        <div className="dep-actions" role="toolbar" aria-label="Deploy request actions">
          <button type="button" className="button" id="deploy-check" data-testid="deploy-check" disabled={!open || op.busy} onClick={() => runCheck(false)} title="Three-way check against the parent as it is now">
            <CheckIcon size={12} /> Check
          </button>
          <button type="button" className="button" id="deploy-dry-run-button" data-testid="deploy-dry-run-button" disabled={!open || op.busy} onClick={() => runCheck(true)} title="Check, then run the script on a throwaway copy of the parent">
            <PlayIcon size={12} /> Dry run
          </button>
          {r.status === "applied" ? (
            <span className="action" title={noRevert}>
              <button type="button" className="button danger" id="deploy-revert" data-testid="deploy-revert" disabled={noRevert !== undefined} onClick={() => setDialog("revert")}>
                <UndoIcon size={12} /> Revert…
              </button>
            </span>
          ) : (
            <span className="action" title={noApply}>
              <button type="button" className="button primary" id="deploy-apply" data-testid="deploy-apply" disabled={noApply !== undefined} onClick={() => setDialog("apply")}>
                <DeployIcon size={12} /> Apply…
              </button>
            </span>
          )}
          {open && (
            <button type="button" className="button" id="deploy-close" data-testid="deploy-close" disabled={op.busy} onClick={close} title="Close without applying (it stays listed)">
              <CloseIcon size={10} /> Close request
            </button>
          )}
        </div>
      </header>
      {r.status === "applied" && r.revert_until && (
        <p className="muted small dep-note" data-testid="deploy-revert-window">
          {r.revertible ? `Can be reverted until ${formatDate(r.revert_until)}.` : "The revert window has passed."}
        </p>
      )}
      {r.error && (
        <div className="result-box" data-status="error" data-testid="deploy-request-error" role="alert">
          The latest {r.status === "reverted" || r.status === "reverting" ? "revert" : "apply"} stopped: {r.error}
          {r.steps_done > 0 ? ` (after ${r.steps_done} committed step${r.steps_done === 1 ? "" : "s"})` : ""}
        </div>
      )}
      <OpOutcome op={op} />
      <DeployReview request={r} check={check} script={script} />
      {dialog === "apply" && (
        <ApplyDialog
          server={server}
          request={r}
          parentProtected={parentProtected}
          statements={script.length}
          onClose={() => setDialog(null)}
          onDone={(next) => {
            setDialog(null);
            changed(next);
          }}
        />
      )}
      {dialog === "revert" && (
        <RevertDialog
          server={server}
          request={r}
          parentProtected={parentProtected}
          onClose={() => setDialog(null)}
          onDone={(next) => {
            setDialog(null);
            changed(next);
          }}
        />
      )}
    </section>
  );
}
