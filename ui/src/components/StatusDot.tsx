import type { LocalState } from "../bindings/LocalState";

export function StatusDot({ state }: { state: LocalState | "unknown" }) {
  return <span className={`status-dot status-${state}`} aria-hidden="true" />;
}
