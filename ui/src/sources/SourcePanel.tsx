import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { commands } from "../api";
import type { OnBusy } from "../bindings/OnBusy";
import type { SourceInfo } from "../bindings/SourceInfo";
import { formatAge, formatBytes, formatElapsed, formatUntil } from "../branches";
import { OpOutcome } from "../components/branches/OpStatus";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DetailRow } from "../components/DetailRow";
import { RefreshIcon } from "../components/Icons";
import { formatDate } from "../format";
import { useBranchOp } from "../hooks/useBranchOp";
import { queryKeys } from "../queries/keys";
import { describeFrom, scheduleLabel, selectionSummary } from "./sourceText";
import { useSources } from "./useSources";

/** The Overview's card on a synced root: its source, last and next refresh, Refresh now, Unlink. */
export function SourcePanel({ server, root, now }: { server: string | null; root: string; now: number }) {
  const source = useSources(server).get(root);
  if (!source) return null;
  return <SourceCard server={server} source={source} now={now} />;
}

function SourceCard({ server, source: s, now }: { server: string | null; source: SourceInfo; now: number }) {
  const client = useQueryClient();
  const op = useBranchOp(server);
  const [unlinking, setUnlinking] = useState(false);
  const reload = () => client.invalidateQueries({ queryKey: queryKeys.server(server) });
  const refresh = (onBusy: OnBusy) =>
    void op.start(
      {
        label: `Refreshing “${s.root}” from ${describeFrom(s)}`,
        run: (busy, opId) => commands.refreshSource(server, s.root, busy, opId),
        sessionsOn: [{ name: s.root, protected: false }],
        onDone: () => void reload(),
      },
      onBusy,
    );
  const filters = s.selection.filters;
  return (
    <div className="card" id="source-panel" data-testid="source-panel">
      <h3>Source</h3>
      <dl className="detail-grid">
        <DetailRow label="Synced from">
          <span data-testid="source-from">{describeFrom(s)}</span>
        </DetailRow>
        <DetailRow label="Tables">
          <span data-testid="source-tables">{selectionSummary(s.selection).join(" · ")}</span>
        </DetailRow>
        {filters.length > 0 && (
          <DetailRow label="Row filters">
            <span className="mono small" data-testid="source-filters">
              {filters.map(([t, c]) => (
                <div key={t}>
                  {t}: {c}
                </div>
              ))}
            </span>
          </DetailRow>
        )}
        <DetailRow label="Schedule">
          <span data-testid="source-schedule">{scheduleLabel(s.schedule)}</span>
        </DetailRow>
        <DetailRow label="Last refresh">
          <LastRefreshText source={s} now={now} />
        </DetailRow>
        <DetailRow label="Next refresh">
          <span data-testid="source-next">
            {s.next_due_at ? (
              <>
                {formatDate(s.next_due_at)} <span className="muted">· {formatUntil(s.next_due_at, now) ?? "due now"}</span>
              </>
            ) : (
              <span className="muted">not scheduled</span>
            )}
          </span>
        </DetailRow>
      </dl>
      <div className="details-actions source-actions">
        <button
          type="button"
          className="button"
          id="source-refresh"
          data-testid="source-refresh"
          disabled={op.busy}
          onClick={() => refresh("fail")}
          title="Copies the source again and swaps the copy in; the previous version can be undone like a reset"
        >
          <RefreshIcon size={12} />
          {op.busy ? "Refreshing…" : "Refresh now"}
        </button>
        {op.blocked && !op.busy && (
          <button type="button" className="button danger" data-testid="source-refresh-terminate" onClick={() => refresh("terminate")}>
            Terminate sessions and retry
          </button>
        )}
        <button
          type="button"
          className="button"
          id="source-unlink"
          data-testid="source-unlink"
          disabled={op.busy}
          onClick={() => setUnlinking(true)}
        >
          Unlink source
        </button>
      </div>
      <OpOutcome op={op} />
      {unlinking && (
        <ConfirmDialog
          title={`Unlink “${s.root}” from its source?`}
          message={`“${s.root}” stays as it is, with its children, but is no longer refreshed from ${describeFrom(s)}.`}
          confirmLabel="Unlink source"
          onConfirm={async () => {
            await commands.removeSource(server, s.root);
            await reload();
          }}
          onClose={() => setUnlinking(false)}
        />
      )}
    </div>
  );
}

function LastRefreshText({ source: s, now }: { source: SourceInfo; now: number }) {
  const last = s.last_refresh;
  if (!last) return <span className="muted">never</span>;
  const parts = [
    last.duration_ms !== null ? `took ${formatElapsed(last.duration_ms)}` : null,
    last.size_bytes !== null ? formatBytes(last.size_bytes) : null,
    last.rows !== null ? `${last.rows.toLocaleString()} rows` : null,
  ].filter(Boolean);
  return (
    <span data-testid="source-last" data-outcome={last.outcome}>
      {formatDate(last.started_at)} <span className="muted">· {formatAge(last.started_at, now)}</span>
      <span className={last.outcome === "failed" ? "source-error" : undefined}> · {last.outcome}</span>
      {parts.length > 0 && <span className="muted"> · {parts.join(" · ")}</span>}
      {last.error && (
        <span className="source-error small" data-testid="source-last-error">
          <br />
          {last.error}
        </span>
      )}
    </span>
  );
}
