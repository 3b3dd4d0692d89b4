import type { SourceInfo } from "../bindings/SourceInfo";
import type { TableSelection } from "../bindings/TableSelection";

/** Where a source is, as the user named it: a saved connection or a URL. */
export function describeFrom(s: Pick<SourceInfo, "from" | "database">): string {
  const where = s.from.kind === "connection" ? `connection “${s.from.value}”` : s.from.value;
  return `${s.database} on ${where}`;
}

/** "daily@02:00" → "Daily at 02:00"; null → "None (refresh by hand)". */
export function scheduleLabel(schedule: string | null): string {
  if (!schedule) return "None (refresh by hand)";
  if (schedule.startsWith("daily@")) return `Daily at ${schedule.slice(6)} (local time)`;
  if (schedule === "hourly") return "Hourly";
  return `Every ${schedule}`;
}

/** "a, b ,c" → ["a","b","c"]. */
export function parseList(s: string): string[] {
  return s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** "TABLE: condition" lines → filters; a line without a colon is an error. */
export function parseFilters(s: string): { filters: [string, string][]; error: string | null } {
  const filters: [string, string][] = [];
  for (const line of s.split("\n")) {
    if (!line.trim()) continue;
    const i = line.indexOf(":");
    const table = i > 0 ? line.slice(0, i).trim() : "";
    const cond = i > 0 ? line.slice(i + 1).trim() : "";
    if (!table || !cond) return { filters, error: `“${line.trim()}” is not TABLE: CONDITION` };
    filters.push([table, cond]);
  }
  return { filters, error: null };
}

/** A short summary of what is copied. */
export function selectionSummary(sel: TableSelection): string[] {
  const out: string[] = [];
  out.push(sel.include.length ? `Only ${sel.include.join(", ")}` : "Every table");
  if (sel.exclude.length) out.push(`except ${sel.exclude.join(", ")}`);
  if (sel.schema_only.length) out.push(`schema only: ${sel.schema_only.join(", ")}`);
  return out;
}

export type ScheduleKind = "none" | "daily" | "hourly" | "every";

/** The schedule the dialog's fields spell, as the core parses it; error when invalid. */
export function scheduleSpec(kind: ScheduleKind, time: string, hours: string): { every: string | null; error: string | null } {
  if (kind === "none") return { every: null, error: null };
  if (kind === "hourly") return { every: "hourly", error: null };
  if (kind === "daily") {
    return /^([01]\d|2[0-3]):[0-5]\d$/.test(time)
      ? { every: `daily@${time}`, error: null }
      : { every: null, error: "Enter a time as HH:MM" };
  }
  const n = Number(hours);
  return Number.isInteger(n) && n >= 1 ? { every: `${n}h`, error: null } : { every: null, error: "Enter a whole number of hours" };
}
