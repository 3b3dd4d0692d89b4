// The rows of a result larger than what the grid holds: every row is stored on local disk by the
// backend (sql_fetch_rows), the first ones arrived with the run (`held`), and the rest are read
// in pages of PAGE_ROWS as the viewport reaches them. At most MAX_PAGES pages stay in memory
// (the least recently used go first, except those on screen), so memory is bounded however
// large the result; a page dropped is fetched again when it comes back into view.
import { formatCount, type Row } from "./values";

export const PAGE_ROWS = 1000;
export const MAX_PAGES = 20;
/** Scrolling settles for this long before pages are fetched (a fast drag fetches nothing). */
export const FETCH_DEBOUNCE_MS = 60;

/** Reads `limit` rows from `offset` (sql_fetch_rows for one statement of one run). */
export type FetchRows = (offset: number, limit: number) => Promise<Row[]>;

export interface RowPagesOptions {
  pageRows?: number;
  maxPages?: number;
  debounceMs?: number;
}

export class RowPages {
  readonly total: number;
  /** The rows that came with the run (rows 0..held-1); always kept, never fetched. */
  private readonly held: readonly Row[];
  private readonly fetchRows: FetchRows;
  private readonly onChange: () => void;
  private readonly pageRows: number;
  private readonly maxPages: number;
  private readonly debounceMs: number;
  /** Page number → rows, in least-recently-used order (a Map keeps insertion order). */
  private pages = new Map<number, Row[]>();
  private loading = new Set<number>();
  private wanted: { from: number; to: number } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;
  /** The last fetch's failure, shown in the grid; cleared by the next success. */
  error: string | null = null;

  constructor(total: number, held: readonly Row[], fetchRows: FetchRows, onChange: () => void, opts: RowPagesOptions = {}) {
    this.total = total;
    this.held = held;
    this.fetchRows = fetchRows;
    this.onChange = onChange;
    this.pageRows = opts.pageRows ?? PAGE_ROWS;
    this.maxPages = opts.maxPages ?? MAX_PAGES;
    this.debounceMs = opts.debounceMs ?? FETCH_DEBOUNCE_MS;
  }

  /** Row `i`, or null while its page is not in memory (a placeholder is shown). */
  row(i: number): Row | null {
    if (i < this.held.length) return this.held[i];
    return this.pages.get(Math.floor(i / this.pageRows))?.[i % this.pageRows] ?? null;
  }

  /** Rows [from, to), whether in memory or not (for a copy); read, not kept. */
  async read(from: number, to: number): Promise<Row[]> {
    const out: Row[] = [];
    let i = from;
    while (i < to) {
      const r = this.row(i);
      if (r) {
        out.push(r);
        i++;
        continue;
      }
      // Up to the next row in memory (or the end), at most 10,000 rows a call.
      let j = i + 1;
      while (j < to && j - i < 10_000 && !this.row(j)) j++;
      out.push(...(await this.fetchRows(i, j - i)));
      i = j;
    }
    return out;
  }

  /** Pages in memory (besides the held rows). */
  get cachedPages(): number[] {
    return [...this.pages.keys()];
  }

  /** Rows [from, to) are on screen: fetch their missing pages once scrolling settles. */
  want(from: number, to: number) {
    if (this.disposed) return;
    this.wanted = { from: Math.max(0, from), to: Math.min(this.total, to) };
    // On-screen pages count as just used.
    for (const p of this.pagesOf(this.wanted)) this.touch(p);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.load();
    }, this.debounceMs);
  }

  /** Stops fetching (the result is gone); pages still in flight are ignored. */
  dispose() {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pages.clear();
  }

  private pagesOf(r: { from: number; to: number }): number[] {
    const out: number[] = [];
    if (r.to <= r.from) return out;
    const first = Math.floor(Math.max(r.from, this.held.length) / this.pageRows);
    const last = Math.floor((r.to - 1) / this.pageRows);
    for (let p = first; p <= last; p++) if ((p + 1) * this.pageRows > this.held.length) out.push(p);
    return out;
  }

  private touch(p: number) {
    const rows = this.pages.get(p);
    if (rows) {
      this.pages.delete(p);
      this.pages.set(p, rows);
    }
  }

  private load() {
    if (!this.wanted) return;
    for (const p of this.pagesOf(this.wanted)) {
      if (this.pages.has(p) || this.loading.has(p)) continue;
      this.loading.add(p);
      void this.fetchPage(p);
    }
  }

  private async fetchPage(p: number) {
    const offset = p * this.pageRows;
    try {
      const rows = await this.fetchRows(offset, Math.min(this.pageRows, this.total - offset));
      if (this.disposed) return;
      this.pages.set(p, rows);
      this.error = null;
      this.evict();
    } catch (e) {
      if (this.disposed) return;
      this.error = e instanceof Error ? e.message : typeof e === "object" && e && "message" in e ? String(e.message) : String(e);
    } finally {
      this.loading.delete(p);
    }
    this.onChange();
  }

  /** Drops the least recently used pages past the limit, keeping those on screen. */
  private evict() {
    if (this.pages.size <= this.maxPages) return;
    const onScreen = new Set(this.wanted ? this.pagesOf(this.wanted) : []);
    for (const p of [...this.pages.keys()]) {
      if (this.pages.size <= this.maxPages) break;
      if (!onScreen.has(p)) this.pages.delete(p);
    }
  }
}

/** The status bar's "rows 120,001–120,050 of 2,000,000" for rows [from, to) of `total`. */
export function rowsStatus(from: number, to: number, total: number): string {
  if (total === 0) return "0 rows";
  const a = Math.min(Math.max(0, from), total - 1) + 1;
  const b = Math.max(a, Math.min(to, total));
  return `rows ${formatCount(a)}–${formatCount(b)} of ${formatCount(total)}`;
}
