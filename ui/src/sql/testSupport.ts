// Test support for the SQL editor: a mock of the backend's SQL commands and run events.
import { vi } from "vitest";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import type { DbSchema } from "../bindings/DbSchema";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportSummary } from "../bindings/ExportSummary";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import type { HistoryQuery } from "../bindings/HistoryQuery";
import type { OpProgress } from "../bindings/OpProgress";
import type { RunEvent } from "../bindings/RunEvent";
import type { RunSummary } from "../bindings/RunSummary";
import type { SavedQuery } from "../bindings/SavedQuery";
import type { SavedQueryDraft } from "../bindings/SavedQueryDraft";
import type { SqlRunEvent } from "../bindings/SqlRunEvent";
import type { SqlTabInfo } from "../bindings/SqlTabInfo";
import { makeCommands } from "../test/mockApi";

export function tabInfo(over: Partial<SqlTabInfo> = {}): SqlTabInfo {
  return { server_version: "18.1", read_only: false, tx_status: "idle", ...over };
}

export const SCHEMA: DbSchema = {
  schemas: ["public", "pg_catalog", "sales"],
  search_path: ["public"],
  relations: [
    {
      schema: "public",
      name: "users",
      kind: "table",
      columns: [
        { name: "id", type_name: "integer", nullable: false },
        { name: "email", type_name: "text", nullable: true },
      ],
    },
    { schema: "sales", name: "orders", kind: "view", columns: [{ name: "total", type_name: "numeric", nullable: true }] },
  ],
  functions: [{ schema: "public", name: "slugify", arguments: "s text", result: "text", kind: "function" }],
};

export function summary(over: Partial<RunSummary> = {}): RunSummary {
  return { statements_done: 1, statements_total: 1, rows: 0, duration_ms: 3, tx_status: "idle", error: null, ...over };
}

export function makeSqlCommands() {
  return {
    ...makeCommands(),
    sqlOpen: vi
      .fn<(tabId: string, server: string | null, branch: string) => Promise<SqlTabInfo>>()
      .mockImplementation(async () => tabInfo()),
    sqlRun: vi.fn<(tabId: string, runId: string, script: string) => Promise<RunSummary>>().mockResolvedValue(summary()),
    sqlFetchRows: vi
      .fn<(tabId: string, runId: string, index: number, offset: number, limit: number) => Promise<(string | null)[][]>>()
      .mockImplementation(async (_t, _r, _i, offset, limit) => Array.from({ length: limit }, (_, k) => [String(offset + k + 1)])),
    sqlCancel: vi.fn<(tabId: string) => Promise<null>>().mockResolvedValue(null),
    sqlUnlock: vi.fn<(tabId: string) => Promise<SqlTabInfo>>().mockResolvedValue(tabInfo()),
    sqlClose: vi.fn<(tabId: string) => Promise<null>>().mockResolvedValue(null),
    sqlSchema: vi.fn<(server: string | null, branch: string) => Promise<DbSchema>>().mockResolvedValue(SCHEMA),
    sqlHistory: vi.fn<(query: HistoryQuery) => Promise<HistoryEntry[]>>().mockResolvedValue([]),
    sqlClearHistory: vi.fn<(serverId: string | null) => Promise<null>>().mockResolvedValue(null),
    listSavedQueries: vi.fn<(search: string | null) => Promise<SavedQuery[]>>().mockResolvedValue([]),
    saveQuery: vi.fn<(id: number | null, draft: SavedQueryDraft) => Promise<SavedQuery>>(),
    deleteSavedQuery: vi.fn<(id: number) => Promise<null>>().mockResolvedValue(null),
    sqlExport:
      vi.fn<(server: string | null, branch: string, sql: string, format: ExportFormat, path: string, opId: string) => Promise<ExportSummary>>(),
    defaultExportPath: vi
      .fn<(format: ExportFormat) => Promise<string>>()
      .mockImplementation(async (f) => `/home/me/Downloads/grove-result-1.${f}`),
    saveTextFile: vi.fn<(path: string, contents: string) => Promise<null>>().mockResolvedValue(null),
    diffBranches: vi.fn(),
  };
}

