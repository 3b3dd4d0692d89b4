import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { commands } from "../api";
import { ClockIcon } from "../components/Icons";
import { formatError } from "../errors";

/** The longest window the core accepts. */
const MAX_SECS = 30 * 24 * 3600;
const UNITS = [
  { id: "min", label: "minutes", secs: 60 },
  { id: "h", label: "hours", secs: 3600 },
  { id: "d", label: "days", secs: 24 * 3600 },
] as const;
type Unit = (typeof UNITS)[number]["id"];

export const revertWindowKey = (server: string | null) => ["server", server, "revert-window"] as const;

/** "30 min", "2 h", "1 d 12 h", "45 s". */
export function formatWindow(secs: number): string {
  if (secs < 60) return `${secs} s`;
  const d = Math.floor(secs / 86400);
  const h = Math.floor((secs % 86400) / 3600);
  const m = Math.floor((secs % 3600) / 60);
  return [d ? `${d} d` : "", h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ") || "0 min";
}

/** The window in the largest unit that divides it. */
function split(secs: number): { amount: string; unit: Unit } {
  for (const u of [...UNITS].reverse()) {
    if (secs >= u.secs && secs % u.secs === 0) return { amount: String(secs / u.secs), unit: u.id };
  }
  return { amount: String(Math.max(1, Math.round(secs / 60))), unit: "min" };
}

/** Seconds of an amount in a unit, or the reason it is not a window. */
export function parseWindow(amount: string, unit: Unit): { secs: number } | { error: string } {
  const n = Number(amount.trim());
  if (!/^\d+$/.test(amount.trim()) || n <= 0) return { error: "Enter a whole number greater than 0" };
  const secs = n * (UNITS.find((u) => u.id === unit)?.secs ?? 60);
  if (secs > MAX_SECS) return { error: "The revert window can be at most 30 days" };
  return { secs };
}

/** How long an applied deploy request can be reverted on this server; changed in place. */
export function RevertWindowSetting({ server }: { server: string | null }) {
  const client = useQueryClient();
  const query = useQuery({ queryKey: revertWindowKey(server), queryFn: () => commands.deployRevertWindow(server) });
  const [draft, setDraft] = useState<{ amount: string; unit: Unit } | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const parsed = draft ? parseWindow(draft.amount, draft.unit) : null;
  const invalid = parsed && "error" in parsed ? parsed.error : null;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!parsed || "error" in parsed || saving) return;
    setSaving(true);
    setError(null);
    try {
      const stored = await commands.deploySetRevertWindow(server, parsed.secs);
      client.setQueryData(revertWindowKey(server), stored);
      setDraft(null);
    } catch (err) {
      setError(formatError(err));
    } finally {
      setSaving(false);
    }
  };

  const title =
    "How long an applied request can be reverted on this server; its revert data is dropped after that (by housekeeping)";
  if (!draft) {
    return (
      <span className="revert-window small" data-testid="revert-window" title={title}>
        <ClockIcon size={12} />
        <span className="muted">Revert window</span>{" "}
        <strong data-testid="revert-window-value">
          {query.data !== undefined ? formatWindow(query.data) : query.isError ? "unknown" : "…"}
        </strong>
        <button
          type="button"
          className="button link"
          id="revert-window-edit"
          data-testid="revert-window-edit"
          disabled={query.data === undefined}
          onClick={() => {
            setError(null);
            if (query.data !== undefined) setDraft(split(query.data));
          }}
        >
          Change
        </button>
      </span>
    );
  }
  return (
    <form className="revert-window small" data-testid="revert-window-form" onSubmit={(e) => void save(e)} noValidate>
      <label htmlFor="revert-window-amount" className="muted">
        Revert window
      </label>
      <input
        id="revert-window-amount"
        data-testid="revert-window-amount"
        className="revert-window-amount"
        inputMode="numeric"
        value={draft.amount}
        aria-invalid={invalid !== null}
        aria-describedby={invalid || error ? "revert-window-error" : undefined}
        onChange={(e) => setDraft({ ...draft, amount: e.target.value })}
        onFocus={(e) => e.target.select()}
        autoFocus
      />
      <select
        id="revert-window-unit"
        data-testid="revert-window-unit"
        aria-label="Unit"
        value={draft.unit}
        onChange={(e) => setDraft({ ...draft, unit: e.target.value as Unit })}
      >
        {UNITS.map((u) => (
          <option key={u.id} value={u.id}>
            {u.label}
          </option>
        ))}
      </select>
      <button type="submit" className="button small primary" id="revert-window-save" data-testid="revert-window-save" disabled={invalid !== null || saving}>
        {saving ? "Saving…" : "Save"}
      </button>
      <button type="button" className="button small" data-testid="revert-window-cancel" disabled={saving} onClick={() => setDraft(null)}>
        Cancel
      </button>
      {(invalid || error) && (
        <span className="revert-window-error" id="revert-window-error" data-testid="revert-window-error" role="alert">
          {invalid ?? error}
        </span>
      )}
    </form>
  );
}
