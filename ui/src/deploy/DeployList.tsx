import { useQuery } from "@tanstack/react-query";
import { commands } from "../api";
import type { DeployRequest } from "../bindings/DeployRequest";
import { formatAge } from "../branches";
import { DeployIcon, RefreshIcon } from "../components/Icons";
import { formatError } from "../errors";
import { formatDate } from "../format";
import { queryKeys } from "../queries/keys";
import { RevertWindowSetting } from "./RevertWindowSetting";
import { StatusBadge } from "./StatusBadge";

interface Props {
  server: string | null;
  now: number;
  onOpen: (r: DeployRequest) => void;
}

/** The server's deploy requests, newest first: who opened which, where it stands. */
export function DeployList({ server, now, onOpen }: Props) {
  const query = useQuery({
    queryKey: queryKeys.deploys(server),
    queryFn: () => commands.deployList(server),
    refetchOnWindowFocus: false,
  });
  const list = query.data ?? null;
  return (
    <section className="dep-list" id="deploy-list" data-testid="deploy-list">
      <div className="dep-list-bar">
        <h2>Deploy requests</h2>
        {list && <span className="muted small">{list.length === 1 ? "1 request" : `${list.length} requests`}</span>}
        <span className="spacer" />
        <RevertWindowSetting server={server} />
        <button
          type="button"
          className="icon-button bordered"
          data-testid="deploy-list-refresh"
          onClick={() => void query.refetch()}
          disabled={query.isFetching}
          title="Refresh"
          aria-label="Refresh deploy requests"
        >
          <RefreshIcon />
        </button>
      </div>
      {query.isError && (
        <div className="result-box" data-status="error" role="alert" data-testid="deploy-list-error">
          Could not load the deploy requests: {formatError(query.error)}
        </div>
      )}
      {list === null && !query.isError && (
        <div className="empty-state muted">
          <span className="spinner" /> Loading deploy requests…
        </div>
      )}
      {list?.length === 0 && (
        <div className="empty-state" data-testid="deploy-list-empty">
          <DeployIcon size={28} />
          <p>
            <strong>No deploy requests yet.</strong>
          </p>
          <p className="muted">
            Open one from a child branch (its Actions menu, or the command palette): it checks the branch's schema changes
            against its parent and lets you review, dry-run, apply and revert them.
          </p>
        </div>
      )}
      {list && list.length > 0 && (
        <table className="dep-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Branch → into</th>
              <th>Status</th>
              <th>Latest check</th>
              <th>Opened by</th>
              <th>Applied</th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id} data-testid="deploy-row" data-id={r.id} data-status={r.status} onClick={() => onOpen(r)}>
                <td className="mono">{r.id}</td>
                <td>
                  <button
                    type="button"
                    className="button link"
                    data-testid="deploy-open"
                    onClick={(e) => {
                      e.stopPropagation();
                      onOpen(r);
                    }}
                  >
                    <strong>{r.child}</strong> <span className="muted">→</span> {r.parent}
                  </button>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                </td>
                <td className="small">{checkText(r)}</td>
                <td className="small" title={formatDate(r.created_at)}>
                  {r.author} · {formatAge(r.created_at, now)}
                </td>
                <td className="small">
                  {r.applied_at ? (
                    <span title={formatDate(r.applied_at)}>
                      {r.applied_by ?? "?"} · {formatAge(r.applied_at, now)}
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function checkText(r: DeployRequest): string {
  const c = r.last_check;
  if (!c) return "not checked";
  const parts = [
    c.conflicts > 0 ? `${c.conflicts} conflict${c.conflicts === 1 ? "" : "s"}` : "clean",
    `${c.statements} statement${c.statements === 1 ? "" : "s"}`,
  ];
  if (c.hazards > 0) parts.push(`${c.hazards} hazard${c.hazards === 1 ? "" : "s"}`);
  if (c.dry_run_ok !== null) parts.push(c.dry_run_ok ? "dry run ok" : "dry run failed");
  if (c.two_way) parts.push("two-way");
  return parts.join(" · ");
}
