import { useState } from "react";
import type { Snapshot } from "../../bindings/Snapshot";
import { formatAge, formatUntil } from "../../branches";
import { formatDate } from "../../format";
import { ChevronIcon, UndoIcon } from "../Icons";

/** The newest "deleted" snapshot of each branch name (restore brings back that one). */
export function latestDeleted(snapshots: readonly Snapshot[]): Snapshot[] {
  const seen = new Map<string, Snapshot>();
  for (const s of snapshots) {
    if (s.kind !== "deleted") continue;
    const prev = seen.get(s.branch_name);
    if (!prev || Date.parse(s.created_at) > Date.parse(prev.created_at)) seen.set(s.branch_name, s);
  }
  return [...seen.values()].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
}

interface Props {
  snapshots: readonly Snapshot[];
  /** Names of the current branches (a name in use cannot be restored). */
  names: ReadonlySet<string>;
  now: number;
  disabled: boolean;
  onRestore: (s: Snapshot) => void;
}

/** Branches deleted less than 24 h ago, each with Restore. */
export function RecentlyDeleted({ snapshots, names, now, disabled, onRestore }: Props) {
  const [open, setOpen] = useState(true);
  const items = latestDeleted(snapshots);
  if (items.length === 0) return null;
  return (
    <section className="recently-deleted" data-testid="recently-deleted">
      <button
        type="button"
        className="section-toggle"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <ChevronIcon size={11} className={`twisty-icon${open ? " open" : ""}`} />
        Recently deleted
        <span className="count">{items.length}</span>
      </button>
      {open && (
        <ul>
          {items.map((s) => {
            const until = formatUntil(s.keep_until, now);
            const taken = names.has(s.branch_name);
            return (
              <li key={s.id} data-testid="deleted-branch" data-name={s.branch_name}>
                <div className="deleted-text">
                  <span className="deleted-name">{s.branch_name}</span>
                  <span className="muted small" title={`Deleted ${formatDate(s.created_at)}; kept until ${formatDate(s.keep_until)}`}>
                    deleted {formatAge(s.created_at, now)}
                    {until ? ` · restorable for ${until.replace(/^in /, "")}` : " · until the next housekeeping"}
                  </span>
                </div>
                <span title={taken ? `A branch named “${s.branch_name}” exists: rename it first` : undefined}>
                  <button
                    type="button"
                    className="button small"
                    data-testid="branch-restore"
                    data-name={s.branch_name}
                    onClick={() => onRestore(s)}
                    disabled={disabled || taken}
                  >
                    <UndoIcon size={11} />
                    Restore
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
