// Column types, client-side sorting and copying of result values (all as the server's text).
import type { ColumnInfo } from "../bindings/ColumnInfo";

export type Cell = string | null;
export type Row = Cell[];

// int8, int2, int4, oid, float4, float8, money, numeric, xid8-ish counters
const NUMERIC_OIDS = new Set([20, 21, 23, 26, 700, 701, 790, 1700]);
const NUMERIC_NAME = /^(smallint|integer|bigint|int[248]?|oid|real|double precision|float[48]?|numeric|decimal)(\(.*\))?$/i;
const BOOL_OIDS = new Set([16]);
const JSON_OIDS = new Set([114, 3802]);

export function isNumericColumn(c: Pick<ColumnInfo, "type_oid" | "type_name">): boolean {
  return NUMERIC_OIDS.has(c.type_oid) || NUMERIC_NAME.test(c.type_name.trim());
}

export function isBoolColumn(c: Pick<ColumnInfo, "type_oid" | "type_name">): boolean {
  return BOOL_OIDS.has(c.type_oid) || c.type_name === "boolean";
}

export function isJsonColumn(c: Pick<ColumnInfo, "type_oid" | "type_name">): boolean {
  return JSON_OIDS.has(c.type_oid) || c.type_name === "json" || c.type_name === "jsonb";
}

const PLAIN_NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/;

/**
 * Compares two numbers written as PostgreSQL prints them, exactly (no floating-point rounding
 * for long numerics): -Infinity < numbers < Infinity < NaN, as PostgreSQL orders them.
 */
export function compareNumericText(a: string, b: string): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra !== 1) return ra - rb;
  const ma = PLAIN_NUMBER.exec(a);
  const mb = PLAIN_NUMBER.exec(b);
  if (!ma || !mb) {
    // Exponents (1e+20) and anything unusual: floating point is as good as it gets.
    const d = Number(a) - Number(b);
    return Number.isNaN(d) ? a.localeCompare(b) : Math.sign(d);
  }
  const negA = ma[1] === "-";
  const negB = mb[1] === "-";
  const intA = ma[2].replace(/^0+/, "");
  const intB = mb[2].replace(/^0+/, "");
  const fracA = (ma[3] ?? "").replace(/0+$/, "");
  const fracB = (mb[3] ?? "").replace(/0+$/, "");
  const zeroA = intA === "" && fracA === "";
  const zeroB = intB === "" && fracB === "";
  const signA = zeroA ? 0 : negA ? -1 : 1;
  const signB = zeroB ? 0 : negB ? -1 : 1;
  if (signA !== signB) return signA - signB;
  if (signA === 0) return 0;
  let mag: number;
  if (intA.length !== intB.length) mag = intA.length - intB.length;
  else if (intA !== intB) mag = intA < intB ? -1 : 1;
  else mag = fracA === fracB ? 0 : fracA < fracB ? -1 : 1;
  return Math.sign(mag) * signA;
}

function rank(s: string): number {
  const t = s.trim();
  if (t === "-Infinity") return 0;
  if (t === "Infinity") return 2;
  if (t === "NaN") return 3;
  return 1;
}

const collator = new Intl.Collator(undefined, { sensitivity: "variant" });

export interface SortSpec {
  column: number;
  dir: "asc" | "desc";
}

/**
 * The order of `rows` sorted by one column: row indices. NULLs sort last ascending and first
 * descending, as in PostgreSQL; numeric types compare as numbers; the sort is stable.
 */
export function sortedOrder(
  rows: readonly Row[],
  column: ColumnInfo,
  index: number,
  dir: "asc" | "desc",
  /** How many of the rows (from the first) to sort: all of them unless told. */
  n: number = rows.length,
): Uint32Array {
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const sign = dir === "asc" ? 1 : -1;
  if (isNumericColumn(column)) {
    // Numbers first compare as floats (fast); ties are settled exactly.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = rows[i][index];
      keys[i] = v === null ? 0 : numericKey(v);
    }
    order.sort((x, y) => {
      const a = rows[x][index];
      const b = rows[y][index];
      if (a === null || b === null) return a === b ? 0 : a === null ? sign : -sign;
      const d = keys[x] - keys[y];
      if (d !== 0 && !Number.isNaN(d)) return d * sign;
      return compareNumericText(a, b) * sign;
    });
    return Uint32Array.from(order);
  }
  const cmp: (a: string, b: string) => number = isBoolColumn(column) ? (a, b) => (a === b ? 0 : a < b ? -1 : 1) : collator.compare;
  order.sort((x, y) => {
    const a = rows[x][index];
    const b = rows[y][index];
    if (a === null || b === null) return a === b ? 0 : a === null ? sign : -sign;
    return cmp(a, b) * sign;
  });
  return Uint32Array.from(order);
}

function numericKey(v: string): number {
  const t = v.trim();
  if (t === "NaN") return Number.POSITIVE_INFINITY;
  const n = Number(t.replace(/[$,\s]/g, ""));
  return Number.isNaN(n) ? 0 : n;
}

// ---------- copying ----------

/** TSV for the clipboard: values only; values with tabs, newlines or quotes are quoted. NULL is empty. */
export function toTsv(rows: readonly Row[], header?: readonly string[]): string {
  const esc = (v: Cell) => {
    if (v === null) return "";
    return /[\t\n\r"]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const lines = rows.map((r) => r.map(esc).join("\t"));
  if (header) lines.unshift(header.map(esc).join("\t"));
  return lines.join("\n");
}

/** RFC 4180 CSV with a header; NULL is an empty field, the empty string is `""`. */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  const esc = (v: Cell) => {
    if (v === null) return "";
    if (v === "" || /[",\n\r]/.test(v) || v !== v.trim()) return `"${v.replace(/"/g, '""')}"`;
    return v;
  };
  return [columns.map(esc), ...rows.map((r) => r.map(esc))].map((r) => r.join(",")).join("\r\n");
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A JSON array of objects; numbers, booleans and json values keep their type, NULL is null. */
export function toJson(columns: readonly ColumnInfo[], rows: readonly Row[]): string {
  const kinds = columns.map((c) => (isNumericColumn(c) ? "number" : isBoolColumn(c) ? "bool" : isJsonColumn(c) ? "json" : "text"));
  const names = uniqueNames(columns.map((c) => c.name));
  const value = (v: Cell, k: string): string => {
    if (v === null) return "null";
    if (k === "number" && JSON_NUMBER.test(v)) return v;
    if (k === "bool" && (v === "t" || v === "f")) return v === "t" ? "true" : "false";
    if (k === "json") {
      try {
        JSON.parse(v);
        return v;
      } catch {
        return JSON.stringify(v);
      }
    }
    return JSON.stringify(v);
  };
  const objs = rows.map(
    (r) => `  {${names.map((n, i) => `${JSON.stringify(n)}: ${value(r[i] ?? null, kinds[i])}`).join(", ")}}`,
  );
  return objs.length === 0 ? "[]" : `[\n${objs.join(",\n")}\n]`;
}

/** Column names made unique for object keys: `id`, `id_2`, … */
export function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}

/** "1,234" */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** "0.4 ms", "12 ms", "3.21 s", "2 min 5 s" */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
