// EXPLAIN (FORMAT JSON) plans: the statement to send, and the plan as a tree with each node's
// own share of the cost (or, when analyzed, of the time) so the costly ones stand out.

export type PlanProps = Record<string, unknown>;

export interface PlanNode {
  /** Path in the tree, "0", "0.1", … */
  id: string;
  type: string;
  /** "on users u", "using users_pkey on users" */
  target: string | null;
  /** Extra words after the type: "Inner", "Hashed", "Parallel" … */
  qualifier: string | null;
  startupCost: number | null;
  totalCost: number | null;
  planRows: number | null;
  planWidth: number | null;
  /** Per loop, as EXPLAIN prints them; null when not analyzed (or never executed). */
  actualStartup: number | null;
  actualTotal: number | null;
  actualRows: number | null;
  loops: number | null;
  neverExecuted: boolean;
  /** Cost (or time, when analyzed) spent in this node itself, without its children. */
  exclusive: number;
  /** `exclusive` over the whole plan's, 0…1. */
  share: number;
  /** Actual rows over estimated rows (or the reverse), when at least 10× off. */
  misestimate: number | null;
  /** All of the node's properties except its children. */
  props: PlanProps;
  children: PlanNode[];
}

export interface ParsedPlan {
  root: PlanNode;
  analyzed: boolean;
  planningTime: number | null;
  executionTime: number | null;
  /** What `share` is relative to: total cost, or total time in ms. */
  total: number;
  /** Top-level properties other than the plan (Triggers, JIT, Settings …). */
  extra: PlanProps;
}

export type CostLevel = "high" | "medium" | null;

/** More than 30% of the plan's cost (or time) is high, more than 10% medium. */
export function costLevel(share: number): CostLevel {
  if (share > 0.3) return "high";
  if (share > 0.1) return "medium";
  return null;
}

/** The EXPLAIN prefix for a statement. */
export function explainPrefix(analyze: boolean): string {
  return analyze ? "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " : "EXPLAIN (FORMAT JSON) ";
}

const WRITES = /^\s*(?:with\b[\s\S]*\b)?(insert|update|delete|merge)\b/i;
const FIRST_WORD = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/;

/** Whether EXPLAIN ANALYZE of `sql` would change data (it runs the statement). */
export function explainAnalyzeWrites(sql: string): boolean {
  const first = FIRST_WORD.exec(sql)?.[1]?.toLowerCase();
  if (first === "insert" || first === "update" || first === "delete" || first === "merge") return true;
  if (first === "with") return WRITES.test(sql.replace(/'(?:[^']|'')*'/g, "''"));
  return false;
}

/** The statement's first keyword, lower-cased ("select", "with", …), or "". */
export function firstKeyword(sql: string): string {
  return FIRST_WORD.exec(sql.replace(/^\s*(?:--[^\n]*\n\s*)*/, ""))?.[1]?.toLowerCase() ?? "";
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Parses EXPLAIN (FORMAT JSON) output (the text of its single value); null when it is not a plan. */
export function parsePlan(text: string): ParsedPlan | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const top = Array.isArray(json) ? json[0] : json;
  if (!top || typeof top !== "object") return null;
  const { Plan: plan, ...extraAll } = top as Record<string, unknown>;
  if (!plan || typeof plan !== "object") return null;
  const analyzed = "Actual Total Time" in (plan as PlanProps) || "Actual Loops" in (plan as PlanProps);
  const planningTime = num(extraAll["Planning Time"]);
  const executionTime = num(extraAll["Execution Time"]);
  const { ["Planning Time"]: _p, ["Execution Time"]: _e, ...extra } = extraAll;

  const root = build(plan as PlanProps, "0", analyzed);
  const rootInclusive = inclusive(root, analyzed);
  const total = analyzed ? Math.max(rootInclusive, executionTime ?? 0) : rootInclusive;
  const assign = (n: PlanNode) => {
    n.share = total > 0 ? Math.min(1, n.exclusive / total) : 0;
    n.children.forEach(assign);
  };
  assign(root);
  return { root, analyzed, planningTime, executionTime, total, extra };
}

