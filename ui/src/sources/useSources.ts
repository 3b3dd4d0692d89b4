import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { commands } from "../api";
import type { SourceInfo } from "../bindings/SourceInfo";

/** Under the server's key: reloading the tree reloads the sources too. */
export const sourcesKey = (server: string | null) => ["server", server, "sources"] as const;

/** The server's synced roots, by root name. */
export function useSources(server: string | null, enabled = true): Map<string, SourceInfo> {
  const q = useQuery({ queryKey: sourcesKey(server), queryFn: () => commands.listSources(server), enabled });
  return useMemo(() => new Map((q.data ?? []).map((s) => [s.root, s])), [q.data]);
}
