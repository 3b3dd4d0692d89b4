import type { CloneMode } from "./bindings/CloneMode";
import type { ConnectionFields } from "./bindings/ConnectionFields";
import type { TestResult } from "./bindings/TestResult";

export function hostPort(f: Pick<ConnectionFields, "host" | "port">): string {
  const host = f.host.includes(":") && !f.host.startsWith("[") ? `[${f.host}]` : f.host;
  return `${host}:${f.port}`;
}

/** `user@host:port/database` */
export function connectionSummary(f: ConnectionFields): string {
  const who = f.user ? `${f.user}@` : "";
  const db = f.database ? `/${f.database}` : "";
  return `${who}${hostPort(f)}${db}`;
}

/** "Connected — PostgreSQL 16.2 (12 ms)" */
export function formatTestSuccess(r: TestResult): string {
  const version = r.server_version.trim().replace(/^PostgreSQL\s+/i, "");
  return `Connected — PostgreSQL ${version} (${Math.round(r.latency_ms)} ms)`;
}

export const CLONE_LABEL: Record<CloneMode, string> = {
  clone: "clone (copy-on-write)",
  copy: "copy",
  unknown: "unknown",
};

export const CLONE_EXPLANATION: Record<CloneMode, string> = {
  clone:
    "The data directory's filesystem supports copy-on-write file clones (reflinks). " +
    "Branches are created almost instantly and only take extra disk space for the data that changes.",
  copy:
    "The data directory's filesystem does not support copy-on-write clones, so branches are full " +
    "file copies: creating one takes time and disk space proportional to the database size.",
  unknown:
    "Copy-on-write support has not been detected yet. It is checked once the server's data directory exists.",
};

export function formatDate(s: string): string {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toLocaleString();
}
