// Single access point to the Rust backend. Components import from here (never from
// @tauri-apps/api directly) so unit tests can mock this one module.
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { commands, events } from "./bindings/commands";
import type { LocalStatus } from "./bindings/LocalStatus";

export { commands };
export type { UnlistenFn };

/** Subscribe to the embedded server's state changes (emitted by the Rust side). */
export function onLocalStatus(handler: (status: LocalStatus) => void): Promise<UnlistenFn> {
  return listen<LocalStatus>(events.localStatus, (event) => handler(event.payload));
}
