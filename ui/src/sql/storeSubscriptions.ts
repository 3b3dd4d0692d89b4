// Keyed change notifications for the SQL store: components subscribe to the keys they show
// (a branch's tabs, one tab, one statement's rows…) and re-render when one is emitted.

export class StoreSubscriptions {
  private listeners = new Map<string, Set<() => void>>();
  private versions = new Map<string, number>();
  private pendingRows = new Set<string>();
  private rowsTimer: ReturnType<typeof setTimeout> | null = null;

  subscribe(key: string, listener: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  version(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  emit(key: string) {
    this.versions.set(key, this.version(key) + 1);
    this.listeners.get(key)?.forEach((l) => l());
  }

  /** Row pages come fast: their notifications are coalesced (one render per frame or so). */
  protected emitRows(key: string) {
    this.pendingRows.add(key);
    if (this.rowsTimer !== null) return;
    this.rowsTimer = setTimeout(() => this.flushRows(), 16);
  }

  /** Sends the row notifications that are waiting, now. */
  protected flushRows() {
    if (this.rowsTimer !== null) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    const pending = [...this.pendingRows];
    this.pendingRows.clear();
    pending.forEach((k) => this.emit(k));
  }

  /** Forgets every subscriber, version and waiting notification. */
  protected clearSubscriptions() {
    if (this.rowsTimer !== null) clearTimeout(this.rowsTimer);
    this.rowsTimer = null;
    this.pendingRows.clear();
    this.listeners.clear();
    this.versions.clear();
  }
}
