// Pure helpers for the branch UI: the tree, name checks and human-readable sizes and times.
import type { Branch } from "./bindings/Branch";

export interface BranchNode {
  branch: Branch;
  children: BranchNode[];
  /** 0 for top-level nodes. */
  depth: number;
  /** Has a parent_id that is not in the list (shown at the top level). */
  detached: boolean;
}

const byName = (a: BranchNode, b: BranchNode) => a.branch.name.localeCompare(b.branch.name);

/**
 * Nests a flat branch list by parent_id. Branches whose parent is not in the list (or that
 * sit in a parent cycle) are shown at the top level; siblings are sorted by name.
 */
export function buildTree(branches: readonly Branch[]): BranchNode[] {
  const nodes = new Map<string, BranchNode>();
  for (const b of branches) nodes.set(b.id, { branch: b, children: [], depth: 0, detached: false });

  const roots: BranchNode[] = [];
  for (const node of nodes.values()) {
    const pid = node.branch.parent_id;
    const parent = pid !== null ? nodes.get(pid) : undefined;
    if (parent && parent !== node) {
      parent.children.push(node);
    } else {
      node.detached = pid !== null;
      roots.push(node);
    }
  }

  // Depths, sorting, and cycle breaking: anything not reached from a top-level node is in a
  // cycle; its first member found becomes a top-level node.
  const seen = new Set<string>();
  const visit = (node: BranchNode, depth: number) => {
    seen.add(node.branch.id);
    node.depth = depth;
    node.children = node.children.filter((c) => !seen.has(c.branch.id));
    node.children.sort(byName);
    for (const c of node.children) visit(c, depth + 1);
  };
  roots.sort(byName);
  for (const r of roots) visit(r, 0);
  for (const node of nodes.values()) {
    if (!seen.has(node.branch.id)) {
      // Detach it from its cyclic parent, then show it (and what hangs below it) at the top.
      for (const other of nodes.values()) other.children = other.children.filter((c) => c !== node);
      node.detached = true;
      roots.push(node);
      visit(node, 0);
    }
  }
  roots.sort(byName);
  return roots;
}

/** The nodes in display order, skipping the children of collapsed nodes. */
export function visibleNodes(roots: readonly BranchNode[], collapsed: ReadonlySet<string> = new Set()): BranchNode[] {
  const out: BranchNode[] = [];
  const walk = (list: readonly BranchNode[]) => {
    for (const n of list) {
      out.push(n);
      if (!collapsed.has(n.branch.id)) walk(n.children);
    }
  };
  walk(roots);
  return out;
}

/** Finds a node by branch id. */
export function findNode(roots: readonly BranchNode[], id: string): BranchNode | null {
  for (const n of roots) {
    if (n.branch.id === id) return n;
    const found = findNode(n.children, id);
    if (found) return found;
  }
  return null;
}

/** Every branch below `node`, depth first. */
export function descendantsOf(node: BranchNode): Branch[] {
  return node.children.flatMap((c) => [c.branch, ...descendantsOf(c)]);
}

/** Ids of the ancestors of `id` (nearest first), following parent_id within `branches`. */
export function ancestorIds(branches: readonly Branch[], id: string): string[] {
  const byId = new Map(branches.map((b) => [b.id, b]));
  const out: string[] = [];
  let cur = byId.get(id)?.parent_id ?? null;
  while (cur !== null && byId.has(cur) && !out.includes(cur) && cur !== id) {
    out.push(cur);
    cur = byId.get(cur)?.parent_id ?? null;
  }
  return out;
}

// ----- names -----

/** PostgreSQL's identifier limit (NAMEDATALEN - 1), in bytes. */
export const MAX_NAME_BYTES = 63;
const RESERVED_NAMES = ["postgres", "template0", "template1", "grove_catalog"];
const INTERNAL_PREFIX = "grove_";

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

/**
 * The same checks the backend makes on a branch name (plus "already exists" when the
 * current names are given); null when it is acceptable.
 */
/** C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F). */
function hasControlCharacter(s: string): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

export function validateBranchName(name: string, existing: readonly string[] = []): string | null {
  if (name === "") return "Name is required.";
  const bytes = utf8Length(name);
  if (bytes > MAX_NAME_BYTES) {
    return `Name is ${bytes} bytes long in UTF-8; PostgreSQL allows at most ${MAX_NAME_BYTES} bytes.`;
  }
  if (name.trim() !== name) return "Name may not start or end with white space.";
  if (hasControlCharacter(name)) return "Name may not contain control characters.";
  if (name.toLowerCase().startsWith(INTERNAL_PREFIX)) {
    return `Names starting with “${INTERNAL_PREFIX}” are reserved for Grove's own databases.`;
  }
  if (RESERVED_NAMES.includes(name)) return `“${name}” is reserved and cannot be a branch name.`;
  if (existing.includes(name)) return `A branch named “${name}” already exists.`;
  return null;
}

/** Databases that can never be imported as branches. */
export function isSystemDatabase(name: string): boolean {
  return RESERVED_NAMES.includes(name) || name.startsWith(INTERNAL_PREFIX);
}

// ----- sizes and times -----

const UNITS = ["bytes", "kB", "MB", "GB", "TB", "PB"];

/** 1024-based, like pg_size_pretty: "812 bytes", "7.9 MB", "12 GB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return "—";
  if (n < 1024) return `${Math.round(n)} ${n === 1 ? "byte" : "bytes"}`;
  let v = n;
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i += 1;
  }
  const digits = v < 10 ? 1 : 0;
  return `${v.toFixed(digits).replace(/\.0$/, "")} ${UNITS[i]}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function parse(iso: string): number | null {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "5 min", "3 h", "2 d" (rounded down, at least 1 min). */
export function formatSpan(ms: number): string {
  if (ms < HOUR) return `${Math.max(1, Math.floor(ms / MINUTE))} min`;
  if (ms < 2 * DAY) return `${Math.floor(ms / HOUR)} h`;
  return `${Math.floor(ms / DAY)} d`;
}

/** "just now", "5 min ago", "3 h ago", "4 d ago". */
export function formatAge(iso: string, now: number = Date.now()): string {
  const t = parse(iso);
  if (t === null) return "";
  const ms = now - t;
  if (ms < 45_000) return "just now";
  return `${formatSpan(ms)} ago`;
}

/** "in 5 h", or null when the time has passed. */
export function formatUntil(iso: string, now: number = Date.now()): string | null {
  const t = parse(iso);
  if (t === null || t <= now) return null;
  return `in ${formatSpan(t - now)}`;
}

/** Badge text for an expiry: "expires in 5 h" or "expired". */
export function expiryLabel(iso: string, now: number = Date.now()): string {
  const until = formatUntil(iso, now);
  return until ? `expires ${until}` : "expired";
}

/** A ticking clock for elapsed times: "0:07", "12:34", "1:02:03". */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A fresh id for a long operation (its progress events and cancel_operation use it). */
export function newOpId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `op-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