export type SqlCommands = ReturnType<typeof makeSqlCommands>;

/** Listeners the code under test registered through the mocked ../api. */
export interface Listeners {
  run: ((e: SqlRunEvent) => void)[];
  progress: ((p: OpProgress) => void)[];
}

export function col(name: string, type_name = "text", type_oid = 25): ColumnInfo {
  return { name, type_name, type_oid, table_oid: null, column_attnum: null };
}

/** The events of a statement returning `rows` (as one page per element of `pages`). */
export function selectEvents(index: number, sql: string, offset: number, columns: ColumnInfo[], pages: (string | null)[][][]): RunEvent[] {
  const n = pages.reduce((s, p) => s + p.length, 0);
  return [
    { kind: "statement_started", index, sql_offset: offset, sql_length: [...sql].length },
    { kind: "columns", index, columns },
    ...pages.map((rows): RunEvent => ({ kind: "rows", index, rows })),
    { kind: "statement_done", index, tag: `SELECT ${n}`, rows_affected: n, duration_ms: 1.5, rows_stored: n, truncated: false },
  ];
}

export function finished(over: Partial<Extract<RunEvent, { kind: "finished" }>> = {}): RunEvent {
  return { kind: "finished", tx_status: "idle", read_only: false, duration_ms: 4, ...over };
}

/** jsdom has no layout: CodeMirror measures text ranges, which need these. */
export function installRangeRects(): () => void {
  const saved = {
    getClientRects: Range.prototype.getClientRects,
    getBoundingClientRect: Range.prototype.getBoundingClientRect,
  };
  const empty = () => ({ x: 0, y: 0, width: 0, height: 0, top: 0, left: 0, right: 0, bottom: 0, toJSON: () => ({}) }) as DOMRect;
  Range.prototype.getClientRects = function () {
    const list = [] as unknown as DOMRectList;
    return Object.assign(list, { item: () => null, length: 0 });
  };
  Range.prototype.getBoundingClientRect = empty;
  return () => {
    Range.prototype.getClientRects = saved.getClientRects;
    Range.prototype.getBoundingClientRect = saved.getBoundingClientRect;
  };
}

export const ANALYZED_PLAN = JSON.stringify([
  {
    Plan: {
      "Node Type": "Hash Join",
      "Join Type": "Inner",
      "Startup Cost": 10,
      "Total Cost": 100,
      "Plan Rows": 50,
      "Plan Width": 8,
      "Actual Startup Time": 1,
      "Actual Total Time": 10,
      "Actual Rows": 500,
      "Actual Loops": 1,
      Plans: [
        {
          "Node Type": "Seq Scan",
          "Relation Name": "orders",
          Alias: "o",
          "Startup Cost": 0,
          "Total Cost": 80,
          "Plan Rows": 1000,
          "Plan Width": 8,
          "Actual Startup Time": 0.01,
          "Actual Total Time": 7,
          "Actual Rows": 1000,
          "Actual Loops": 1,
        },
        {
          "Node Type": "Hash",
          "Startup Cost": 5,
          "Total Cost": 5,
          "Plan Rows": 10,
          "Plan Width": 4,
          "Actual Startup Time": 0.5,
          "Actual Total Time": 0.5,
          "Actual Rows": 10,
          "Actual Loops": 1,
          Plans: [
            {
              "Node Type": "Index Scan",
              "Relation Name": "users",
              Alias: "u",
              "Index Name": "users_pkey",
              "Startup Cost": 0,
              "Total Cost": 4,
              "Plan Rows": 10,
              "Plan Width": 4,
              "Actual Startup Time": 0.1,
              "Actual Total Time": 0.4,
              "Actual Rows": 10,
              "Actual Loops": 1,
            },
          ],
        },
      ],
    },
    "Planning Time": 0.2,
    "Execution Time": 10,
  },
]);

