// Fixtures for the deploy views' tests.
import type { Conflict } from "../bindings/Conflict";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { DeployRequest } from "../bindings/DeployRequest";
import type { DryRun } from "../bindings/DryRun";
import { diffOf, obj, SAMPLE_MIGRATION } from "../compare/testData";

export function request(over: Partial<DeployRequest> = {}): DeployRequest {
  return {
    id: 3,
    child: "dev/alice",
    parent: "shop",
    author: "Grove app",
    created_at: new Date(Date.now() - 5 * 60_000).toISOString(),
    status: "open",
    last_check: null,
    script: null,
    applied_by: null,
    applied_at: null,
    steps_done: 0,
    error: null,
    revert_until: null,
    revertible: false,
    reverted_by: null,
    reverted_at: null,
    ...over,
  };
}

export const CONFLICT: Conflict = {
  kind: "uses_dropped",
  side: "child",
  object_kind: "index",
  identity: '"public"."items_price_idx"',
  uses: '"public"."items"."price"',
  message: "the child indexes price, which the parent dropped",
  base_ddl: null,
  parent_ddl: 'CREATE TABLE "public"."items" (id integer);',
  child_ddl: 'CREATE INDEX "items_price_idx" ON "public"."items" (price);',
};

export function dryRun(over: Partial<DryRun> = {}): DryRun {
  return { ok: true, copy: "template copy (schema and rows)", failed_statement: null, error: null, leftover: [], duration_ms: 420, ...over };
}

export function check(over: Partial<DeployCheck> = {}, req: Partial<DeployRequest> = {}): DeployCheck {
  return {
    request: request(req),
    two_way: false,
    conflicts: [],
    child_changes: [obj("table", "users", "changed")],
    parent_changes: [],
    result: diffOf([obj("table", "users", "changed"), obj("table", "orders", "added")], SAMPLE_MIGRATION),
    dry_run: null,
    duration_ms: 120,
    ...over,
  };
}
