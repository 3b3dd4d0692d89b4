import { describe, expect, it } from "vitest";
import { lineColumn, splitStatements, statementAt } from "./splitter";

const texts = (s: string) => splitStatements(s).map((r) => s.slice(r.from, r.to));

describe("splitStatements", () => {
  it("splits on semicolons, trimming space and the semicolon", () => {
    expect(texts("select 1;  select 2 ;\n\nselect 3")).toEqual(["select 1", "select 2", "select 3"]);
    const s = "select 1;  select 2 ;";
    const [a, b] = splitStatements(s);
    expect(a).toEqual({ from: 0, to: 8, end: 9 });
    expect(b).toEqual({ from: 11, to: 19, end: 21 });
  });

  it("drops empty statements and comment-only fragments", () => {
    expect(texts(";;  ; -- nothing\n /* still nothing */ ;")).toEqual([]);
    expect(texts("")).toEqual([]);
  });

  it("keeps semicolons inside quotes, quoted identifiers and escape strings", () => {
    expect(texts(`select 'a;b', "x;y" from t; select 'it''s; fine'`)).toEqual([
      `select 'a;b', "x;y" from t`,
      `select 'it''s; fine'`,
    ]);
    expect(texts(String.raw`select E'a\';b'; select 2`)).toEqual([String.raw`select E'a\';b'`, "select 2"]);
    // A backslash is not an escape in a standard string.
    expect(texts(String.raw`select 'a\'; select 2`)).toEqual([String.raw`select 'a\'`, "select 2"]);
    expect(texts(`select U&'d\\0061t;a'; select 2`)).toEqual([`select U&'d\\0061t;a'`, "select 2"]);
  });

  it("keeps semicolons inside dollar quotes, with or without a tag", () => {
    const fn = "create function f() returns int language plpgsql as $$ begin return 1; end; $$";
    const tagged = "do $body$ begin perform 1; raise notice '$$;'; end $body$";
    expect(texts(`${fn};\n${tagged};select $1`)).toEqual([fn, tagged, "select $1"]);
    // An unterminated dollar quote runs to the end.
    expect(texts("select $x$ a; b")).toEqual(["select $x$ a; b"]);
    // Identifiers may contain $ without starting a quote.
    expect(texts("select a$b; select 2")).toEqual(["select a$b", "select 2"]);
  });

  it("ignores semicolons in comments, including nested block comments", () => {
    expect(texts("select 1 -- not; the end\n, 2; select /* a; /* b; */ c; */ 3")).toEqual([
      "select 1 -- not; the end\n, 2",
      "select /* a; /* b; */ c; */ 3",
    ]);
  });

  it("leaves leading line comments out of a statement but keeps block comments (hints)", () => {
    const s = "-- first\nselect 1;\n/*+ hint */ select 2";
    expect(texts(s)).toEqual(["select 1", "/*+ hint */ select 2"]);
  });

  it("keeps parentheses and BEGIN ATOMIC bodies together", () => {
    const rule = "create rule r as on insert to t do also (insert into u values (1); insert into v values (2))";
    const atomic =
      "CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n  SELECT x;\nEND";
    expect(texts(`${rule}; ${atomic}; select 3`)).toEqual([rule, atomic, "select 3"]);
    // An ordinary BEGIN is a statement of its own.
    expect(texts("begin; select 1; commit;")).toEqual(["begin", "select 1", "commit"]);
  });

  it("counts offsets in UTF-16 code units, like the editor", () => {
    const s = "select '😀'; select 'é'";
    const [, b] = splitStatements(s);
    expect(s.slice(b.from, b.to)).toBe("select 'é'");
    expect(b.from).toBe(13);
  });
});

describe("statementAt", () => {
  const s = "select 1;\nselect 2;\n\n\nselect 3";
  const at = (pos: number) => {
    const r = statementAt(s, pos);
    return r ? s.slice(r.from, r.to) : null;
  };

  it("finds the statement the cursor is in, or right after its semicolon", () => {
    expect(at(0)).toBe("select 1");
    expect(at(4)).toBe("select 1");
    expect(at(9)).toBe("select 1");
    expect(at(12)).toBe("select 2");
    expect(at(s.length)).toBe("select 3");
  });

  it("between statements: the previous one on its line, else the next one", () => {
    const t = "select 1;   \n\nselect 2";
    expect(statementAt(t, 11) && t.slice(statementAt(t, 11)!.from, statementAt(t, 11)!.to)).toBe("select 1");
    expect(at(20)).toBe("select 3");
    expect(at(21)).toBe("select 3");
  });

  it("past the last statement: the last one; nothing in an empty script", () => {
    const t = "select 1;\n\n-- trailing comment\n";
    const r = statementAt(t, t.length)!;
    expect(t.slice(r.from, r.to)).toBe("select 1");
    expect(statementAt("   ", 1)).toBeNull();
  });

  it("a statement spanning lines, with a dollar-quoted body", () => {
    const t = "select 0;\ndo $$\nbegin\n  perform 1;\nend $$;\nselect 9";
    const pos = t.indexOf("perform");
    const r = statementAt(t, pos)!;
    expect(t.slice(r.from, r.to)).toBe("do $$\nbegin\n  perform 1;\nend $$");
  });
});

describe("lineColumn", () => {
  it("is 1-based", () => {
    expect(lineColumn("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });
});
