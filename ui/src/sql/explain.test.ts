import { describe, expect, it } from "vitest";
import { costLevel, explainAnalyzeWrites, flattenPlan, parsePlan } from "./explain";
import { ANALYZED_PLAN } from "./testSupport";

describe("parsePlan", () => {
  it("computes each node's own share of the time and flags the costly ones", () => {
    const plan = parsePlan(ANALYZED_PLAN)!;
    expect(plan.analyzed).toBe(true);
    expect(plan.executionTime).toBe(10);
    const [join, seq, hash, idx] = flattenPlan(plan.root);
    expect(seq.type).toBe("Seq Scan");
    expect(seq.target).toBe("on orders o");
    expect(idx.target).toBe("using users_pkey on users u");
    expect(seq.share).toBeCloseTo(0.7);
    expect(join.share).toBeCloseTo(0.25);
    expect(hash.share).toBeCloseTo(0.01);
    expect(costLevel(seq.share)).toBe("high");
    expect(costLevel(join.share)).toBe("medium");
    expect(costLevel(hash.share)).toBeNull();
    // 50 rows estimated, 500 returned: an underestimate worth flagging.
    expect(join.misestimate).toBe(10);
    expect(join.props["Join Type"]).toBe("Inner");
    expect("Plans" in join.props).toBe(false);
  });

  it("uses costs when not analyzed", () => {
    const plan = parsePlan(
      JSON.stringify([{ Plan: { "Node Type": "Sort", "Total Cost": 100, "Startup Cost": 90, "Plan Rows": 1, Plans: [{ "Node Type": "Seq Scan", "Relation Name": "t", "Total Cost": 60 }] } }]),
    )!;
    expect(plan.analyzed).toBe(false);
    const [sort, scan] = flattenPlan(plan.root);
    expect(sort.share).toBeCloseTo(0.4);
    expect(scan.share).toBeCloseTo(0.6);
  });

  it("is null for anything else", () => {
    expect(parsePlan("not json")).toBeNull();
    expect(parsePlan("[1]")).toBeNull();
  });

  it("knows which statements EXPLAIN ANALYZE would change data with", () => {
    expect(explainAnalyzeWrites("UPDATE t SET x = 1")).toBe(true);
    expect(explainAnalyzeWrites("with x as (delete from t returning *) select * from x")).toBe(true);
    expect(explainAnalyzeWrites("with x as (select 'delete') select * from x")).toBe(false);
    expect(explainAnalyzeWrites("select * from t")).toBe(false);
  });
});
