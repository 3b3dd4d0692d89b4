import type { LocalServer } from "../hooks/useLocalStatus";
import { formatError } from "../errors";
import { CLONE_EXPLANATION } from "../format";
import { CloneBadge } from "./CloneBadge";
import { ServerIcon } from "./Icons";
import { LocalActions } from "./LocalServerItem";
import { StatusDot } from "./StatusDot";
import { DetailRow } from "./DetailRow";
import { AboutToggle } from "./ServerHeader";

function localProblems(local: LocalServer): string[] {
  const { status, queryError, actionError } = local;
  return [actionError, status?.error ? formatError(status.error) : null, status ? null : queryError].filter(
    (p): p is string => p !== null,
  );
}

/** The embedded server's compact header: name, where it listens, state, Start/Stop, About. */
export function LocalHeader({
  local,
  aboutOpen,
  onToggleAbout,
}: {
  local: LocalServer;
  aboutOpen: boolean;
  onToggleAbout: () => void;
}) {
  const { status, queryError } = local;
  const state = status?.state ?? (queryError ? "error" : "unknown");
  const where = [
    status?.version ? `PostgreSQL ${status.version}` : null,
    status?.port !== null && status?.port !== undefined ? `localhost:${status.port}` : null,
  ].filter(Boolean);

  return (
    <section className="server-header" data-testid="local-details">
      <div className="server-header-row">
        <div className="details-title">
          <ServerIcon size={20} />
          <div>
            <h1>Local (embedded)</h1>
            <div className="subtitle">
              {where.length > 0 ? where.join(" · ") : "PostgreSQL server bundled with Grove, managed on this machine"}
            </div>
          </div>
        </div>
        <div className="details-actions">
          <span className={`state-pill state-${state}`}>
            <StatusDot state={state} />
            {state === "unknown" ? "checking…" : state}
          </span>
          {status && <CloneBadge mode={status.clone_mode} detail={status.clone_detail} />}
          <LocalActions local={local} idPrefix="details-local" />
          <AboutToggle open={aboutOpen} onToggle={onToggleAbout} />
        </div>
      </div>
      {localProblems(local).map((p, i) => (
        <div key={i} className="result-box" data-status="error" data-testid="local-details-error">
          {p}
        </div>
      ))}
    </section>
  );
}

/** Everything about the embedded server (shown under its header on demand). */
export function LocalAbout({ local }: { local: LocalServer }) {
  const { status } = local;
  if (!status) return <p className="muted">Checking the local server…</p>;
  return (
    <div className="about-grid" data-testid="server-about">
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
    </div>
  );
}

/** In place of the branches while the embedded server is not running. */
export function LocalUnavailable({ local }: { local: LocalServer }) {
  const state = local.status?.state;
  let text: string;
  if (!local.status) text = local.queryError ? "The local server's state is unknown." : "Checking the local server…";
  else if (state === "starting") text = "The local server is starting…";
  else if (state === "error") text = "The local server is not running (see the error above).";
  else text = "The local server is stopped. Start it to see and manage its branches.";
  return (
    <div className="empty-state" data-testid="branches-unavailable">
      {state === "starting" || (!local.status && !local.queryError) ? <span className="spinner" /> : null}
      <p className="muted">{text}</p>
      {(state === "stopped" || state === "error") && <LocalActions local={local} idPrefix="branches-local" />}
    </div>
  );
}
