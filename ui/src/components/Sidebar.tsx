import type { SavedConnection } from "../bindings/SavedConnection";
import type { LocalServer } from "../hooks/useLocalStatus";
import type { Selection, TestState } from "../types";
import { ConnectionItem } from "./ConnectionItem";
import { shortcutLabel } from "../layout/shortcuts";
import { GroveIcon, PanelIcon, PlusIcon, RefreshIcon } from "./Icons";
import { LocalServerItem } from "./LocalServerItem";

interface Props {
  local: LocalServer;
  connections: SavedConnection[] | null;
  connectionsError: string | null;
  selection: Selection;
  tests: Record<string, TestState>;
  onSelect: (s: Selection) => void;
  onAdd: () => void;
  onReload: () => void;
  onTest: (c: SavedConnection) => void;
  onEdit: (c: SavedConnection) => void;
  onRemove: (c: SavedConnection) => void;
  onCollapse: () => void;
}

export function Sidebar(props: Props) {
  const { local, connections, connectionsError, selection, tests } = props;
  return (
    <aside className="sidebar">
      <div className="brand">
        <GroveIcon size={18} />
        <span>Grove</span>
        <span className="spacer" />
        <button
          type="button"
          className="icon-button"
          id="sidebar-collapse"
          data-testid="sidebar-collapse"
          onClick={props.onCollapse}
          title={`Hide servers (${shortcutLabel("toggleSidebar")})`}
          aria-label="Hide servers"
        >
          <PanelIcon />
        </button>
      </div>
      <div className="sidebar-heading">
        <span>Servers</span>
        <button
          type="button"
          className="icon-button"
          onClick={() => {
            props.onReload();
            void local.refresh();
          }}
          title="Refresh"
          aria-label="Refresh servers"
        >
          <RefreshIcon />
        </button>
      </div>
      <ul className="server-list" data-testid="server-list">
        <LocalServerItem
          local={local}
          selected={selection.kind === "local"}
          onSelect={() => props.onSelect({ kind: "local" })}
        />
        {connections?.map((c) => (
          <ConnectionItem
            key={c.id}
            connection={c}
            selected={selection.kind === "connection" && selection.id === c.id}
            test={tests[c.id]}
            onSelect={() => props.onSelect({ kind: "connection", id: c.id })}
            onTest={() => props.onTest(c)}
            onEdit={() => props.onEdit(c)}
            onRemove={() => props.onRemove(c)}
          />
        ))}
      </ul>
      {connectionsError && (
        <div className="sidebar-note" data-status="error">
          <div className="inline-result" data-status="error" data-testid="connections-error">
            Could not load saved connections: {connectionsError}
          </div>
          <button type="button" className="button small" onClick={props.onReload}>
            Retry
          </button>
        </div>
      )}
      {connections === null && !connectionsError && <div className="sidebar-note muted">Loading connections…</div>}
      {connections?.length === 0 && (
        <div className="sidebar-note muted">No saved connections yet. Add one to manage an existing PostgreSQL server.</div>
      )}
      <div className="sidebar-footer">
        <button type="button" id="add-connection" data-testid="add-connection" className="button block" onClick={props.onAdd}>
          <PlusIcon size={12} />
          Add connection
        </button>
      </div>
    </aside>
  );
}
