// Autocomplete from the branch's live schema: schemas, tables and views with their columns (via
// lang-sql's schema completion) and functions (a completion source of our own).
import type { Completion, CompletionContext, CompletionResult, CompletionSource } from "@codemirror/autocomplete";
import type { SQLNamespace } from "@codemirror/lang-sql";
import type { DbSchema } from "../bindings/DbSchema";
import type { FunctionInfo } from "../bindings/FunctionInfo";
import type { RelationKind } from "../bindings/RelationKind";

const KIND_LABEL: Record<RelationKind, string> = {
  table: "table",
  partitioned_table: "partitioned table",
  view: "view",
  materialized_view: "materialized view",
  foreign_table: "foreign table",
};

/** Schemas nobody types names from. */
const HIDDEN_SCHEMA = /^pg_(toast|temp_\d+|toast_temp_\d+)$/;

/** The namespace for lang-sql's `schema` option, and the schema unqualified names complete from. */
export function schemaNamespace(schema: DbSchema): { namespace: SQLNamespace; defaultSchema: string } {
  const bySchema = new Map<string, Record<string, SQLNamespace>>();
  for (const s of schema.schemas) {
    if (!HIDDEN_SCHEMA.test(s)) bySchema.set(s, {});
  }
  for (const r of schema.relations) {
    const tables = bySchema.get(r.schema);
    if (!tables) continue;
    tables[r.name] = {
      self: {
        label: r.name,
        type: r.kind === "table" || r.kind === "partitioned_table" ? "type" : "class",
        detail: KIND_LABEL[r.kind],
        boost: r.schema.startsWith("pg_") || r.schema === "information_schema" ? -5 : 5,
      },
      children: r.columns.map((c) => ({
        label: c.name,
        type: "property",
        detail: c.nullable ? c.type_name : `${c.type_name} not null`,
      })),
    };
  }
  const namespace: Record<string, SQLNamespace> = {};
  for (const [name, tables] of bySchema) {
    namespace[name] = {
      self: { label: name, type: "namespace", detail: "schema", boost: name.startsWith("pg_") ? -5 : 2 },
      children: tables,
    };
  }
  const defaultSchema = schema.search_path.find((s) => bySchema.has(s)) ?? "public";
  return { namespace, defaultSchema };
}

function functionOption(f: FunctionInfo, boost: number): Completion {
  const result = f.result ? ` → ${f.result}` : "";
  return {
    label: f.name,
    type: f.kind === "procedure" ? "method" : "function",
    detail: `(${f.arguments})${result}`.length > 80 ? `(${f.arguments.slice(0, 60)}…)${result}` : `(${f.arguments})${result}`,
    info: `${f.kind} ${f.schema}.${f.name}(${f.arguments})${result}`,
    boost,
  };
}

/** One option per name (overloads share it), per schema. */
function functionsBySchema(schema: DbSchema): Map<string, Completion[]> {
  const out = new Map<string, Map<string, Completion>>();
  for (const f of schema.functions) {
    let m = out.get(f.schema);
    if (!m) out.set(f.schema, (m = new Map()));
    if (!m.has(f.name)) m.set(f.name, functionOption(f, f.schema.startsWith("pg_") ? -10 : 1));
  }
  return new Map([...out].map(([k, v]) => [k, [...v.values()]]));
}

/**
 * Completes function names: unqualified from the search path (and pg_catalog), and after
 * `schema.` from that schema.
 */
export function functionCompletionSource(schema: DbSchema): CompletionSource {
  const bySchema = functionsBySchema(schema);
  const visible = [...new Set([...schema.search_path, "pg_catalog"])];
  const unqualified = visible.flatMap((s) => bySchema.get(s) ?? []);
  return (ctx: CompletionContext): CompletionResult | null => {
    const m = ctx.matchBefore(/(?:("?)([\w$]+)\1\.)?[\w$]*$/);
    if (!m) return null;
    const dot = m.text.lastIndexOf(".");
    const word = m.text.slice(dot + 1);
    if (!ctx.explicit && word.length === 0 && dot < 0) return null;
    const from = m.from + dot + 1;
    if (dot >= 0) {
      const qual = m.text.slice(0, dot).replace(/^"|"$/g, "");
      const options = bySchema.get(qual);
      return options ? { from, options, validFor: /^[\w$]*$/ } : null;
    }
    // Inside a string or comment, nothing.
    const before = ctx.state.sliceDoc(Math.max(0, m.from - 1), m.from);
    if (before === "'" || before === '"') return null;
    return { from, options: unqualified, validFor: /^[\w$]*$/ };
  };
}
