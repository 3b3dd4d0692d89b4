import { describe, expect, it } from "vitest";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import { compareNumericText, formatDuration, isNumericColumn, sortedOrder, toCsv, toJson, toTsv, type Row } from "./values";

const col = (name: string, type_name: string, type_oid: number): ColumnInfo => ({
  name,
  type_name,
  type_oid,
  table_oid: null,
  column_attnum: null,
});

describe("numeric comparison", () => {
  it("orders numbers as numbers, exactly", () => {
    expect(compareNumericText("9", "10")).toBeLessThan(0);
    expect(compareNumericText("-10", "-9")).toBeLessThan(0);
    expect(compareNumericText("0.10", "0.1")).toBe(0);
    expect(compareNumericText("-0", "0")).toBe(0);
    expect(compareNumericText("12345678901234567890.5", "12345678901234567890.4")).toBeGreaterThan(0);
    expect(compareNumericText("NaN", "Infinity")).toBeGreaterThan(0);
    expect(compareNumericText("-Infinity", "-1e300")).toBeLessThan(0);
    expect(compareNumericText("1e3", "999")).toBeGreaterThan(0);
  });

  it("recognises numeric column types", () => {
    expect(isNumericColumn(col("a", "integer", 23))).toBe(true);
    expect(isNumericColumn(col("a", "numeric(10,2)", 1700))).toBe(true);
    expect(isNumericColumn(col("a", "text", 25))).toBe(false);
  });
});

describe("sortedOrder", () => {
  const rows: Row[] = [["10", "b"], ["9", "a"], [null, "c"], ["100", "B"], ["-1", null]];

  it("sorts numeric columns numerically, NULLs last ascending and first descending", () => {
    const c = col("n", "integer", 23);
    expect(Array.from(sortedOrder(rows, c, 0, "asc"))).toEqual([4, 1, 0, 3, 2]);
    expect(Array.from(sortedOrder(rows, c, 0, "desc"))).toEqual([2, 3, 0, 1, 4]);
  });

  it("sorts text as text (not by code point alone)", () => {
    const t = col("s", "text", 25);
    const order = Array.from(sortedOrder(rows, t, 1, "asc")).map((i) => rows[i][1]);
    expect(order.slice(0, 3)).toEqual(["a", "b", "B"]);
    expect(order[4]).toBeNull();
    // As text, "10" comes before "9".
    const asText = Array.from(sortedOrder([["10"], ["9"]], col("s", "text", 25), 0, "asc"));
    expect(asText).toEqual([0, 1]);
    const asNumber = Array.from(sortedOrder([["10"], ["9"]], col("s", "bigint", 20), 0, "asc"));
    expect(asNumber).toEqual([1, 0]);
  });
});

describe("copy formats", () => {
  const cols = [col("id", "integer", 23), col("name", "text", 25), col("ok", "boolean", 16), col("doc", "jsonb", 3802)];
  const rows: Row[] = [
    ["1", "a\tb", "t", '{"x": 1}'],
    ["2", null, "f", null],
  ];

  it("TSV: values only, NULL empty, awkward values quoted", () => {
    expect(toTsv(rows)).toBe('1\t"a\tb"\tt\t"{""x"": 1}"\n2\t\tf\t');
    expect(toTsv([["x"]], ["h"])).toBe("h\nx");
  });

  it("CSV: a header, NULL empty and the empty string quoted", () => {
    expect(toCsv(["a", "b"], [["1", null], ["", 'q"uote']])).toBe('a,b\r\n1,\r\n"","q""uote"');
  });

  it("JSON: numbers, booleans and json keep their type", () => {
    expect(JSON.parse(toJson(cols, rows))).toEqual([
      { id: 1, name: "a\tb", ok: true, doc: { x: 1 } },
      { id: 2, name: null, ok: false, doc: null },
    ]);
  });

  it("durations", () => {
    expect(formatDuration(0.42)).toBe("0.42 ms");
    expect(formatDuration(12.4)).toBe("12 ms");
    expect(formatDuration(3210)).toBe("3.21 s");
  });
});
