import type { MouseEvent } from "react";
import type { LocalServer } from "../hooks/useLocalStatus";
import { CloneBadge } from "./CloneBadge";
import { PlayIcon, ServerIcon, StopIcon } from "./Icons";
import { StatusDot } from "./StatusDot";
import { formatError } from "../errors";

interface Props {
  local: LocalServer;
  selected: boolean;
  onSelect: () => void;
}

export function LocalServerItem({ local, selected, onSelect }: Props) {
  const { status, queryError, action, actionError } = local;
  const state = status?.state ?? (queryError ? "error" : null);
  const problem =
    actionError ?? (status?.error ? formatError(status.error) : null) ?? (status ? null : queryError);

  return (
    <li
      id="local-server"
      data-testid="local-server"
      className={`server-item${selected ? " selected" : ""}`}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <button type="button" className="item-select" onClick={(e) => { e.stopPropagation(); onSelect(); }}>
        <span className="item-title">
          <ServerIcon className="item-icon" />
          <span className="item-name">Local (embedded)</span>
        </span>
        <span className="item-meta">
          <StatusDot state={state ?? "unknown"} />
          {state ? (
            <span id="local-state" data-testid="local-state" className={`state-text state-${state}`}>
              {state}
            </span>
          ) : (
            <span className="state-text muted">checking…</span>
          )}
          <span className="sep">·</span>
          <span className="muted">PostgreSQL</span>
          <span id="local-version" data-testid="local-version">
            {status?.version ?? "—"}
          </span>
        </span>
      </button>
      <div className="item-row">
        {status && (
          <CloneBadge id="local-clone-mode" mode={status.clone_mode} detail={status.clone_detail} />
        )}
        <span className="spacer" />
        <LocalActions local={local} small />
      </div>
      {problem && (
        <div className="inline-result" data-status="error" title={problem}>
          {problem}
        </div>
      )}
      {action === "start" && !problem && state !== "starting" && (
        <div className="inline-result muted">Starting the embedded server…</div>
      )}
    </li>
  );
}

/** Start / Stop buttons, shared by the sidebar item and the details panel. */
export function LocalActions({ local, small, idPrefix = "local" }: { local: LocalServer; small?: boolean; idPrefix?: string }) {
  const { status, action } = local;
  const state = status?.state;
  const cls = `button${small ? " small" : ""}`;
  const stop = (e: MouseEvent) => {
    e.stopPropagation();
    void local.stop();
  };
  const start = (e: MouseEvent) => {
    e.stopPropagation();
    void local.start();
  };

  if (state === "running" || state === "starting") {
    return (
      <button
        type="button"
        id={`${idPrefix}-stop`}
        data-testid={`${idPrefix}-stop`}
        className={cls}
        onClick={stop}
        disabled={action !== null}
      >
        <StopIcon size={11} />
        {action === "stop" ? "Stopping…" : "Stop"}
      </button>
    );
  }
  return (
    <button
      type="button"
      id={`${idPrefix}-start`}
      data-testid={`${idPrefix}-start`}
      className={`${cls} primary`}
      onClick={start}
      disabled={action !== null || (status === null && local.queryError === null)}
    >
      <PlayIcon size={11} />
      {action === "start" ? "Starting…" : "Start"}
    </button>
  );
}
