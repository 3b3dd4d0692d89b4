// Pure helpers of the Compare view: the default pair of branches, grouping, filtering and
// searching the compared objects, and the migration script with its hazards.
import type { Branch } from "../bindings/Branch";
import type { DiffStatus } from "../bindings/DiffStatus";
import type { HazardKind } from "../bindings/HazardKind";
import type { KindCount } from "../bindings/KindCount";
import type { MigrationStatement } from "../bindings/MigrationStatement";
import type { ObjectDiff } from "../bindings/ObjectDiff";
import type { ObjectKind } from "../bindings/ObjectKind";
import type { SchemaDiff } from "../bindings/SchemaDiff";

// ----- kinds and statuses -----

/** The order kinds are listed in (the order the backend reports and migrates them). */
export const KIND_ORDER: readonly ObjectKind[] = [
  "schema",
  "extension",
  "collation",
  "enum",
  "domain",
  "composite_type",
  "range_type",
  "sequence",
  "table",
  "view",
  "materialized_view",
  "function",
  "procedure",
  "constraint",
  "index",
  "trigger",
  "policy",
];

const KIND_RANK = new Map<ObjectKind, number>(KIND_ORDER.map((k, i) => [k, i]));

export const KIND_LABEL: Record<ObjectKind, { one: string; many: string }> = {
  schema: { one: "Schema", many: "Schemas" },
  extension: { one: "Extension", many: "Extensions" },
  collation: { one: "Collation", many: "Collations" },
  enum: { one: "Enum", many: "Enums" },
  domain: { one: "Domain", many: "Domains" },
  composite_type: { one: "Composite type", many: "Composite types" },
  range_type: { one: "Range type", many: "Range types" },
  sequence: { one: "Sequence", many: "Sequences" },
  table: { one: "Table", many: "Tables" },
  view: { one: "View", many: "Views" },
  materialized_view: { one: "Materialized view", many: "Materialized views" },
  function: { one: "Function", many: "Functions" },
  procedure: { one: "Procedure", many: "Procedures" },
  constraint: { one: "Constraint", many: "Constraints" },
  index: { one: "Index", many: "Indexes" },
  trigger: { one: "Trigger", many: "Triggers" },
  policy: { one: "Policy", many: "Policies" },
};

/** The statuses that are differences (the status filter's toggles). */
export type ChangeStatus = Exclude<DiffStatus, "unchanged">;
export const CHANGE_STATUSES: readonly ChangeStatus[] = ["added", "removed", "changed"];

export const STATUS_LABEL: Record<DiffStatus, string> = {
  added: "Added",
  removed: "Removed",
  changed: "Changed",
  unchanged: "Unchanged",
};

/** One-character marks, like a diff: + added, − removed, ~ changed, = unchanged. */
export const STATUS_MARK: Record<DiffStatus, string> = {
  added: "+",
  removed: "−",
  changed: "~",
  unchanged: "=",
};

