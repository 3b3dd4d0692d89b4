import { describe, expect, it } from "vitest";
import { branch } from "../test/mockApi";
import {
  buildRows,
  comparableBranches,
  countHazards,
  countObjects,
  defaultPair,
  DEFAULT_FILTER,
  describeCounts,
  filterEntries,
  groupEntries,
  indexObjects,
  isIdentical,
  layoutMigration,
  migrationPath,
  migrationScript,
  objectLabel,
  pathProblem,
  totalCounts,
  type ChangeStatus,
  type Filter,
} from "./diffModel";
import { bigObjects, countsOf, diffOf, obj, SAMPLE_MIGRATION, SAMPLE_OBJECTS } from "./testData";

const filter = (over: Partial<Filter> = {}): Filter => ({ ...DEFAULT_FILTER, ...over });
const names = (entries: { obj: { name: string } }[]) => entries.map((e) => e.obj.name);

describe("indexing, filtering and grouping objects", () => {
  const entries = indexObjects(SAMPLE_OBJECTS);

  it("orders entries by kind (schemas first, then tables, functions, indexes), keeping the backend order within a kind", () => {
    expect(entries.map((e) => `${e.obj.kind}:${e.obj.name}`)).toEqual([
      "schema:app",
      "table:users",
      "table:orders",
      "table:legacy",
      "table:accounts",
      "function:total",
      "index:users_email_idx",
    ]);
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);
  });

  it("labels functions with their arguments and indexes with their table", () => {
    expect(objectLabel(SAMPLE_OBJECTS[5])).toEqual({ label: 'total(integer, "my type")', detail: "public" });
    expect(objectLabel(SAMPLE_OBJECTS[4])).toEqual({ label: "users_email_idx", detail: "on public.users" });
    expect(objectLabel(SAMPLE_OBJECTS[0])).toEqual({ label: "users", detail: "public" });
    expect(objectLabel(obj("schema", "app", "added"))).toEqual({ label: "app", detail: "" });
  });

  it("shows the differences by default, and unchanged objects only when asked", () => {
    expect(names(filterEntries(entries, filter()))).toEqual(["app", "users", "orders", "legacy", "total", "users_email_idx"]);
    expect(names(filterEntries(entries, filter({ showUnchanged: true })))).toContain("accounts");
  });

  it("filters by status", () => {
    const only = (s: ChangeStatus[]) => names(filterEntries(entries, filter({ statuses: new Set(s) })));
    expect(only(["added"])).toEqual(["app", "orders", "users_email_idx"]);
    expect(only(["removed"])).toEqual(["legacy"]);
    expect(only(["changed"])).toEqual(["users", "total"]);
    expect(only([])).toEqual([]);
    expect(names(filterEntries(entries, filter({ statuses: new Set(), showUnchanged: true })))).toEqual(["accounts"]);
  });

  it("searches names, schema-qualified names, tables and quoted identities, case-insensitively", () => {
    const find = (search: string) => names(filterEntries(entries, filter({ search, showUnchanged: true })));
    expect(find("USERS")).toEqual(["users", "users_email_idx"]);
    expect(find("public.users")).toEqual(["users", "users_email_idx"]);
    expect(find('"public"."orders"')).toEqual(["orders"]);
    expect(find("on public.users")).toEqual(["users_email_idx"]);
    expect(find("email users")).toEqual(["users_email_idx"]);
    expect(find("my type")).toEqual(["total"]);
    expect(find("  ")).toHaveLength(SAMPLE_OBJECTS.length);
    expect(find("nothing-like-this")).toEqual([]);
  });

  it("groups by kind with per-kind counts, and builds rows without the objects of collapsed kinds", () => {
    const groups = groupEntries(filterEntries(entries, filter({ showUnchanged: true })));
    expect(groups.map((g) => [g.kind, g.entries.length])).toEqual([
      ["schema", 1],
      ["table", 4],
      ["function", 1],
      ["index", 1],
    ]);
    expect(groups[1].counts).toEqual({ added: 1, removed: 1, changed: 1, unchanged: 1 });

    const rows = buildRows(groups, new Set());
    expect(rows).toHaveLength(4 + SAMPLE_OBJECTS.length);
    expect(rows[0]).toMatchObject({ type: "group", collapsed: false });
    const folded = buildRows(groups, new Set(["table"]));
    expect(folded.map((r) => (r.type === "group" ? `[${r.group.kind}]` : r.entry.obj.name))).toEqual([
      "[schema]",
      "app",
      "[table]",
      "[function]",
      "total",
      "[index]",
      "users_email_idx",
    ]);
    expect(folded[2]).toMatchObject({ type: "group", collapsed: true });
  });

  it("counts statuses from the objects and from the backend's per-kind counts alike", () => {
    const expected = { added: 3, removed: 1, changed: 2, unchanged: 1 };
    expect(countObjects(SAMPLE_OBJECTS)).toEqual(expected);
    expect(totalCounts(countsOf(SAMPLE_OBJECTS))).toEqual(expected);
    expect(describeCounts(expected)).toBe("3 added · 1 removed · 2 changed");
    expect(describeCounts({ added: 0, removed: 0, changed: 0, unchanged: 9 })).toBe("no differences");
  });

  it("stays fast on a 10,000-object schema", () => {
    const objects = bigObjects(10_000);
    const t0 = performance.now();
    const all = indexObjects(objects);
    const indexed = performance.now();
    const visible = filterEntries(all, filter());
    const rows = buildRows(groupEntries(visible), new Set());
    const searched = filterEntries(all, filter({ search: "sales.t_09", showUnchanged: true }));
    const t1 = performance.now();

    expect(all).toHaveLength(10_000);
    expect(visible).toHaveLength(7_500);
    expect(rows).toHaveLength(7_500 + 4);
    // t_09000 … t_09999, half of them in "sales".
    expect(searched).toHaveLength(500);
    // Generous bounds (CI machines vary); in practice both take a few milliseconds.
    expect(indexed - t0).toBeLessThan(500);
    expect(t1 - indexed).toBeLessThan(250);

    // Typing in the search box re-filters the whole list; each keystroke must stay cheap.
    const t2 = performance.now();
    for (const s of ["s", "sa", "sal", "sale", "sales", "sales.", "sales.t", "sales.t_0"]) {
      groupEntries(filterEntries(all, filter({ search: s })));
    }
    expect((performance.now() - t2) / 8).toBeLessThan(50);
  });
});

