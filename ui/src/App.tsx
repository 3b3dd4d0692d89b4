import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { commands } from "./api";
import type { SavedConnection } from "./bindings/SavedConnection";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { ConnectionAbout, ConnectionHeader } from "./components/ConnectionDetails";
import { ConnectionDialog } from "./components/ConnectionDialog";
import { LocalAbout, LocalHeader, LocalUnavailable } from "./components/LocalDetails";
import { ServerView } from "./components/ServerView";
import { Sidebar } from "./components/Sidebar";
import { formatError } from "./errors";
import { formatTestSuccess } from "./format";
import { useLocalServer } from "./hooks/useLocalStatus";
import { layout, SIDEBAR_WIDTH, useLayout } from "./layout/layoutStore";
import { SideSplit } from "./layout/SideSplit";
import { shortcutLabel } from "./layout/shortcuts";
import { PanelIcon } from "./components/Icons";
import "./layout/layout.css";
import { queryKeys } from "./queries/keys";
import type { Selection, TestState } from "./types";

type DialogState = { kind: "add" } | { kind: "edit"; connection: SavedConnection } | { kind: "remove"; connection: SavedConnection };

export function App() {
  const local = useLocalServer();
  const client = useQueryClient();
  // Saved connections change only here: loaded once, again after a change or on Reload.
  const connectionsQuery = useQuery({
    queryKey: queryKeys.connections,
    queryFn: () => commands.listConnections(),
    refetchOnWindowFocus: false,
  });
  const connections = connectionsQuery.data ?? null;
  const connectionsError = connectionsQuery.error ? formatError(connectionsQuery.error) : null;
  const setConnections = (update: (list: SavedConnection[] | undefined) => SavedConnection[] | undefined) =>
    client.setQueryData<SavedConnection[]>(queryKeys.connections, update);
  const [chosen, setSelection] = useState<Selection>({ kind: "local" });
  const [tests, setTests] = useState<Record<string, TestState>>({});
  const [dialog, setDialog] = useState<DialogState | null>(null);
  const [aboutOpen, setAboutOpen] = useState(false);
  const toggleAbout = () => setAboutOpen((o) => !o);
  const lay = useLayout();
  // Focus mode and reviewing (Compare, deploy requests) give the server view the whole window.
  const hideSidebar = lay.sidebarCollapsed || lay.focus || lay.review;

  const reload = useCallback(() => client.invalidateQueries({ queryKey: queryKeys.connections }), [client]);

  const selected = chosen.kind === "connection" ? (connections?.find((c) => c.id === chosen.id) ?? null) : null;
  // If the selected connection disappeared, the local server is shown.
  const selection: Selection = chosen.kind === "connection" && connections && !selected ? { kind: "local" } : chosen;

  const testSaved = useCallback(async (c: SavedConnection) => {
    setTests((t) => ({ ...t, [c.id]: { status: "pending" } }));
    let result: TestState;
    try {
      result = { status: "ok", text: formatTestSuccess(await commands.testSavedConnection(c.id)) };
    } catch (e) {
      result = { status: "error", text: formatError(e) };
    }
    setTests((t) => ({ ...t, [c.id]: result }));
  }, []);

  const onSaved = (saved: SavedConnection) => {
    setDialog(null);
    // Drop a stale test result: the settings may have changed.
    setTests(({ [saved.id]: _dropped, ...rest }) => rest);
    setConnections((list) => {
      if (!list) return [saved];
      return list.some((c) => c.id === saved.id) ? list.map((c) => (c.id === saved.id ? saved : c)) : [...list, saved];
    });
    setSelection({ kind: "connection", id: saved.id });
    void reload();
  };

  const remove = useMutation({
    mutationFn: (c: SavedConnection) => commands.removeConnection(c.id),
    onSuccess: (_, c) => {
      setConnections((list) => list?.filter((x) => x.id !== c.id));
      setTests(({ [c.id]: _dropped, ...rest }) => rest);
      void reload();
    },
  });

  return (
    <div className={`app${lay.focus ? " focus-mode" : ""}`} data-testid="app" data-focus={lay.focus ? "true" : "false"}>
      {hideSidebar && !lay.focus && !lay.review && (
        <div className="side-rail">
          <button
            type="button"
            className="icon-button"
            id="sidebar-expand"
            data-testid="sidebar-expand"
            title={`Show servers (${shortcutLabel("toggleSidebar")})`}
            aria-label="Show servers"
            onClick={layout.toggleSidebar}
          >
            <PanelIcon />
          </button>
        </div>
      )}
      <SideSplit
        className="app-split"
        hidden={hideSidebar}
        onWidth={(px) => layout.setSidebarWidth(px)}
        side={{
          id: "sidebar-panel",
          className: "sidebar-panel",
          width: lay.sidebarWidth,
          limits: SIDEBAR_WIDTH,
          handleLabel: "Resize the servers sidebar",
          content: (
            <Sidebar
              local={local}
              connections={connections}
              connectionsError={connectionsError}
              selection={selection}
              tests={tests}
              onSelect={setSelection}
              onAdd={() => setDialog({ kind: "add" })}
              onReload={() => void reload()}
              onTest={(c) => void testSaved(c)}
              onEdit={(c) => setDialog({ kind: "edit", connection: c })}
              onRemove={(c) => setDialog({ kind: "remove", connection: c })}
              onCollapse={layout.toggleSidebar}
            />
          ),
        }}
        main={{ id: "main-panel", className: "main-panel", minSize: 360 }}
      >
          <main className="main">
            {selected ? (
              <ServerView
                key={selected.id}
                server={selected.id}
                enabled
                header={
                  <ConnectionHeader
                    connection={selected}
                    test={tests[selected.id]}
                    onTest={() => void testSaved(selected)}
                    onEdit={() => setDialog({ kind: "edit", connection: selected })}
                    onRemove={() => setDialog({ kind: "remove", connection: selected })}
                    aboutOpen={aboutOpen}
                    onToggleAbout={toggleAbout}
                  />
                }
                about={aboutOpen && <ConnectionAbout connection={selected} />}
              />
            ) : (
              <ServerView
                key="local"
                server={null}
                enabled={local.status?.state === "running"}
                header={<LocalHeader local={local} aboutOpen={aboutOpen} onToggleAbout={toggleAbout} />}
                about={aboutOpen && <LocalAbout local={local} />}
                unavailable={<LocalUnavailable local={local} />}
              />
            )}
          </main>
      </SideSplit>

      {(dialog?.kind === "add" || dialog?.kind === "edit") && (
        <ConnectionDialog
          key={dialog.kind === "edit" ? dialog.connection.id : "new"}
          editing={dialog.kind === "edit" ? dialog.connection : null}
          onClose={() => setDialog(null)}
          onSaved={onSaved}
        />
      )}
      {dialog?.kind === "remove" && (
        <ConfirmDialog
          title="Remove connection"
          message={`Remove “${dialog.connection.name}”? The saved settings${
            dialog.connection.has_password ? " and the password stored in the keychain" : ""
          } will be deleted. The server itself is not touched.`}
          confirmLabel="Remove"
          onConfirm={async () => {
            await remove.mutateAsync(dialog.connection);
          }}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
