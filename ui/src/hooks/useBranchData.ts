import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { Snapshot } from "../bindings/Snapshot";
import { formatError } from "../errors";
import { queryKeys } from "../queries/keys";

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

const NO_SNAPSHOTS: Snapshot[] = [];

/** Refetched when the window comes back to the front, unless it answered less than this ago. */
const FRESH_MS = 5000;

/**
 * The branch tree and snapshots of one server (null = the embedded local server), loaded
 * while `enabled`, again on every mount and when the window comes back to the front.
 */
export function useBranchData(server: string | null, enabled: boolean): BranchData {
  const client = useQueryClient();
  const branches = useQuery({
    queryKey: queryKeys.branches(server),
    queryFn: () => commands.listBranches(server),
    enabled,
    staleTime: FRESH_MS,
    refetchOnMount: "always",
  });
  // Snapshots only feed "Recently deleted" and undo dates: a failure there is not worth a banner.
  const snapshots = useQuery({
    queryKey: queryKeys.snapshots(server),
    queryFn: () => commands.listSnapshots(server),
    enabled,
    staleTime: FRESH_MS,
    refetchOnMount: "always",
  });

  const reload = useCallback(async () => {
    await Promise.all([
      client.invalidateQueries({ queryKey: queryKeys.branches(server) }),
      client.invalidateQueries({ queryKey: queryKeys.snapshots(server) }),
    ]);
  }, [client, server]);

  const upsert = useCallback(
    (b: Branch) =>
      client.setQueryData<Branch[]>(queryKeys.branches(server), (list) => {
        if (!list) return [b];
        return list.some((x) => x.id === b.id) ? list.map((x) => (x.id === b.id ? b : x)) : [...list, b];
      }),
    [client, server],
  );

  const removeNames = useCallback(
    (names: readonly string[]) =>
      client.setQueryData<Branch[]>(queryKeys.branches(server), (list) => list?.filter((b) => !names.includes(b.name))),
    [client, server],
  );

  return {
    branches: branches.data ?? null,
    snapshots: snapshots.data ?? NO_SNAPSHOTS,
    loading: branches.isFetching || snapshots.isFetching,
    error: branches.error ? formatError(branches.error) : null,
    reload,
    upsert,
    removeNames,
  };
}
