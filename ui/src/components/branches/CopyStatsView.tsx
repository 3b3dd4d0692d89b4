import type { CopyStats } from "../../bindings/CopyStats";
import type { TableStats } from "../../bindings/TableStats";
import { formatBytes } from "../../branches";
import "./copyStats.css";

/** "about 9 s", "about 3 min", "about 2 h"; null when unknown. */
export function formatEta(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return null;
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `about ${Math.max(1, s)} s`;
  if (s < 3600) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1).replace(/\.0$/, "")} h`;
}

/** "4.0 MB/s"; "—" before the first bytes. */
export function formatRate(bytesPerSec: number): string {
  return bytesPerSec > 0 ? `${formatBytes(bytesPerSec)}/s` : "—";
}

const rowsText = (t: TableStats) =>
  t.rows_estimate !== null && t.rows_estimate > 0
    ? `${t.rows.toLocaleString()} of ~${t.rows_estimate.toLocaleString()}`
    : t.rows.toLocaleString();

/** An online copy's progress: the overall counters, a bar by tables, and one row per table being copied. */
export function CopyStatsView({ copy }: { copy: CopyStats }) {
  const rate = copy.active.reduce((sum, t) => sum + t.bytes_per_sec, 0);
  const etas = copy.active.map((t) => t.eta_ms).filter((e): e is number => e !== null);
  const eta = etas.length > 0 ? formatEta(Math.max(...etas)) : null;
  const fraction = copy.tables_total > 0 ? copy.tables_done / copy.tables_total : 0;
  const overall = [
    `${copy.tables_done} of ${copy.tables_total} tables`,
    `${copy.rows.toLocaleString()} rows`,
    formatBytes(copy.bytes),
    rate > 0 ? formatRate(rate) : null,
    eta ? `${eta} left` : null,
  ].filter(Boolean);
  return (
    <div className="copy-stats" data-testid="copy-stats" data-phase={copy.phase}>
      <div className="copy-overall small" data-testid="copy-overall">
        {overall.join(" · ")}
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label="Tables copied"
        aria-valuemin={0}
        aria-valuemax={copy.tables_total}
        aria-valuenow={copy.tables_done}
      >
        <div className="progress-bar determinate" data-testid="copy-bar" style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
      {copy.active.length > 0 && (
        <table className="copy-tables small" data-testid="copy-tables">
          <thead>
            <tr>
              <th>Table</th>
              <th className="num">Rows</th>
              <th className="num">Bytes</th>
              <th className="num">Rate</th>
              <th className="num">Left</th>
            </tr>
          </thead>
          <tbody>
            {copy.active.map((t) => (
              <tr key={t.table} data-testid="copy-table" data-table={t.table}>
                <td className="mono copy-table-name">{t.table}</td>
                <td className="num" data-testid="copy-table-rows">
                  {rowsText(t)}
                </td>
                <td className="num">{formatBytes(t.bytes)}</td>
                <td className="num" data-testid="copy-table-rate">
                  {formatRate(t.bytes_per_sec)}
                </td>
                <td className="num" data-testid="copy-table-eta">
                  {formatEta(t.eta_ms) ?? "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
