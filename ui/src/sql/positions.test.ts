import { EditorSelection, EditorState } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { charIndexToUtf16, mapErrorPosition, mapStatementRange, plainScript, wrappedScript } from "./positions";
import { buildRunRequest, targetText } from "./runRequest";

describe("error positions", () => {
  it("converts character counts to UTF-16 offsets", () => {
    expect(charIndexToUtf16("abc", 2)).toBe(2);
    expect(charIndexToUtf16("😀bc", 1)).toBe(2);
    expect(charIndexToUtf16("😀bc", 9)).toBe(4);
  });

  it("maps a position in the sent statement back into the editor by adding its offset", () => {
    const doc = "select 1;\nselect * fro t;";
    const from = doc.indexOf("select *");
    const sent = plainScript("select * fro t", from);
    // The server reports 1-based characters: "fro" starts at character 10 of the statement.
    const pos = mapErrorPosition(sent, 10)!;
    expect(doc.slice(pos, pos + 3)).toBe("fro");
    expect(mapErrorPosition(sent, null)).toBeNull();
  });

  it("counts astral characters as one, as the server does", () => {
    const doc = "select '😀', x frm t";
    const sent = plainScript(doc, 0);
    // In characters, "frm" starts at 15 (1-based); in UTF-16 at offset 15.
    const pos = mapErrorPosition(sent, 15)!;
    expect(doc.slice(pos, pos + 3)).toBe("frm");
  });

  it("skips text the editor added around the statement (EXPLAIN …)", () => {
    const doc = "-- x\nselect * frm t";
    const from = doc.indexOf("select");
    const prefix = "EXPLAIN (FORMAT JSON) ";
    const sent = wrappedScript(prefix, "select * frm t", "", from);
    const pos = mapErrorPosition(sent, prefix.length + 10)!;
    expect(doc.slice(pos, pos + 3)).toBe("frm");
    // A position inside the prefix goes to the statement's start.
    expect(mapErrorPosition(sent, 3)).toBe(from);
  });

  it("maps a statement's range", () => {
    const sent = plainScript("select 1; select 2", 100);
    expect(mapStatementRange(sent, 10, 8)).toEqual({ from: 110, to: 118 });
  });
});

const state = (doc: string, anchor: number, head = anchor) =>
  EditorState.create({ doc, selection: EditorSelection.single(anchor, head) });

describe("run requests", () => {
  const doc = "select 1;\nselect 2;\nupdate t set x = 1";

  it("Run sends the statement under the cursor, without its semicolon, at its offset", () => {
    const r = buildRunRequest(state(doc, 12), "statement", "idle")!;
    expect(r.sent.text).toBe("select 2");
    expect(r.sent.segments).toEqual([{ sentFrom: 0, length: 8, editorFrom: 10 }]);
  });

  it("Run sends the selection as is when there is one", () => {
    const r = buildRunRequest(state(doc, 0, 19), "statement", "idle")!;
    expect(r.sent.text).toBe("select 1;\nselect 2;");
    expect(targetText(doc, 3, 3, 3)).toEqual({ text: "select 1", from: 0 });
  });

  it("Run all sends the whole script", () => {
    const r = buildRunRequest(state(doc, 0), "script", "idle")!;
    expect(r.sent.text).toBe(doc);
    expect(buildRunRequest(state("  -- nothing\n", 0), "script", "idle")).toBeNull();
  });

  it("Explain prefixes the statement and reads the plan from the first result", () => {
    const r = buildRunRequest(state(doc, 3), "explain", "idle")!;
    expect(r.sent.text).toBe("EXPLAIN (FORMAT JSON) select 1");
    expect(r.planIndex).toBe(0);
  });

  it("Explain analyze of a data-changing statement runs it in a rolled-back transaction", () => {
    const r = buildRunRequest(state(doc, doc.length), "explain-analyze", "idle")!;
    expect(r.sent.text).toBe("BEGIN;\nEXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) update t set x = 1\n;\nROLLBACK;");
    expect(r.hidden).toEqual([0, 2]);
    expect(r.planIndex).toBe(1);
    expect(r.note).toMatch(/rolled back/);
    // Inside the user's own transaction, no wrapping.
    const inTx = buildRunRequest(state(doc, doc.length), "explain-analyze", "in_transaction")!;
    expect(inTx.sent.text).toBe("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) update t set x = 1");
    expect(inTx.note).toMatch(/open transaction/);
  });
});
