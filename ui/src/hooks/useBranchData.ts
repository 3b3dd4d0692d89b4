import { useCallback, useEffect, useRef, useState } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { Snapshot } from "../bindings/Snapshot";
import { formatError } from "../errors";

export interface BranchData {
  /** null until the first answer. */
  branches: Branch[] | null;
  snapshots: Snapshot[];
  loading: boolean;
  error: string | null;
  /** Reloads the tree and the snapshots; resolves once both answered. */
  reload: () => Promise<void>;
  /** Puts a branch an operation returned into the list at once (a reload follows). */
  upsert: (b: Branch) => void;
  /** Drops branches an operation removed (a reload follows). */
  removeNames: (names: readonly string[]) => void;
}

/**
 * The branch tree and snapshots of one server (null = the embedded local server), loaded
 * while `enabled`. Answers to requests overtaken by a newer one are dropped.
 */
export function useBranchData(server: string | null, enabled: boolean): BranchData {
  const [branches, setBranches] = useState<Branch[] | null>(null);
  const [snapshots, setSnapshots] = useState<Snapshot[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    const [b, s] = await Promise.allSettled([commands.listBranches(server), commands.listSnapshots(server)]);
    if (!alive.current || mine !== seq.current) return;
    if (b.status === "fulfilled") {
      setBranches(b.value);
      setError(null);
    } else {
      setError(formatError(b.reason));
    }
    // Snapshots only feed "Recently deleted" and undo dates: a failure there is not worth a banner.
    if (s.status === "fulfilled") setSnapshots(s.value);
    setLoading(false);
  }, [server]);

  useEffect(() => {
    if (enabled) void reload();
  }, [enabled, reload]);

  // Others may change the tree too (the CLI, colleagues on a shared server): refresh when
  // the window comes back to the front.
  useEffect(() => {
    if (!enabled) return;
    let last = Date.now();
    const onFocus = () => {
      if (Date.now() - last < 5000) return;
      last = Date.now();
      void reload();
    };
    window.addEventListener("focus", onFocus);
    return () => window.removeEventListener("focus", onFocus);
  }, [enabled, reload]);

  const upsert = useCallback((b: Branch) => {
    setBranches((list) => {
      if (!list) return [b];
      return list.some((x) => x.id === b.id) ? list.map((x) => (x.id === b.id ? b : x)) : [...list, b];
    });
  }, []);

  const removeNames = useCallback((names: readonly string[]) => {
    setBranches((list) => list?.filter((b) => !names.includes(b.name)) ?? null);
  }, []);

  return { branches, snapshots, loading, error, reload, upsert, removeNames };
}