export interface StatusCounts {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export const zeroCounts = (): StatusCounts => ({ added: 0, removed: 0, changed: 0, unchanged: 0 });

export const differing = (c: StatusCounts) => c.added + c.removed + c.changed;

/** Totals over the backend's per-kind counts. */
export function totalCounts(counts: readonly KindCount[]): StatusCounts {
  const t = zeroCounts();
  for (const c of counts) {
    t.added += c.added;
    t.removed += c.removed;
    t.changed += c.changed;
    t.unchanged += c.unchanged;
  }
  return t;
}

/** Counts of the objects' statuses. */
export function countObjects(objects: readonly { status: DiffStatus }[]): StatusCounts {
  const t = zeroCounts();
  for (const o of objects) t[o.status] += 1;
  return t;
}

/** True when nothing differs: every object unchanged and no statement to run. */
export function isIdentical(diff: SchemaDiff): boolean {
  return diff.migration.length === 0 && diff.objects.every((o) => o.status === "unchanged");
}

/** "3 added · 1 removed · 2 changed" (zero counts left out), or "no differences". */
export function describeCounts(c: StatusCounts): string {
  const parts = CHANGE_STATUSES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return parts.length > 0 ? parts.join(" · ") : "no differences";
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

// ----- objects: labels, search keys, filtering, grouping -----

/** An object with what the list needs precomputed once per comparison. */
export interface Entry {
  obj: ObjectDiff;
  /** Unique within a comparison: kind and identity. */
  key: string;
  /** Lower-cased text, without double quotes, the search box matches against. */
  search: string;
  /** The name shown (with the arguments of functions and procedures). */
  label: string;
  /** Where it lives: its schema, or the table of a constraint, index, trigger or policy. */
  detail: string;
}

export const objectKey = (o: Pick<ObjectDiff, "kind" | "identity">) => `${o.kind}:${o.identity}`;

/** The index of the first `(` outside double quotes, or -1. */
function argsStart(identity: string): number {
  let quoted = false;
  for (let i = 0; i < identity.length; i++) {
    const ch = identity[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === "(" && !quoted) return i;
  }
  return -1;
}

/** `"public"."users"` → `public.users` (quotes kept only where an identifier needs them). */
export function unquoteIdentity(s: string): string {
  return s.replace(/"((?:[^"]|"")*)"/g, (whole, inner: string) =>
    /^[a-z_][a-z0-9_$]*$/.test(inner) ? inner : whole,
  );
}

/** What a list row shows for an object: its name and where it lives. */
export function objectLabel(o: ObjectDiff): { label: string; detail: string } {
  let label = o.name;
  if (o.kind === "function" || o.kind === "procedure") {
    const i = argsStart(o.identity);
    if (i >= 0 && o.identity.endsWith(")")) label = `${o.name}${unquoteIdentity(o.identity.slice(i))}`;
  }
  const on = o.identity.lastIndexOf(" ON ");
  const detail = on >= 0 ? `on ${unquoteIdentity(o.identity.slice(on + 4))}` : o.schema;
  return { label, detail };
}

