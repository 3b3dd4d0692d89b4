import { skipToken, useQuery, type Query } from "@tanstack/react-query";
import { useState } from "react";
import { commands } from "../api";
import type { SchemaDiff } from "../bindings/SchemaDiff";
import { formatError } from "../errors";
import { queryKeys } from "../queries/keys";

export type Pair = { from: string; to: string };
/** A comparison's answer, with the branches it compared. */
export type Comparison = { diff: SchemaDiff } & Pair;

export const samePair = (a: Pair, b: Pair) => a.from === b.from && a.to === b.to;

/** The n-th comparison asked for in this view. */
type Request = Pair & { n: number };
type DiffKey = readonly [...ReturnType<typeof queryKeys.diff>, number];

export interface ComparisonState {
  /** The branches of the comparison running or last asked for. */
  requested: Pair | null;
  running: boolean;
  /** The last answer, kept (and shown busy) while the next comparison runs; null after an error. */
  result: Comparison | null;
  error: string | null;
  /** Compares `pair` now (again, when it is the same pair: the schemas may have changed). */
  compare: (pair: Pair) => void;
}

/**
 * The schema comparisons of one view: each Compare asks the backend anew (a comparison is a
 * snapshot in time, never served from the cache or refetched on its own), and an answer to an
 * earlier comparison never replaces a later one's.
 */
export function useComparison(server: string | null): ComparisonState {
  const [request, setRequest] = useState<Request | null>(null);
  const query = useQuery<Comparison, unknown, Comparison, DiffKey>({
    queryKey: [...queryKeys.diff(server, request?.from ?? "", request?.to ?? ""), request?.n ?? 0],
    queryFn: request
      ? async () => ({ diff: await commands.diffBranches(server, request.from, request.to), from: request.from, to: request.to })
      : skipToken,
    // While the next comparison runs, the one just before it stays on screen (not an older one).
    placeholderData: (previous, previousQuery?: Query<Comparison, unknown, Comparison, DiffKey>) =>
      request && previousQuery?.queryKey.at(-1) === request.n - 1 ? previous : undefined,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
    retry: false,
  });

  return {
    requested: request && { from: request.from, to: request.to },
    running: query.isFetching,
    result: query.isError ? null : (query.data ?? null),
    error: query.isError && !query.isFetching ? formatError(query.error) : null,
    compare: (pair) => setRequest((r) => ({ from: pair.from, to: pair.to, n: (r?.n ?? 0) + 1 })),
  };
}