describe("the default pair of branches", () => {
  const main = branch({ name: "main" });
  const dev = branch({ name: "dev", parent: "main" });
  const feature = branch({ name: "dev/feature", parent: "dev" });
  const other = branch({ name: "other" });
  const gone = branch({ name: "gone", parent: "main", missing: true });
  const orphan = branch({ name: "orphan", parent: "gone" });

  it("compares a branch with its parent: FROM the parent TO the branch", () => {
    expect(defaultPair([main, dev, feature], "dev")).toEqual({ from: "main", to: "dev" });
    expect(defaultPair([main, dev, feature], "dev/feature")).toEqual({ from: "dev", to: "dev/feature" });
  });

  it("compares a root with its first child, else with another branch", () => {
    expect(defaultPair([main, dev, other], "main")).toEqual({ from: "main", to: "dev" });
    expect(defaultPair([other, main], "other")).toEqual({ from: "other", to: "main" });
    expect(defaultPair([main], "main")).toEqual({ from: "main", to: "main" });
  });

  it("skips missing databases", () => {
    expect(comparableBranches([main, gone, dev]).map((b) => b.name)).toEqual(["dev", "main"]);
    // Its parent's database is gone: compare with another branch instead.
    expect(defaultPair([main, gone, orphan], "orphan")).toEqual({ from: "orphan", to: "main" });
    // The selected branch itself is missing.
    expect(defaultPair([main, dev, gone], "gone")).toEqual({ from: "dev", to: "main" });
    expect(defaultPair([], "x")).toEqual({ from: "", to: "" });
  });

  it("finds the parent by name when its id is not in the list", () => {
    const renamed = { ...dev, parent_id: "unknown" };
    expect(defaultPair([main, renamed], "dev")).toEqual({ from: "main", to: "dev" });
  });
});

describe("the migration script", () => {
  it("puts hazards as -- hazard: comments above their statements, like the CLI", () => {
    expect(migrationScript(SAMPLE_MIGRATION)).toBe(
      [
        'CREATE TABLE "public"."orders" (id bigint);',
        "",
        "-- hazard: table_rewrite: rewrites users",
        "-- hazard: long_lock: holds an ACCESS EXCLUSIVE lock while it runs",
        'ALTER TABLE "public"."users"',
        '  ALTER COLUMN "id" TYPE bigint;',
        "",
        "-- hazard: data_loss: drops table legacy and its rows",
        'DROP TABLE "public"."legacy";',
        "",
      ].join("\n"),
    );
    expect(migrationScript([])).toBe("-- no differences\n");
  });

  it("knows where each statement is", () => {
    const layout = layoutMigration(SAMPLE_MIGRATION);
    expect(layout.statements.map((s) => [s.startLine, s.sqlLine, s.endLine])).toEqual([
      [1, 1, 1],
      [3, 5, 6],
      [8, 9, 9],
    ]);
    for (const s of layout.statements) {
      expect(layout.text.slice(s.sqlFrom, s.sqlTo)).toBe(s.statement.sql);
      expect(layout.text.split("\n")[s.sqlLine - 1]).toBe(s.statement.sql.split("\n")[0]);
    }
  });

  it("counts hazards by kind", () => {
    expect(countHazards(SAMPLE_MIGRATION)).toEqual({
      total: 3,
      statements: 2,
      byKind: { data_loss: 1, long_lock: 1, table_rewrite: 1, may_fail: 0 },
    });
  });

  it("tells identical schemas apart", () => {
    expect(isIdentical(diffOf([obj("table", "t", "unchanged")]))).toBe(true);
    expect(isIdentical(diffOf([]))).toBe(true);
    expect(isIdentical(diffOf([obj("table", "t", "changed")]))).toBe(false);
    expect(isIdentical(diffOf([obj("table", "t", "unchanged")], SAMPLE_MIGRATION))).toBe(false);
  });
});

describe("the save path", () => {
  it("puts a .sql named after the branches next to the suggested export", () => {
    expect(migrationPath("/home/me/Downloads/grove-result-17.csv", "main", "dev/alex")).toBe(
      "/home/me/Downloads/migration-main-to-dev-alex.sql",
    );
    expect(migrationPath("C:\\Users\\me\\Downloads\\grove-result-17.csv", "a b", "ü")).toBe(
      "C:\\Users\\me\\Downloads\\migration-a-b-to-branch.sql",
    );
    expect(migrationPath("x.csv", "a", "b")).toBe("migration-a-to-b.sql");
  });

  it("accepts full paths only", () => {
    expect(pathProblem("/tmp/m.sql")).toBeNull();
    expect(pathProblem("C:\\tmp\\m.sql")).toBeNull();
    expect(pathProblem("")).toMatch(/Enter the path/);
    expect(pathProblem("~/m.sql")).toMatch(/not expanded/);
    expect(pathProblem("m.sql")).toMatch(/full path/);
    expect(pathProblem("/tmp/")).toMatch(/folder/);
  });
});
