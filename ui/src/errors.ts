import type { ApiError } from "./bindings/ApiError";

/** True when `e` looks like the ApiError object every backend command rejects with. */
export function isApiError(e: unknown): e is ApiError {
  if (typeof e !== "object" || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o.code === "string" && typeof o.message === "string";
}

function nonEmpty(s: string | null | undefined): s is string {
  return typeof s === "string" && s.trim() !== "";
}

/**
 * Human-readable rendering of an error coming back from a command:
 * the message, then "Detail: …", "Hint: …" and "(SQLSTATE xxxxx)" on separate lines
 * when present. Plain strings, Error instances and other values are handled too.
 */
export function formatError(e: unknown): string {
  if (isApiError(e)) {
    const lines: string[] = [nonEmpty(e.message) ? e.message.trim() : e.code || "Unknown error"];
    if (nonEmpty(e.detail)) lines.push(`Detail: ${e.detail.trim()}`);
    if (nonEmpty(e.hint)) lines.push(`Hint: ${e.hint.trim()}`);
    if (nonEmpty(e.sqlstate)) lines.push(`(SQLSTATE ${e.sqlstate.trim()})`);
    return lines.join("\n");
  }
  if (typeof e === "string") return e.trim() !== "" ? e : "Unknown error";
  if (e instanceof Error) return e.message || e.name || "Unknown error";
  if (typeof e === "object" && e !== null) {
    const msg = (e as Record<string, unknown>).message;
    if (typeof msg === "string" && msg.trim() !== "") return msg;
    try {
      return JSON.stringify(e);
    } catch {
      return String(e);
    }
  }
  if (e === undefined || e === null) return "Unknown error";
  return String(e);
}
