// The editor's side panel: the run history (searchable, for this branch, server or all) and the
// saved queries. A click loads the SQL into the editor.
import { useEffect, useState } from "react";
import { commands } from "../api";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import type { SavedQuery } from "../bindings/SavedQuery";
import { formatAge } from "../branches";
import { CloseIcon, TrashIcon } from "../components/Icons";
import { formatError } from "../errors";
import { formatDate } from "../format";
import { useNow } from "../hooks/useNow";
import { historyServerId, keys } from "./editorModel";
import { sqlStore, useStoreVersion } from "./store";
import { formatCount, formatDuration } from "./values";

export type SideTab = "history" | "saved";
type Scope = "branch" | "server" | "all";

interface Props {
  server: string | null;
  branch: string;
  tab: SideTab;
  onTab: (t: SideTab) => void;
  /** Loads SQL into the editor; from a saved query, with its name and id. */
  onLoad: (sql: string, saved?: SavedQuery) => void;
  onClose: () => void;
}

/** A search box's value, settled for a moment. */
function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function SidePanel({ server, branch, tab, onTab, onLoad, onClose }: Props) {
  return (
    <aside className="sql-side" id="sql-history" data-testid="sql-history" aria-label="History and saved queries">
      <div className="sql-side-head">
        <nav className="tabs sql-side-tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === "history"}
            className={`tab${tab === "history" ? " active" : ""}`}
            data-testid="side-tab-history"
            onClick={() => onTab("history")}
          >
            History
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === "saved"}
            className={`tab${tab === "saved" ? " active" : ""}`}
            data-testid="side-tab-saved"
            onClick={() => onTab("saved")}
          >
            Saved queries
          </button>
        </nav>
        <button type="button" className="icon-button" aria-label="Close the panel" title="Close" onClick={onClose}>
          <CloseIcon />
        </button>
      </div>
      {tab === "history" ? <History server={server} branch={branch} onLoad={onLoad} /> : <Saved onLoad={onLoad} />}
    </aside>
  );
}

