import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RowPages, rowsStatus } from "./rowPages";
import { isWrappableQuery, serverSortSql } from "./sortSql";
import type { Row } from "./values";

/** Rows are their 1-based number. */
function fetcher() {
  return vi.fn(async (offset: number, limit: number): Promise<Row[]> => Array.from({ length: limit }, (_, k) => [String(offset + k + 1)]));
}

const held = (n: number): Row[] => Array.from({ length: n }, (_, i) => [String(i + 1)]);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

async function settle() {
  await vi.advanceTimersByTimeAsync(100);
}

describe("RowPages", () => {
  it("serves the held rows at once and fetches the pages on screen once scrolling settles", async () => {
    const fetch = fetcher();
    const changed = vi.fn();
    const p = new RowPages(10_000, held(1000), fetch, changed, { pageRows: 100, maxPages: 5 });
    expect(p.row(999)).toEqual(["1000"]);
    expect(p.row(1000)).toBeNull();
    p.want(4950, 5050);
    p.want(5020, 5120);
    expect(fetch).not.toHaveBeenCalled();
    await settle();
    // Only the last range wanted, and none of the held rows.
    expect(fetch.mock.calls).toEqual([
      [5000, 100],
      [5100, 100],
    ]);
    expect(changed).toHaveBeenCalledTimes(2);
    expect(p.row(5119)).toEqual(["5120"]);
    expect(p.row(4999)).toBeNull();
  });

  it("does not fetch a page twice while it is loading or held", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const fetch = vi.fn(async (offset: number, limit: number) => {
      await gate;
      return Array.from({ length: limit }, (_, k) => [String(offset + k + 1)]);
    });
    const p = new RowPages(10_000, [], fetch, () => {}, { pageRows: 100 });
    p.want(0, 50);
    await settle();
    p.want(10, 60);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    release();
    await settle();
    p.want(0, 100);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(p.row(99)).toEqual(["100"]);
  });

  it("keeps at most maxPages pages, drops the least recently used, and fetches a dropped page again", async () => {
    const fetch = fetcher();
    const p = new RowPages(100_000, [], fetch, () => {}, { pageRows: 100, maxPages: 3 });
    for (const page of [0, 1, 2]) {
      p.want(page * 100, page * 100 + 10);
      await settle();
    }
    expect(p.cachedPages).toEqual([0, 1, 2]);
    // Page 0 seen again: page 1 is now the least recently used.
    p.want(0, 10);
    await settle();
    p.want(500, 510);
    await settle();
    expect(p.cachedPages.sort()).toEqual([0, 2, 5]);
    expect(p.row(150)).toBeNull();
    const before = fetch.mock.calls.length;
    p.want(150, 160);
    await settle();
    expect(fetch.mock.calls.length).toBe(before + 1);
    expect(fetch.mock.lastCall).toEqual([100, 100]);
    expect(p.row(150)).toEqual(["151"]);
    expect(p.cachedPages.length).toBe(3);
  });

  it("never drops the pages on screen, even past the limit", async () => {
    const p = new RowPages(100_000, [], fetcher(), () => {}, { pageRows: 100, maxPages: 2 });
    p.want(0, 450);
    await settle();
    expect(p.cachedPages.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(p.row(449)).toEqual(["450"]);
  });

  it("fetches the last page short, reports a failure and recovers", async () => {
    const fetch = fetcher();
    fetch.mockRejectedValueOnce({ code: "not_found", message: "these rows belong to an earlier run" });
    const changed = vi.fn();
    const p = new RowPages(1050, [], fetch, changed, { pageRows: 100 });
    p.want(1000, 1050);
    await settle();
    expect(p.error).toBe("these rows belong to an earlier run");
    expect(changed).toHaveBeenCalled();
    p.want(1001, 1050);
    await settle();
    expect(fetch.mock.lastCall).toEqual([1000, 50]);
    expect(p.error).toBeNull();
    expect(p.row(1049)).toEqual(["1050"]);
  });

  it("reads a range for a copy from memory and the backend, without keeping it", async () => {
    const fetch = fetcher();
    const p = new RowPages(50_000, held(100), fetch, () => {}, { pageRows: 100 });
    const rows = await p.read(50, 25_050);
    expect(rows.length).toBe(25_000);
    expect(rows[0]).toEqual(["51"]);
    expect(rows[24_999]).toEqual(["25050"]);
    expect(fetch.mock.calls).toEqual([
      [100, 10_000],
      [10_100, 10_000],
      [20_100, 4950],
    ]);
    expect(p.cachedPages).toEqual([]);
  });

  it("fetches nothing after it is disposed", async () => {
    const fetch = fetcher();
    const p = new RowPages(10_000, [], fetch, () => {});
    p.want(0, 10);
    p.dispose();
    await settle();
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe("rowsStatus", () => {
  it("says which rows are on screen out of how many", () => {
    expect(rowsStatus(120_000, 120_050, 2_000_000)).toBe("rows 120,001–120,050 of 2,000,000");
    expect(rowsStatus(0, 30, 500_000)).toBe("rows 1–30 of 500,000");
    expect(rowsStatus(499_980, 500_010, 500_000)).toBe("rows 499,981–500,000 of 500,000");
    expect(rowsStatus(0, 0, 0)).toBe("0 rows");
  });
});

describe("server sort", () => {
  it("wraps only queries, after their comments and without their semicolon", () => {
    expect(isWrappableQuery("select 1")).toBe(true);
    expect(isWrappableQuery("-- top\n/* x */ (SELECT 1) UNION (SELECT 2);")).toBe(true);
    expect(isWrappableQuery("VALUES (1), (2)")).toBe(true);
    expect(isWrappableQuery("table t")).toBe(true);
    expect(isWrappableQuery("WITH a AS (SELECT 1) SELECT * FROM a")).toBe(true);
    expect(isWrappableQuery("WITH a AS (DELETE FROM t RETURNING *) SELECT * FROM a")).toBe(false);
    expect(isWrappableQuery("INSERT INTO t SELECT 1 RETURNING *")).toBe(false);
    expect(isWrappableQuery("FETCH 100 FROM c")).toBe(false);
    expect(serverSortSql("SELECT g FROM t -- the end\n;", { column: 1, dir: "desc" })).toBe(
      "SELECT * FROM (\nSELECT g FROM t -- the end\n) AS grove_sorted ORDER BY 2 DESC",
    );
    expect(serverSortSql("select 1", { column: 0, dir: "asc" })).toBe("SELECT * FROM (\nselect 1\n) AS grove_sorted ORDER BY 1");
  });
});
