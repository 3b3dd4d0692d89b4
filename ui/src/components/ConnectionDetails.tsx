import type { SavedConnection } from "../bindings/SavedConnection";
import { connectionSummary, formatDate } from "../format";
import type { TestState } from "../types";
import { DetailRow } from "./DetailRow";
import { DatabaseIcon, EditIcon, KeyIcon, PlugIcon, TrashIcon } from "./Icons";

interface Props {
  connection: SavedConnection;
  test: TestState | undefined;
  onTest: () => void;
  onEdit: () => void;
  onRemove: () => void;
}

export function ConnectionDetails({ connection: c, test, onTest, onEdit, onRemove }: Props) {
  const f = c.fields;
  const status = test?.status;
  return (
    <section className="details" data-testid="connection-details" data-name={c.name}>
      <header className="details-header">
        <div className="details-title">
          <DatabaseIcon size={22} />
          <div>
            <h1>{c.name}</h1>
            <div className="subtitle mono">{connectionSummary(f)}</div>
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
        </div>
      </header>

      {test && test.status !== "pending" && (
        <div className="result-box" data-status={test.status} data-testid="details-test-result">
          {test.text}
        </div>
      )}

      <div className="card">
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
    </section>
  );
}
