// What the deploy views derive from requests and checks (no React here).
import type { ConflictKind } from "../bindings/ConflictKind";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import type { DeployStatus } from "../bindings/DeployStatus";

export const STATUS_LABEL: Record<DeployStatus, string> = {
  open: "open",
  conflicted: "conflicted",
  applying: "applying",
  applied: "applied",
  reverting: "reverting",
  reverted: "reverted",
  closed: "closed",
};

export const STATUS_HELP: Record<DeployStatus, string> = {
  open: "Waiting for review: check it, dry-run it, apply it",
  conflicted: "The latest check found conflicts with the parent's own changes",
  applying: "An apply is running (or was interrupted: the next operation finds out which)",
  applied: "The changes are in the parent",
  reverting: "A revert is running",
  reverted: "The parent's schema was put back as before the deploy",
  closed: "Closed without applying",
};

export const CONFLICT_LABEL: Record<ConflictKind, string> = {
  both_changed: "Both changed",
  uses_dropped: "Uses something dropped",
  uses_changed: "Uses something changed",
};

/** Requests that can still be checked, applied or closed. */
export const isOpen = (r: DeployRequest) => r.status === "open" || r.status === "conflicted";

/** Why Apply is not available now, or undefined when it is. */
export function applyBlocked(r: DeployRequest, check: DeployCheck | null): string | undefined {
  if (!isOpen(r)) return `The request is ${STATUS_LABEL[r.status]}`;
  if (!check) return "Check the request first";
  if (check.conflicts.length > 0) return "Resolve the conflicts, then check again";
  if (check.result.migration.length === 0) return "There is nothing to deploy";
  return undefined;
}

/** Why Revert is not available now, or undefined when it is. */
export function revertBlocked(r: DeployRequest): string | undefined {
  if (r.status !== "applied") return "Only an applied request can be reverted";
  if (!r.revertible) return "The revert window has passed";
  return undefined;
}

/** "#3 dev/alice → shop" */
export const requestTitle = (r: DeployRequest) => `#${r.id} ${r.child} → ${r.parent}`;

/** The script the page shows: the latest check's, else the one stored with the request. */
export function scriptOf(r: DeployRequest, check: DeployCheck | null) {
  if (check && check.request.id === r.id && isOpen(r)) return check.result.migration;
  return r.script ?? check?.result.migration ?? [];
}

/** Whole seconds from a text field, or null when it is not a positive number. */
export function parseSeconds(text: string): number | null {
  const n = Number(text.trim());
  return text.trim() !== "" && Number.isFinite(n) && n > 0 ? n : null;
}
