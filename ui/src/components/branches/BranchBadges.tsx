import type { Branch } from "../../bindings/Branch";
import { expiryLabel, formatUntil } from "../../branches";
import { formatDate } from "../../format";
import { ClockIcon, LockIcon, UndoIcon, WarnIcon } from "../Icons";

export const MISSING_HINT =
  "The database was dropped outside Grove. Delete the branch to remove it from the tree.";

/** root, protected, schema only, expiry, missing, undo available. Compact: for the tree. */
export function BranchBadges({ branch: b, compact, now }: { branch: Branch; compact?: boolean; now: number }) {
  const until = b.expires_at ? formatUntil(b.expires_at, now) : null;
  return (
    <span className="badges">
      {b.missing && (
        <span className="badge badge-missing" data-badge="missing" title={MISSING_HINT}>
          <WarnIcon size={11} />
          missing
        </span>
      )}
      {b.is_root && (
        <span className="badge badge-root" data-badge="root" title="Root branch: an imported database">
          root
        </span>
      )}
      {b.protected && (
        <span
          className="badge badge-protected"
          data-badge="protected"
          title="Protected: it cannot be reset, renamed, expired or deleted"
        >
          <LockIcon size={11} />
          {compact ? <span className="sr-only">protected</span> : "protected"}
        </span>
      )}
      {b.schema_only && (
        <span className="badge" data-badge="schema-only" title="Created with the schema only (no rows)">
          schema only
        </span>
      )}
      {b.expires_at && (
        <span
          className={`badge badge-expiry${until ? "" : " expired"}`}
          data-badge="expiry"
          title={`${until ? `Expires ${until}` : "Expired"} (${formatDate(b.expires_at)}); housekeeping deletes it`}
        >
          <ClockIcon size={11} />
          {compact && until ? (
            <>
              <span className="sr-only">expires </span>
              {until}
            </>
          ) : (
            expiryLabel(b.expires_at, now)
          )}
        </span>
      )}
      {b.undo_available && (
        <span className="badge badge-undo" data-badge="undo" title="Its last reset can be undone">
          <UndoIcon size={11} />
          {compact ? "undo" : "undo available"}
        </span>
      )}
    </span>
  );
}
