import { useEffect, useEffectEvent, useRef, useState } from "react";
import { commands } from "../../api";
import type { HousekeepingReport } from "../../bindings/HousekeepingReport";
import type { Snapshot } from "../../bindings/Snapshot";
import { useBranchOp } from "../../hooks/useBranchOp";
import { Modal } from "../Modal";
import { OpOutcome } from "./OpStatus";

interface Props {
  server: string | null;
  /** The snapshots known before it ran, to name the copies it drops. */
  snapshots: readonly Snapshot[];
  onClose: () => void;
  /** Called once housekeeping finished (the tree may have changed). */
  onDone: () => void;
}

/** Runs housekeeping as soon as it opens, then shows what it did. */
export function HousekeepingDialog({ server, snapshots, onClose, onDone }: Props) {
  const op = useBranchOp(server);
  const [report, setReport] = useState<HousekeepingReport | null>(null);
  const started = useRef(false);

  const run = () => {
    setReport(null);
    void op.start({
      label: "Housekeeping",
      run: (_busy, opId) => commands.housekeeping(server, opId),
      onDone: (r) => {
        setReport(r);
        onDone();
      },
    });
  };

  // It runs as the dialog opens: once, even when React runs effects twice in development.
  const runAtOpen = useEffectEvent(run);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    runAtOpen();
  }, []);

  const closeRef = useRef<HTMLButtonElement>(null);
  return (
    <Modal
      id="housekeeping-dialog"
      title="Housekeeping"
      onClose={onClose}
      dismissible={!op.busy}
      initialFocus={closeRef}
      footer={
        <>
          <span className="spacer" />
          {(op.error || op.notice) && !op.busy && (
            <button type="button" className="button" data-testid="housekeeping-retry" onClick={run}>
              Run again
            </button>
          )}
          <button
            ref={closeRef}
            type="button"
            className="button primary"
            data-testid="housekeeping-close"
            onClick={onClose}
            disabled={op.busy}
          >
            Close
          </button>
        </>
      }
    >
      <p className="dialog-intro">
        Deletes branches whose expiry has passed (never protected ones or ones with children), drops the copies kept
        for undoing resets and restoring deleted branches once they are 24 hours old, and cleans up after
        interrupted operations.
      </p>
      <OpOutcome op={op} />
      {report && <ReportView report={report} snapshots={snapshots} />}
    </Modal>
  );
}

const KIND_LABEL = { deleted: "deleted branch", "reset-undo": "state before a reset" } as const;

function ReportView({ report, snapshots }: { report: HousekeepingReport; snapshots: readonly Snapshot[] }) {
  const byDb = new Map(snapshots.map((s) => [s.db_name, s]));
  const dropped = report.snapshots_dropped.map((db) => {
    const s = byDb.get(db);
    return s ? `${s.branch_name} (${KIND_LABEL[s.kind]})` : db;
  });
  const sections: { key: string; title: string; items: string[] }[] = [
    { key: "expired-deleted", title: "Expired branches deleted", items: report.expired_deleted },
    { key: "expired-kept", title: "Expired branches kept", items: report.expired_kept },
    { key: "snapshots-dropped", title: "Old copies dropped", items: dropped },
    { key: "repaired", title: "Leftovers of interrupted operations cleaned up", items: report.repaired },
  ];
  const nothing = sections.every((s) => s.items.length === 0);
  return (
    <div className="report" id="housekeeping-report" data-testid="housekeeping-report">
      {nothing ? (
        <div className="result-box" data-status="ok">
          All tidy: nothing had expired and there was nothing to clean up.
        </div>
      ) : (
        <>
          <div className="result-box" data-status="ok">
            Done.
          </div>
          {sections
            .filter((s) => s.items.length > 0)
            .map((s) => (
              <section key={s.key} className="report-section" data-testid={`housekeeping-${s.key}`}>
                <h4>
                  {s.title} <span className="count">{s.items.length}</span>
                </h4>
                <ul>
                  {s.items.map((item, i) => (
                    <li key={i} className="mono">
                      {item}
                    </li>
                  ))}
                </ul>
              </section>
            ))}
        </>
      )}
    </div>
  );
}
