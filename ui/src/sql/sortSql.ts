// Sorting a result larger than what the grid holds: a query runs again on the server, wrapped
// in an ORDER BY; anything else (an INSERT … RETURNING, a FETCH) can only have its held rows
// sorted.
import type { SortSpec } from "./values";

/** The statement without leading comments and whitespace, or a trailing `;`. */
function strip(sql: string): string {
  let s = sql;
  for (;;) {
    const t = s.replace(/^\s+/, "");
    if (t.startsWith("--")) {
      const nl = t.indexOf("\n");
      s = nl < 0 ? "" : t.slice(nl + 1);
    } else if (t.startsWith("/*")) {
      const end = t.indexOf("*/");
      s = end < 0 ? "" : t.slice(end + 2);
    } else {
      s = t;
      break;
    }
  }
  return s.replace(/[\s;]+$/, "");
}

/**
 * Whether the statement is a query that can be wrapped as a subquery: SELECT, VALUES, TABLE,
 * or WITH … SELECT (a WITH holding INSERT/UPDATE/DELETE/MERGE may not be nested).
 */
export function isWrappableQuery(sql: string): boolean {
  const s = strip(sql).replace(/^\(+\s*/, "");
  const first = /^[A-Za-z]+/.exec(s)?.[0].toUpperCase();
  // (SELECT … INTO returns no rows, so it never comes here.)
  if (first === "SELECT" || first === "VALUES" || first === "TABLE") return true;
  if (first === "WITH") return !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(s);
  return false;
}

/** The query run again sorted on the server by column `sort.column` (0-based). */
export function serverSortSql(sql: string, sort: SortSpec): string {
  // New lines keep a trailing `-- comment` from swallowing the closing parenthesis.
  return `SELECT * FROM (\n${strip(sql)}\n) AS grove_sorted ORDER BY ${sort.column + 1}${sort.dir === "desc" ? " DESC" : ""}`;
}