/** Precomputes labels and search keys; entries come out grouped in kind order (stable). */
export function indexObjects(objects: readonly ObjectDiff[]): Entry[] {
  const entries = objects.map((obj, i) => {
    const { label, detail } = objectLabel(obj);
    const qualified = obj.schema ? `${obj.schema}.${obj.name}` : obj.name;
    return {
      i,
      entry: {
        obj,
        key: objectKey(obj),
        search: `${qualified}\n${label}\n${detail}\n${obj.identity}`.toLowerCase().replace(/"/g, ""),
        label,
        detail,
      },
    };
  });
  entries.sort((a, b) => (KIND_RANK.get(a.entry.obj.kind) ?? 99) - (KIND_RANK.get(b.entry.obj.kind) ?? 99) || a.i - b.i);
  return entries.map((e) => e.entry);
}

export interface Filter {
  /** The differences shown. */
  statuses: ReadonlySet<ChangeStatus>;
  /** Also list unchanged objects. */
  showUnchanged: boolean;
  /** Words that must all occur in the object's name, schema or identity (case-insensitive). */
  search: string;
}

export const DEFAULT_FILTER: Filter = { statuses: new Set(CHANGE_STATUSES), showUnchanged: false, search: "" };

/** Splits a search into lower-cased words; quotes are ignored so `"public"."t"` and `public.t` both work. */
export function searchTerms(search: string): string[] {
  return search
    .toLowerCase()
    .replace(/"/g, "")
    .split(/\s+/)
    .filter((w) => w !== "");
}

export function filterEntries(entries: readonly Entry[], filter: Filter): Entry[] {
  const terms = searchTerms(filter.search);
  return entries.filter((e) => {
    const s = e.obj.status;
    if (s === "unchanged" ? !filter.showUnchanged : !filter.statuses.has(s)) return false;
    if (terms.length === 0) return true;
    return terms.every((t) => e.search.includes(t));
  });
}

export interface Group {
  kind: ObjectKind;
  entries: Entry[];
  counts: StatusCounts;
}

/** Groups entries by kind, in KIND_ORDER; kinds without entries are left out. */
export function groupEntries(entries: readonly Entry[]): Group[] {
  const byKind = new Map<ObjectKind, Group>();
  for (const e of entries) {
    let g = byKind.get(e.obj.kind);
    if (!g) {
      g = { kind: e.obj.kind, entries: [], counts: zeroCounts() };
      byKind.set(e.obj.kind, g);
    }
    g.entries.push(e);
    g.counts[e.obj.status] += 1;
  }
  return [...byKind.values()].sort((a, b) => (KIND_RANK.get(a.kind) ?? 99) - (KIND_RANK.get(b.kind) ?? 99));
}

/** A row of the (virtualised) list: a kind's header, or an object. */
export type Row = { type: "group"; group: Group; collapsed: boolean } | { type: "object"; entry: Entry };

/** Flattens groups into rows; the objects of collapsed kinds are left out. */
export function buildRows(groups: readonly Group[], collapsed: ReadonlySet<ObjectKind>): Row[] {
  const rows: Row[] = [];
  for (const group of groups) {
    const isCollapsed = collapsed.has(group.kind);
    rows.push({ type: "group", group, collapsed: isCollapsed });
    if (!isCollapsed) for (const entry of group.entries) rows.push({ type: "object", entry });
  }
  return rows;
}

// ----- the pair of branches -----

/** The branches that can be compared (their database exists), by name. */
export function comparableBranches(branches: readonly Branch[]): Branch[] {
  return branches.filter((b) => !b.missing).sort((a, b) => a.name.localeCompare(b.name));
}

/** The selected branch's parent when it can be compared, else null. */
export function comparableParent(branches: readonly Branch[], branch: string): Branch | null {
  const b = branches.find((x) => x.name === branch);
  if (!b || b.missing) return null;
  const parent =
    (b.parent_id !== null ? branches.find((x) => x.id === b.parent_id) : undefined) ??
    (b.parent !== null ? branches.find((x) => x.name === b.parent) : undefined);
  return parent && !parent.missing ? parent : null;
}

/**
 * The pair first offered: FROM the selected branch's parent TO the branch (what the branch
 * changed). A branch without a comparable parent (a root) is compared with its first child
 * (what that child changed), else with any other branch. Empty strings when nothing fits.
 */
export function defaultPair(branches: readonly Branch[], branch: string): { from: string; to: string } {
  const usable = comparableBranches(branches);
  const self = usable.find((b) => b.name === branch);
  if (!self) {
    // The selected branch cannot be compared (missing): offer the first two others.
    return { from: usable[0]?.name ?? "", to: usable[1]?.name ?? usable[0]?.name ?? "" };
  }
  const parent = comparableParent(branches, branch);
  if (parent) return { from: parent.name, to: self.name };
  const child = usable.find((b) => b.parent_id === self.id) ?? usable.find((b) => b.name !== self.name);
  return child ? { from: self.name, to: child.name } : { from: self.name, to: self.name };
}

// ----- the migration -----

export const HAZARD_ORDER: readonly HazardKind[] = ["data_loss", "table_rewrite", "long_lock", "may_fail"];

export const HAZARD_LABEL: Record<HazardKind, string> = {
  data_loss: "Data loss",
  long_lock: "Long lock",
  table_rewrite: "Table rewrite",
  may_fail: "May fail",
};

/** How bad a hazard is: data loss is red, locks and rewrites orange, the rest amber. */
export const HAZARD_SEVERITY: Record<HazardKind, "danger" | "warn" | "caution"> = {
  data_loss: "danger",
  long_lock: "warn",
  table_rewrite: "warn",
  may_fail: "caution",
};

/** A statement's place in the script (1-based lines). */
export interface StatementLayout {
  index: number;
  /** Its first line: its first hazard comment, or its SQL. */
  startLine: number;
  /** The first line of its SQL. */
  sqlLine: number;
  endLine: number;
  /** Character offsets of its SQL. */
  sqlFrom: number;
  sqlTo: number;
  statement: MigrationStatement;
}

export interface MigrationLayout {
  /** The whole script, as the CLI writes it: hazards as `-- hazard: kind: message` comments. */
  text: string;
  statements: StatementLayout[];
}

export const NO_DIFFERENCES_SQL = "-- no differences";

export const hazardComment = (kind: HazardKind, message: string) =>
  `-- hazard: ${kind}: ${message.replace(/\r?\n/g, " ")}`;

/** The script with its hazards as comments above their statements, and where each statement is. */
export function layoutMigration(migration: readonly MigrationStatement[]): MigrationLayout {
  if (migration.length === 0) return { text: NO_DIFFERENCES_SQL, statements: [] };
  const parts: string[] = [];
  const statements: StatementLayout[] = [];
  let line = 1;
  let offset = 0;
  migration.forEach((statement, index) => {
    const startLine = line;
    for (const h of statement.hazards) {
      const c = hazardComment(h.kind, h.message);
      parts.push(c);
      offset += c.length + 1;
      line += 1;
    }
    const sql = statement.sql.trimEnd();
    const sqlLines = sql.split("\n").length;
    statements.push({
      index,
      startLine,
      sqlLine: line,
      endLine: line + sqlLines - 1,
      sqlFrom: offset,
      sqlTo: offset + sql.length,
      statement,
    });
    parts.push(sql);
    offset += sql.length + 1;
    line += sqlLines;
    if (index < migration.length - 1) {
      // A blank line between statements.
      parts.push("");
      offset += 1;
      line += 1;
    }
  });
  return { text: parts.join("\n"), statements };
}

/** The script Copy and Save write: the same text the CLI's `grove diff` prints, ending with a newline. */
export function migrationScript(migration: readonly MigrationStatement[]): string {
  return `${layoutMigration(migration).text}\n`;
}

export interface HazardCounts {
  total: number;
  byKind: Record<HazardKind, number>;
  /** Statements with at least one hazard. */
  statements: number;
}

export function countHazards(migration: readonly MigrationStatement[]): HazardCounts {
  const byKind: Record<HazardKind, number> = { data_loss: 0, long_lock: 0, table_rewrite: 0, may_fail: 0 };
  let total = 0;
  let statements = 0;
  for (const s of migration) {
    if (s.hazards.length > 0) statements += 1;
    for (const h of s.hazards) {
      byKind[h.kind] += 1;
      total += 1;
    }
  }
  return { total, byKind, statements };
}

// ----- saving -----

/** A file-name-safe rendering of a branch name. */
export function fileSlug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[-.]+|-+$/g, "");
  return s || "branch";
}

/**
 * A path for the migration script, in the folder of the backend's default export path (the
 * user's Downloads folder): `<dir>/migration-<from>-to-<to>.sql`.
 */
export function migrationPath(defaultExportPath: string, from: string, to: string): string {
  const cut = Math.max(defaultExportPath.lastIndexOf("/"), defaultExportPath.lastIndexOf("\\"));
  const dir = cut >= 0 ? defaultExportPath.slice(0, cut + 1) : "";
  return `${dir}migration-${fileSlug(from)}-to-${fileSlug(to)}.sql`;
}

/** Why a path typed in the save dialog cannot be used, or null. */
export function pathProblem(path: string): string | null {
  const p = path.trim();
  if (p === "") return "Enter the path of the file to write.";
  if (p.startsWith("~")) return "“~” is not expanded here: enter the full path (e.g. /home/me/Downloads/x.sql).";
  const absolute = p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith("\\\\");
  if (!absolute) return "Enter a full path, starting at the root of the disk.";
  if (/[\\/]$/.test(p)) return "That is a folder: add a file name.";
  return null;
}