function History({ server, branch, onLoad }: { server: string | null; branch: string; onLoad: (sql: string) => void }) {
  const now = useNow(30_000);
  const [search, setSearch] = useState("");
  const [scope, setScope] = useState<Scope>("branch");
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmClear, setConfirmClear] = useState(false);
  const [reload, setReload] = useState(0);
  const q = useDebounced(search);
  const runs = useStoreVersion(keys.history);
  const serverId = historyServerId(server);

  useEffect(() => {
    let stale = false;
    commands
      .sqlHistory({
        search: q.trim() || null,
        server_id: scope === "all" ? null : serverId,
        branch: scope === "branch" ? branch : null,
        limit: 200,
      })
      .then((list) => {
        if (stale) return;
        setEntries(list);
        setError(null);
      })
      .catch((e) => !stale && setError(formatError(e)));
    return () => {
      stale = true;
    };
  }, [q, scope, serverId, branch, runs, reload]);

  const clear = async () => {
    setConfirmClear(false);
    try {
      await commands.sqlClearHistory(scope === "all" ? null : serverId);
      setReload((n) => n + 1);
    } catch (e) {
      setError(formatError(e));
    }
  };

  return (
    <div className="sql-side-body">
      <div className="sql-side-filters">
        <input
          type="search"
          className="side-search"
          placeholder="Search the history"
          aria-label="Search the history"
          data-testid="history-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select
          aria-label="Which runs"
          data-testid="history-scope"
          value={scope}
          onChange={(e) => setScope(e.target.value as Scope)}
        >
          <option value="branch">This branch</option>
          <option value="server">This server</option>
          <option value="all">All servers</option>
        </select>
      </div>
      {error && (
        <div className="result-box" data-status="error" role="alert">
          {error}
        </div>
      )}
      <ul className="side-list" data-testid="history-list">
        {entries?.map((h) => (
          <li key={h.id}>
            <button
              type="button"
              className={`side-item${h.error ? " failed" : ""}`}
              data-testid="history-entry"
              title={`${formatDate(h.started_at)}\nClick to load into the editor`}
              onClick={() => onLoad(h.sql)}
            >
              <code className="side-sql mono">{h.sql}</code>
              <span className="side-meta">
                <span>{formatAge(h.started_at, now)}</span>
                {scope !== "branch" && <span className="side-branch">{h.branch}</span>}
                {h.duration_ms !== null && <span>{formatDuration(h.duration_ms)}</span>}
                {h.row_count !== null && !h.error && (
                  <span>
                    {formatCount(h.row_count)} {h.row_count === 1 ? "row" : "rows"}
                  </span>
                )}
              </span>
              {h.error && <span className="side-error">{h.error}</span>}
            </button>
          </li>
        ))}
      </ul>
      {entries?.length === 0 && (
        <p className="muted small side-empty" data-testid="history-empty">
          {q.trim() ? "No runs match." : "No runs yet. Every run is recorded here."}
        </p>
      )}
      <div className="sql-side-foot">
        {confirmClear ? (
          <>
            <span className="small">
              Clear the history of {scope === "all" ? "all servers" : "this server"}?
            </span>
            <button type="button" className="button small danger" data-testid="history-clear-confirm" onClick={() => void clear()}>
              Clear
            </button>
            <button type="button" className="button small" onClick={() => setConfirmClear(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            className="button small ghost"
            data-testid="history-clear"
            disabled={!entries || entries.length === 0}
            onClick={() => setConfirmClear(true)}
          >
            <TrashIcon size={12} /> Clear history
          </button>
        )}
      </div>
    </div>
  );
}

function Saved({ onLoad }: { onLoad: (sql: string, saved: SavedQuery) => void }) {
  const [search, setSearch] = useState("");
  const [list, setList] = useState<SavedQuery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const q = useDebounced(search);
  const version = useStoreVersion(keys.saved);

  useEffect(() => {
    let stale = false;
    commands
      .listSavedQueries(q.trim() || null)
      .then((l) => {
        if (stale) return;
        setList(l);
        setError(null);
      })
      .catch((e) => !stale && setError(formatError(e)));
    return () => {
      stale = true;
    };
  }, [q, version]);

  const remove = async (id: number) => {
    setConfirm(null);
    try {
      await commands.deleteSavedQuery(id);
      sqlStore.emit(keys.saved);
    } catch (e) {
      setError(formatError(e));
    }
  };

  return (
    <div className="sql-side-body">
      <div className="sql-side-filters">
        <input
          type="search"
          className="side-search"
          placeholder="Search saved queries"
          aria-label="Search saved queries"
          data-testid="saved-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      {error && (
        <div className="result-box" data-status="error" role="alert">
          {error}
        </div>
      )}
      <ul className="side-list">
        {list?.map((s) => (
          <li key={s.id} className="saved-row" data-testid="saved-query" data-name={s.name}>
            <button type="button" className="side-item" title="Open in the editor" onClick={() => onLoad(s.sql, s)}>
              <span className="side-name">{s.name}</span>
              <code className="side-sql mono">{s.sql}</code>
              <span className="side-meta">
                {s.branch && <span className="side-branch">{s.branch}</span>}
                <span>saved {formatAge(s.updated_at)}</span>
              </span>
            </button>
            {confirm === s.id ? (
              <span className="saved-confirm">
                <button type="button" className="button tiny danger" data-testid="saved-delete-confirm" onClick={() => void remove(s.id)}>
                  Delete
                </button>
                <button type="button" className="button tiny" onClick={() => setConfirm(null)}>
                  Keep
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="icon-button saved-delete"
                aria-label={`Delete ${s.name}`}
                title="Delete"
                data-testid="saved-delete"
                onClick={() => setConfirm(s.id)}
              >
                <TrashIcon size={12} />
              </button>
            )}
          </li>
        ))}
      </ul>
      {list?.length === 0 && (
        <p className="muted small side-empty" data-testid="saved-empty">
          {q.trim() ? "No saved query matches." : "No saved queries. Save the editor's text with “Save query”."}
        </p>
      )}
    </div>
  );
}
