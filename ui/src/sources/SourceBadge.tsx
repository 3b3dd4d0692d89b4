import type { SourceInfo } from "../bindings/SourceInfo";
import { formatAge } from "../branches";
import { RefreshIcon } from "../components/Icons";
import { describeFrom } from "./sourceText";

/** On a synced root in the tree: where it is synced from and how the last refresh went. */
export function SourceBadge({ source: s, now }: { source: SourceInfo; now: number }) {
  const last = s.last_refresh;
  const failed = last?.outcome === "failed";
  const when = last ? `last refresh ${formatAge(last.started_at, now)}${failed ? " failed" : ""}` : "never refreshed";
  const title = `synced from ${describeFrom(s)} · ${when}${failed && last?.error ? `: ${last.error}` : ""}`;
  return (
    <span
      className={`badge badge-synced${failed ? " failed" : ""}`}
      data-badge="synced"
      data-testid="source-badge"
      data-outcome={last?.outcome ?? "none"}
      title={title}
    >
      <RefreshIcon size={11} />
      <span className="sr-only">synced</span>
    </span>
  );
}