/** A node's cost (total cost) or time (total time × loops) including its children. */
function inclusive(n: PlanNode, analyzed: boolean): number {
  if (analyzed) return (n.actualTotal ?? 0) * (n.loops ?? 1);
  return n.totalCost ?? 0;
}

function build(p: PlanProps, id: string, analyzed: boolean): PlanNode {
  const { Plans: plans, ...props } = p;
  const children = Array.isArray(plans) ? plans.map((c, i) => build(c as PlanProps, `${id}.${i}`, analyzed)) : [];
  const loops = num(p["Actual Loops"]);
  const node: PlanNode = {
    id,
    type: typeof p["Node Type"] === "string" ? (p["Node Type"] as string) : "Node",
    target: describeTarget(p),
    qualifier: describeQualifier(p),
    startupCost: num(p["Startup Cost"]),
    totalCost: num(p["Total Cost"]),
    planRows: num(p["Plan Rows"]),
    planWidth: num(p["Plan Width"]),
    actualStartup: num(p["Actual Startup Time"]),
    actualTotal: num(p["Actual Total Time"]),
    actualRows: num(p["Actual Rows"]),
    loops,
    neverExecuted: analyzed && loops === 0,
    exclusive: 0,
    share: 0,
    misestimate: null,
    props,
    children,
  };
  // Init plans and sub plans run on their own; everything else is part of this node's time.
  const own = inclusive(node, analyzed);
  const childSum = children.reduce((s, c) => s + inclusive(c, analyzed), 0);
  node.exclusive = Math.max(0, own - childSum);
  if (analyzed && node.actualRows !== null && node.planRows !== null && !node.neverExecuted) {
    const est = Math.max(1, node.planRows);
    const act = Math.max(1, node.actualRows);
    const ratio = act > est ? act / est : est / act;
    if (ratio >= 10) node.misestimate = act > est ? ratio : -ratio;
  }
  return node;
}

function describeTarget(p: PlanProps): string | null {
  const s = (k: string) => (typeof p[k] === "string" ? (p[k] as string) : null);
  const rel = s("Relation Name");
  const schema = s("Schema");
  const alias = s("Alias");
  const index = s("Index Name");
  const parts: string[] = [];
  if (index) parts.push(`using ${index}`);
  if (rel) {
    const name = schema && schema !== "public" ? `${schema}.${rel}` : rel;
    parts.push(`on ${name}${alias && alias !== rel ? ` ${alias}` : ""}`);
  } else if (s("CTE Name")) parts.push(`on ${s("CTE Name")}${alias && alias !== s("CTE Name") ? ` ${alias}` : ""}`);
  else if (s("Function Name")) parts.push(`on ${s("Function Name")}${alias ? ` ${alias}` : ""}`);
  else if (s("Subplan Name")) parts.push(s("Subplan Name") as string);
  return parts.length ? parts.join(" ") : null;
}

function describeQualifier(p: PlanProps): string | null {
  const out: string[] = [];
  if (typeof p["Join Type"] === "string" && p["Join Type"] !== "Inner") out.push(p["Join Type"] as string);
  if (typeof p["Strategy"] === "string" && p["Strategy"] !== "Plain") out.push(p["Strategy"] as string);
  if (typeof p["Scan Direction"] === "string" && p["Scan Direction"] === "Backward") out.push("Backward");
  if (p["Parallel Aware"] === true) out.push("Parallel");
  if (typeof p["Parent Relationship"] === "string" && /InitPlan|SubPlan/.test(p["Parent Relationship"] as string)) {
    out.push(p["Parent Relationship"] as string);
  }
  return out.length ? out.join(", ") : null;
}

/** Every node, depth first. */
export function flattenPlan(root: PlanNode): PlanNode[] {
  const out: PlanNode[] = [];
  const walk = (n: PlanNode) => {
    out.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** A property value for the details table. */
export function formatPlanValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v;
  if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v.join(", ");
  return JSON.stringify(v);
}
