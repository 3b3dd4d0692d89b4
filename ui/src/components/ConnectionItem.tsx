import type { MouseEvent } from "react";
import type { SavedConnection } from "../bindings/SavedConnection";
import { connectionSummary } from "../format";
import type { TestState } from "../types";
import { DatabaseIcon, EditIcon, KeyIcon, PlugIcon, TrashIcon } from "./Icons";

interface Props {
  connection: SavedConnection;
  selected: boolean;
  test: TestState | undefined;
  onSelect: () => void;
  onTest: () => void;
  onEdit: () => void;
  onRemove: () => void;
}

export function ConnectionItem({ connection, selected, test, onSelect, onTest, onEdit, onRemove }: Props) {
  const c = connection;
  const act = (fn: () => void) => (e: MouseEvent) => {
    e.stopPropagation();
    fn();
  };
  return (
    <li
      data-testid="connection-item"
      data-name={c.name}
      data-id={c.id}
      className={`server-item${selected ? " selected" : ""}`}
      aria-current={selected ? "true" : undefined}
      onClick={onSelect}
    >
      <button type="button" className="item-select" onClick={act(onSelect)}>
        <span className="item-title">
          <DatabaseIcon className="item-icon" />
          <span className="item-name">{c.name}</span>
          {c.has_password && (
            <span
              className="keychain-marker"
              data-testid="connection-has-password"
              title="Password stored in the system keychain"
            >
              <KeyIcon size={12} />
              <span className="sr-only">password in keychain</span>
            </span>
          )}
        </span>
        <span className="item-meta mono" title={connectionSummary(c.fields)}>
          {connectionSummary(c.fields)}
        </span>
      </button>
      <div className="item-row">
        <button
          type="button"
          className="button small"
          data-testid="connection-test"
          onClick={act(onTest)}
          disabled={test?.status === "pending"}
        >
          <PlugIcon size={11} />
          {test?.status === "pending" ? "Testing…" : "Test"}
        </button>
        <button type="button" className="button small" data-testid="connection-edit" onClick={act(onEdit)}>
          <EditIcon size={11} />
          Edit
        </button>
        <button
          type="button"
          className="button small danger-text"
          data-testid="connection-remove"
          onClick={act(onRemove)}
        >
          <TrashIcon size={11} />
          Remove
        </button>
      </div>
      {test && test.status !== "pending" && (
        <div className="inline-result" data-testid="connection-test-result" data-status={test.status}>
          {test.text}
        </div>
      )}
    </li>
  );
}
