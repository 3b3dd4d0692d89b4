import type { LocalServer } from "../hooks/useLocalStatus";
import { formatError } from "../errors";
import { CLONE_EXPLANATION } from "../format";
import { CloneBadge } from "./CloneBadge";
import { ServerIcon } from "./Icons";
import { LocalActions } from "./LocalServerItem";
import { StatusDot } from "./StatusDot";
import { DetailRow } from "./DetailRow";

export function LocalDetails({ local }: { local: LocalServer }) {
  const { status, queryError, actionError } = local;
  const state = status?.state ?? (queryError ? "error" : "unknown");
  const problems = [actionError, status?.error ? formatError(status.error) : null, status ? null : queryError].filter(
    (p): p is string => p !== null,
  );

  return (
    <section className="details" data-testid="local-details">
      <header className="details-header">
        <div className="details-title">
          <ServerIcon size={22} />
          <div>
            <h1>Local (embedded)</h1>
            <div className="subtitle">
              PostgreSQL server bundled with Grove, managed on this machine
            </div>
          </div>
        </div>
        <div className="details-actions">
          <span className={`state-pill state-${state}`}>
            <StatusDot state={state} />
            {state === "unknown" ? "checking…" : state}
          </span>
          <LocalActions local={local} idPrefix="details-local" />
        </div>
      </header>

      {problems.map((p, i) => (
        <div key={i} className="result-box" data-status="error" data-testid="local-details-error">
          {p}
        </div>
      ))}

      {status && (
        <>
          <div className="card">
            <h3>Server</h3>
            <dl className="detail-grid">
              <DetailRow label="State">{status.state}</DetailRow>
              <DetailRow label="PostgreSQL version">{status.version ?? "—"}</DetailRow>
              <DetailRow label="Port">
                {status.port !== null ? <span className="mono">{status.port}</span> : <span className="muted">not listening</span>}
              </DetailRow>
              <DetailRow label="Host">
                <span className="mono">localhost</span>
              </DetailRow>
              <DetailRow label="Data directory" copy={status.data_dir}>
                <span className="mono path">{status.data_dir}</span>
              </DetailRow>
              <DetailRow label="Binaries" copy={status.bin_dir ?? undefined}>
                {status.bin_dir ? <span className="mono path">{status.bin_dir}</span> : <span className="muted">not found</span>}
              </DetailRow>
            </dl>
          </div>

          <div className="card">
            <h3>Branch storage</h3>
            <div className="clone-explainer">
              <CloneBadge mode={status.clone_mode} detail={status.clone_detail} />
              <p>{CLONE_EXPLANATION[status.clone_mode]}</p>
              {status.clone_detail && <p className="muted small mono">{status.clone_detail}</p>}
            </div>
          </div>
        </>
      )}
    </section>
  );
}
