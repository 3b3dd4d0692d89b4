import type { SavedConnection } from "../bindings/SavedConnection";
import { connectionSummary, formatDate } from "../format";
import type { TestState } from "../types";
import { DetailRow } from "./DetailRow";
import { DatabaseIcon, EditIcon, KeyIcon, PlugIcon, TrashIcon } from "./Icons";
import { AboutToggle } from "./ServerHeader";

interface HeaderProps {
  connection: SavedConnection;
  test: TestState | undefined;
  onTest: () => void;
  onEdit: () => void;
  onRemove: () => void;
  aboutOpen: boolean;
  onToggleAbout: () => void;
}

/** A saved connection's compact header: name, user@host:port/db, Test/Edit/Remove, About. */
export function ConnectionHeader({ connection: c, test, onTest, onEdit, onRemove, aboutOpen, onToggleAbout }: HeaderProps) {
  const status = test?.status;
  return (
    <section className="server-header" data-testid="connection-details" data-name={c.name}>
      <div className="server-header-row">
        <div className="details-title">
          <DatabaseIcon size={20} />
          <div>
            <h1>{c.name}</h1>
            <div className="subtitle mono">{connectionSummary(c.fields)}</div>
          </div>
        </div>
        <div className="details-actions">
          <button type="button" className="button" data-testid="details-test" onClick={onTest} disabled={status === "pending"}>
            <PlugIcon size={12} />
            {status === "pending" ? "Testing…" : "Test"}
          </button>
          <button type="button" className="button" data-testid="details-edit" onClick={onEdit}>
            <EditIcon size={12} />
            Edit
          </button>
          <button type="button" className="button danger-text" data-testid="details-remove" onClick={onRemove}>
            <TrashIcon size={12} />
            Remove
          </button>
          <AboutToggle open={aboutOpen} onToggle={onToggleAbout} />
        </div>
      </div>

      {test && test.status !== "pending" && (
        <div className="result-box" data-status={test.status} data-testid="details-test-result">
          {test.text}
        </div>
      )}
    </section>
  );
}

/** Everything about a saved connection (shown under its header on demand). */
export function ConnectionAbout({ connection: c }: { connection: SavedConnection }) {
  const f = c.fields;
  return (
    <div className="card" data-testid="server-about">
      <h3>Connection</h3>
      <dl className="detail-grid">
        <DetailRow label="Host">
          <span className="mono">{f.host}</span>
        </DetailRow>
        <DetailRow label="Port">
          <span className="mono">{f.port}</span>
        </DetailRow>
        <DetailRow label="User">{f.user ? <span className="mono">{f.user}</span> : <span className="muted">default</span>}</DetailRow>
        <DetailRow label="Database">
          {f.database ? <span className="mono">{f.database}</span> : <span className="muted">default</span>}
        </DetailRow>
        <DetailRow label="Password">
          {c.has_password ? (
            <span className="keychain-text">
              <KeyIcon size={12} /> password in keychain
            </span>
          ) : (
            <span className="muted">none stored</span>
          )}
        </DetailRow>
        <DetailRow label="SSL mode">
          <span className="mono">{f.sslmode}</span>
        </DetailRow>
        {f.sslrootcert && (
          <DetailRow label="CA file" copy={f.sslrootcert}>
            <span className="mono path">{f.sslrootcert}</span>
          </DetailRow>
        )}
        <DetailRow label="Added">{formatDate(c.created_at)}</DetailRow>
      </dl>
    </div>
  );
}
