// Single access point to the Rust backend. Components import from here (never from
// @tauri-apps/api directly) so unit tests can mock this one module.
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { commands, events } from "./bindings/commands";
import type { LocalStatus } from "./bindings/LocalStatus";
import type { OpProgress } from "./bindings/OpProgress";
import type { SqlRunEvent } from "./bindings/SqlRunEvent";

export { commands };
export type { UnlistenFn };

/** Subscribe to the embedded server's state changes (emitted by the Rust side). */
export function onLocalStatus(handler: (status: LocalStatus) => void): Promise<UnlistenFn> {
  return listen<LocalStatus>(events.localStatus, (event) => handler(event.payload));
}

/** Subscribe to progress reports of long operations (every op; filter by `op_id`). */
export function onOpProgress(handler: (p: OpProgress) => void): Promise<UnlistenFn> {
  return listen<OpProgress>(events.opProgress, (event) => handler(event.payload));
}

/** Subscribe to SQL editor run events (every tab and run; filter by `tab_id` and `run_id`). */
export function onSqlRun(handler: (e: SqlRunEvent) => void): Promise<UnlistenFn> {
  return listen<SqlRunEvent>(events.sqlRun, (event) => handler(event.payload));
}
