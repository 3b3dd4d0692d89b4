/** Query keys. A server's tree (branches, snapshots) starts with ["server", server]. */
export const queryKeys = {
  /** The saved connections. */
  connections: ["connections"] as const,
  server: (server: string | null) => ["server", server] as const,
  branches: (server: string | null) => ["server", server, "branches"] as const,
  snapshots: (server: string | null) => ["server", server, "snapshots"] as const,
  /** The server's databases (which can be imported). */
  databases: (server: string | null) => ["server", server, "databases"] as const,
  /** The server's deploy requests. */
  deploys: (server: string | null) => ["server", server, "deploys"] as const,
  /** A schema comparison: refetched only when asked for, never with the tree. */
  diff: (server: string | null, from: string, to: string) => ["diff", server, from, to] as const,
};
