/** Which server is shown in the main panel. */
export type Selection = { kind: "local" } | { kind: "connection"; id: string };

/** Result of a "Test" on a saved connection. */
export type TestState = { status: "pending" } | { status: "ok" | "error"; text: string };
