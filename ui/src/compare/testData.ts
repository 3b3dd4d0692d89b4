// Fixtures for the Compare view's tests.
import type { DiffStatus } from "../bindings/DiffStatus";
import type { KindCount } from "../bindings/KindCount";
import type { MigrationStatement } from "../bindings/MigrationStatement";
import type { ObjectDiff } from "../bindings/ObjectDiff";
import type { ObjectKind } from "../bindings/ObjectKind";
import type { SchemaDiff } from "../bindings/SchemaDiff";

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** An object; identity and DDL follow from kind, schema, name and status unless given. */
export function obj(
  kind: ObjectKind,
  name: string,
  status: DiffStatus,
  over: Partial<ObjectDiff> = {},
): ObjectDiff {
  const schema = over.schema ?? (kind === "schema" || kind === "extension" ? "" : "public");
  const identity = over.identity ?? (schema ? `${q(schema)}.${q(name)}` : q(name));
  const ddl = (side: string) => `CREATE ${kind.toUpperCase()} ${identity} (${side});`;
  return {
    kind,
    schema,
    name,
    identity,
    status,
    from_ddl: status === "added" ? null : ddl(status === "changed" ? "id integer" : "id bigint"),
    to_ddl: status === "removed" ? null : ddl("id bigint"),
    ...over,
  };
}

/** Per-kind counts of a list of objects, as the backend computes them. */
export function countsOf(objects: readonly ObjectDiff[]): KindCount[] {
  const m = new Map<ObjectKind, KindCount>();
  for (const o of objects) {
    const c = m.get(o.kind) ?? { kind: o.kind, added: 0, removed: 0, changed: 0, unchanged: 0 };
    c[o.status] += 1;
    m.set(o.kind, c);
  }
  return [...m.values()];
}

export function diffOf(objects: ObjectDiff[], migration: MigrationStatement[] = []): SchemaDiff {
  return { objects, counts: countsOf(objects), migration };
}

export const SAMPLE_MIGRATION: MigrationStatement[] = [
  { sql: 'CREATE TABLE "public"."orders" (id bigint);', hazards: [] },
  {
    sql: 'ALTER TABLE "public"."users"\n  ALTER COLUMN "id" TYPE bigint;',
    hazards: [
      { kind: "table_rewrite", message: "rewrites users" },
      { kind: "long_lock", message: "holds an ACCESS EXCLUSIVE lock\nwhile it runs" },
    ],
  },
  { sql: 'DROP TABLE "public"."legacy";', hazards: [{ kind: "data_loss", message: "drops table legacy and its rows" }] },
];

export const SAMPLE_OBJECTS: ObjectDiff[] = [
  obj("table", "users", "changed"),
  obj("table", "orders", "added"),
  obj("table", "legacy", "removed"),
  obj("table", "accounts", "unchanged"),
  obj("index", "users_email_idx", "added", { identity: '"public"."users_email_idx" ON "public"."users"' }),
  obj("function", "total", "changed", { identity: '"public"."total"(integer, "my type")' }),
  obj("schema", "app", "added"),
];

export const SAMPLE_DIFF = diffOf(SAMPLE_OBJECTS, SAMPLE_MIGRATION);

/** n objects of four kinds, a quarter of each status, half in "public" and half in "sales". */
export function bigObjects(n: number): ObjectDiff[] {
  const statuses: DiffStatus[] = ["added", "removed", "changed", "unchanged"];
  const kinds: ObjectKind[] = ["table", "index", "view", "function"];
  return Array.from({ length: n }, (_, i) =>
    obj(kinds[(i >> 2) % kinds.length], `t_${String(i).padStart(5, "0")}`, statuses[i % statuses.length], {
      schema: i % 2 === 0 ? "public" : "sales",
    }),
  );
}
