import { useEffect, useRef, useState, type FormEvent, type ReactNode, type RefObject } from "react";
import { formatAge, formatBytes, formatElapsed } from "../../branches";
import type { OnBusy } from "../../bindings/OnBusy";
import type { Blocked, BranchOp, RunningOp } from "../../hooks/useBranchOp";
import { formatDate } from "../../format";
import { Modal } from "../Modal";
import { CopyStatsView } from "./CopyStatsView";

const capitalize = (s: string) => (s ? s[0].toUpperCase() + s.slice(1) : s);

/** After this long in one copy, a reassuring note explains why it takes time. */
const SLOW_COPY_MS = 8000;

/** A running operation: what it does, its phase, the size being copied, a ticking clock and Cancel. */
export function OpProgressPanel({ op, onCancel }: { op: RunningOp; onCancel: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  // The backend's clock started a little later; whichever is further is the truth.
  const elapsed = Math.max(now - op.startedAt, op.progress?.elapsed_ms ?? 0);
  const p = op.progress;
  const copying = p?.phase === "copying";
  const stats = copying && p?.copy && p.copy.tables_total > 0 ? p.copy : null;
  // With the copy's figures shown below, its phase alone says the rest.
  const phase = p ? (p.phase === "done" ? "Finishing…" : capitalize(stats ? stats.phase : (p.detail ?? p.phase))) : "Starting…";
  // Shown below the fold (e.g. under the source panel's buttons): bring it into view when it
  // appears and when the copy's table of figures does.
  const panel = useRef<HTMLDivElement>(null);
  const hasStats = stats !== null;
  useEffect(() => {
    panel.current?.scrollIntoView?.({ block: "nearest" });
  }, [hasStats]);

  return (
    <div
      ref={panel}
      className="op-progress"
      id="op-progress"
      data-testid="op-progress"
      data-phase={p?.phase ?? "starting"}
      role="status"
      aria-live="polite"
    >
      <div className="op-progress-head">
        <span className="spinner" aria-hidden="true" />
        <div className="op-progress-text">
          <div className="op-progress-label">{op.label}</div>
          <div className="op-progress-phase">
            <span data-testid="op-phase">{op.cancelling ? "Cancelling…" : phase}</span>
            {p?.bytes_total !== null && p?.bytes_total !== undefined && (
              <>
                <span className="sep">·</span>
                <span data-testid="op-size">{formatBytes(p.bytes_total)}</span>
              </>
            )}
          </div>
        </div>
        <span className="op-elapsed mono" data-testid="op-elapsed" title="Elapsed time">
          {formatElapsed(elapsed)}
        </span>
        <button
          type="button"
          className="button small"
          id="op-cancel"
          data-testid="op-cancel"
          onClick={onCancel}
          disabled={op.cancelling}
        >
          {op.cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
      {stats ? (
        <CopyStatsView copy={stats} />
      ) : (
        <div className="progress-track" aria-hidden="true">
          <div className="progress-bar indeterminate" />
        </div>
      )}
      {copying && elapsed > SLOW_COPY_MS && !op.cancelling && (
        <p className="muted small op-note">
          The copy takes time in proportion to the database size. Cancelling is safe: nothing is left behind.
        </p>
      )}
    </div>
  );
}

/** The sessions that keep an operation from running, with the extra confirmation protected branches need. */
export function BlockingSessions({
  blocked,
  forceConfirmed,
  onForceConfirmed,
}: {
  blocked: Blocked;
  forceConfirmed: boolean;
  onForceConfirmed: (v: boolean) => void;
}) {
  const dbs = [...new Set(blocked.sessions.map((s) => s.database))];
  const many = dbs.length > 1;
  const n = blocked.sessions.length;
  return (
    <div className="blocking" id="blocking-sessions" data-testid="blocking-sessions">
      <p className="blocking-title">
        {n === 1 ? "Another session is" : `${n} other sessions are`} connected to {dbs.map((d) => `“${d}”`).join(" and ")}
        . The operation cannot run while {n === 1 ? "it is" : "they are"}.
      </p>
      <div className="table-wrap">
        <table className="data-table">
          <thead>
            <tr>
              {many && <th>Branch</th>}
              <th>PID</th>
              <th>User</th>
              <th>Application</th>
              <th>Client</th>
              <th>Since</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {blocked.sessions.map((s) => (
              <tr key={`${s.database}:${s.pid}`} data-testid="blocking-session" data-pid={s.pid}>
                {many && <td className="mono">{s.database}</td>}
                <td className="mono">{s.pid}</td>
                <td>{s.user ?? <span className="muted">—</span>}</td>
                <td>{s.application_name || <span className="muted">—</span>}</td>
                <td className="mono">{s.client_addr ?? <span className="muted">local socket</span>}</td>
                <td title={s.backend_start ? formatDate(s.backend_start) : undefined}>
                  {s.backend_start ? formatAge(s.backend_start) : <span className="muted">—</span>}
                </td>
                <td>{s.state ?? <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted small">
        Terminating disconnects these clients; anything they have not committed is lost. Or close them yourself and
        try again.
      </p>
      {blocked.protectedNames.length > 0 && (
        <label className="checkbox-row danger-confirm">
          <input
            type="checkbox"
            id="blocking-force-confirm"
            data-testid="blocking-force-confirm"
            checked={forceConfirmed}
            onChange={(e) => onForceConfirmed(e.target.checked)}
          />
          <span>
            {blocked.protectedNames.map((x) => `“${x}”`).join(" and ")}{" "}
            {blocked.protectedNames.length === 1 ? "is a protected branch" : "are protected branches"}. Terminate
            its sessions anyway.
          </span>
        </label>
      )}
    </div>
  );
}

export interface SubmitSpec {
  id: string;
  label: string;
  /** Label while the operation runs, e.g. "Creating…". */
  busyLabel: string;
  danger?: boolean;
  disabled?: boolean;
  /** Why the button is disabled (tooltip). */
  disabledReason?: string;
  /** Starts the operation; after a conflict, with "terminate" or "force", or `online`. */
  onSubmit: (onBusy: OnBusy, online?: boolean) => void;
  /**
   * The parent an online copy would leave alone: when every blocking session is on it, the
   * blocking-sessions panel offers "Copy without interrupting them" (retries with `online`).
   */
  onlineParent?: string;
}

interface OpDialogProps {
  id: string;
  title: string;
  op: BranchOp;
  onClose: () => void;
  submit: SubmitSpec;
  children: ReactNode;
  small?: boolean;
  initialFocus?: RefObject<HTMLElement | null>;
}

/**
 * A dialog that starts a branch operation: its form, then (in place) the progress with Cancel,
 * the error, or the blocking sessions with "Terminate sessions and retry".
 * It cannot be dismissed while the operation runs (Cancel stops the operation instead).
 */
export function OpDialog({ id, title, op, onClose, submit, children, small, initialFocus }: OpDialogProps) {
  const [forceConfirmed, setForceConfirmed] = useState(false);
  // Other blocking sessions: "force" must be confirmed again.
  const blocked = op.blocked;
  const [confirmedFor, setConfirmedFor] = useState(blocked);
  if (confirmedFor !== blocked) {
    setConfirmedFor(blocked);
    setForceConfirmed(false);
  }

  const formId = `${id}-form`;
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (op.busy || submit.disabled) return;
    submit.onSubmit("fail");
  };
  // Editing the form makes the last outcome stale.
  const onChange = () => {
    if (op.error || op.notice || op.blocked) op.clear();
  };
  const needsForce = blocked !== null && blocked.protectedNames.length > 0;
  const canCopyOnline =
    blocked !== null &&
    submit.onlineParent !== undefined &&
    blocked.sessions.length > 0 &&
    blocked.sessions.every((s) => s.database === submit.onlineParent);

  return (
    <Modal
      id={id}
      title={title}
      onClose={onClose}
      dismissible={!op.busy}
      className={small ? "modal-small" : undefined}
      initialFocus={initialFocus}
      footer={
        <>
          <span className="spacer" />
          {!op.busy && (
            <button type="button" className="button" data-testid={`${id}-cancel`} onClick={onClose}>
              Cancel
            </button>
          )}
          {blocked && !op.busy && canCopyOnline && (
            <button
              type="button"
              className="button"
              id="blocking-copy-online"
              data-testid="blocking-copy-online"
              title="Copies the parent while it is in use: slower, and its sessions are not interrupted"
              onClick={() => submit.onSubmit("fail", true)}
            >
              Copy without interrupting them
            </button>
          )}
          {blocked && !op.busy ? (
            <button
              type="button"
              className="button danger"
              id="blocking-terminate-retry"
              data-testid="blocking-terminate-retry"
              disabled={needsForce && !forceConfirmed}
              title={needsForce && !forceConfirmed ? "Confirm terminating sessions on the protected branch first" : undefined}
              onClick={() => submit.onSubmit(needsForce ? "force" : "terminate")}
            >
              {needsForce ? "Force-terminate sessions and retry" : "Terminate sessions and retry"}
            </button>
          ) : (
            <button
              type="submit"
              form={formId}
              className={`button ${submit.danger ? "danger" : "primary"}`}
              id={submit.id}
              data-testid={submit.id}
              disabled={op.busy || submit.disabled}
              title={submit.disabled ? submit.disabledReason : undefined}
            >
              {op.busy ? submit.busyLabel : submit.label}
            </button>
          )}
        </>
      }
    >
      <form id={formId} className="form" onSubmit={onSubmit} onChange={onChange} noValidate>
        <fieldset className="plain-fieldset" disabled={op.busy}>
          {children}
        </fieldset>
      </form>
      <OpOutcome op={op} forceConfirmed={forceConfirmed} onForceConfirmed={setForceConfirmed} />
    </Modal>
  );
}

/** Progress, error, notice or blocking sessions of an operation. */
export function OpOutcome({
  op,
  forceConfirmed = false,
  onForceConfirmed = () => {},
}: {
  op: BranchOp;
  forceConfirmed?: boolean;
  onForceConfirmed?: (v: boolean) => void;
}) {
  return (
    <div className="op-outcome">
      {op.running && <OpProgressPanel op={op.running} onCancel={() => void op.cancel()} />}
      {op.checking && <div className="result-box muted">Looking up the sessions in the way…</div>}
      {op.error && (
        <div className="result-box" data-status="error" data-testid="branch-error" role="alert">
          {op.error}
        </div>
      )}
      {op.notice && (
        <div className="result-box" data-status="info" data-testid="op-notice" role="status">
          {op.notice}
        </div>
      )}
      {op.blocked && !op.running && (
        <BlockingSessions blocked={op.blocked} forceConfirmed={forceConfirmed} onForceConfirmed={onForceConfirmed} />
      )}
    </div>
  );
}
