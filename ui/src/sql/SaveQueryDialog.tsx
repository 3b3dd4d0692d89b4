// Saves the editor's text as a named query (or updates the one the tab was opened from).
import { useRef, useState, type FormEvent } from "react";
import { commands } from "../api";
import type { SavedQuery } from "../bindings/SavedQuery";
import { FormField } from "../components/branches/FormField";
import { Modal } from "../components/Modal";
import { formatError } from "../errors";

interface Props {
  /** The server id history and saved queries use ("local" for the embedded server). */
  serverId: string;
  branch: string;
  sql: string;
  /** The tab's title, the default name. */
  title: string;
  /** The saved query the tab came from, which can be updated. */
  savedId: number | null;
  onClose: () => void;
  onSaved: (q: SavedQuery) => void;
}

export function SaveQueryDialog({ serverId, branch, sql, title, savedId, onClose, onSaved }: Props) {
  const [name, setName] = useState(title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const save = async (id: number | null, e?: FormEvent) => {
    e?.preventDefault();
    if (!name.trim()) {
      setError("Give the query a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await commands.saveQuery(id, { name: name.trim(), sql, server_id: serverId, branch }));
    } catch (err) {
      setError(formatError(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      id="save-query-dialog"
      title="Save query"
      onClose={onClose}
      className="modal-small"
      initialFocus={input}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          {savedId !== null && (
            <button type="button" className="button" data-testid="save-query-as-new" disabled={busy} onClick={() => void save(null)}>
              Save as new
            </button>
          )}
          <button
            type="submit"
            form="save-query-form"
            className="button primary"
            id="save-query-submit"
            data-testid="save-query-submit"
            disabled={busy || !name.trim()}
          >
            {busy ? "Saving…" : savedId !== null ? "Update" : "Save"}
          </button>
        </>
      }
    >
      <form id="save-query-form" className="form" onSubmit={(e) => void save(savedId, e)}>
        <FormField label="Name" htmlFor="save-query-name" error={error}>
          <input
            ref={input}
            id="save-query-name"
            data-testid="save-query-name"
            value={name}
            maxLength={200}
            autoComplete="off"
            onChange={(e) => setName(e.target.value)}
          />
        </FormField>
        <pre className="export-sql mono">{sql.length > 800 ? `${sql.slice(0, 800)}…` : sql}</pre>
      </form>
    </Modal>
  );
}
