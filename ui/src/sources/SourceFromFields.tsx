import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { commands } from "../api";
import type { SavedConnection } from "../bindings/SavedConnection";
import { FormField } from "../components/branches/FormField";
import { formatError } from "../errors";
import { connectionSummary, formatTestSuccess } from "../format";
import { queryKeys } from "../queries/keys";

export type FromKind = "connection" | "url";

export interface FromState {
  kind: FromKind;
  /** The saved connection's id. */
  connectionId: string;
  url: string;
  database: string;
}

export const EMPTY_FROM: FromState = { kind: "connection", connectionId: "", url: "", database: "" };

/** A URL with a password in it: `postgres://user:secret@host/db`. */
export function urlHasPassword(url: string): boolean {
  return /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/i.test(url.trim());
}

/** What `--from` gets: the saved connection's name or the URL; null until one is chosen. */
export function fromValue(f: FromState, conns: readonly SavedConnection[]): string | null {
  if (f.kind === "url") return f.url.trim() || null;
  return conns.find((c) => c.id === f.connectionId)?.name ?? null;
}

export function fromError(f: FromState, conns: readonly SavedConnection[]): string | null {
  if (f.kind === "url") {
    if (!f.url.trim()) return "Enter the source's URL";
    if (urlHasPassword(f.url)) return "Leave the password out of the URL: save the server as a connection instead";
    return null;
  }
  return fromValue(f, conns) ? null : "Choose a saved connection";
}

const NONE: SavedConnection[] = [];

async function testUrl(url: string, database: string) {
  const parsed = await commands.parseConnectionUri(url);
  const fields = { ...parsed.fields, database: database || parsed.fields.database };
  return commands.testConnection({ name: "source", fields, password: null }, null);
}

/** Where the source is: a saved connection or a URL, its database, and Test connection. */
export function SourceFromFields({
  value,
  onChange,
  showErrors,
}: {
  value: FromState;
  onChange: (v: FromState) => void;
  showErrors: boolean;
}) {
  const conns = useQuery({ queryKey: queryKeys.connections, queryFn: () => commands.listConnections() });
  const list = conns.data ?? NONE;
  const chosen = list.find((c) => c.id === value.connectionId);
  const [test, setTest] = useState<{ ok: boolean; text: string } | null>(null);
  const [testing, setTesting] = useState(false);
  const set = (patch: Partial<FromState>) => {
    setTest(null);
    onChange({ ...value, ...patch });
  };
  const error = showErrors ? fromError(value, list) : null;

  const runTest = async () => {
    setTesting(true);
    setTest(null);
    try {
      const db = value.database.trim();
      const r =
        value.kind === "connection" && chosen
          ? await commands.testConnection(
              { name: chosen.name, fields: { ...chosen.fields, database: db || chosen.fields.database }, password: null },
              chosen.id,
            )
          : await testUrl(value.url.trim(), db);
      setTest({ ok: true, text: formatTestSuccess(r) });
    } catch (e) {
      setTest({ ok: false, text: formatError(e) });
    } finally {
      setTesting(false);
    }
  };

  return (
    <>
      <FormField label="Copy from" htmlFor="source-kind">
        <select
          id="source-kind"
          data-testid="source-kind"
          value={value.kind}
          onChange={(e) => set({ kind: e.target.value as FromKind })}
        >
          <option value="connection">A saved connection</option>
          <option value="url">A URL</option>
        </select>
      </FormField>
      {value.kind === "connection" ? (
        <FormField
          label="Connection"
          htmlFor="source-connection"
          error={error ?? (conns.isError ? formatError(conns.error) : null)}
          help={chosen ? connectionSummary(chosen.fields) : "Its password stays in the OS keychain."}
        >
          <select
            id="source-connection"
            data-testid="source-connection"
            value={value.connectionId}
            onChange={(e) => set({ connectionId: e.target.value })}
          >
            <option value="">{conns.isPending ? "Loading…" : list.length ? "Choose…" : "No saved connections"}</option>
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </FormField>
      ) : (
        <FormField
          label="URL"
          htmlFor="source-url"
          error={error}
          help="Without a password: a server that needs one goes into a saved connection (its password is kept in the OS keychain), or into ~/.pgpass."
        >
          <input
            id="source-url"
            data-testid="source-url"
            value={value.url}
            onChange={(e) => set({ url: e.target.value })}
            placeholder="postgresql://user@host:5432/db?sslmode=verify-full"
            autoComplete="off"
            spellCheck={false}
          />
        </FormField>
      )}
      <FormField label="Database (optional)" htmlFor="source-database" help="Leave empty for the connection's or the URL's.">
        <div className="input-with-button">
          <input
            id="source-database"
            data-testid="source-database"
            value={value.database}
            onChange={(e) => set({ database: e.target.value })}
            placeholder={chosen?.fields.database || "same as the connection"}
            autoComplete="off"
            spellCheck={false}
          />
          <button
            type="button"
            className="button"
            id="source-test"
            data-testid="source-test"
            disabled={testing || fromError(value, list) !== null}
            onClick={() => void runTest()}
          >
            {testing ? "Testing…" : "Test connection"}
          </button>
        </div>
      </FormField>
      {test && (
        <div className="inline-result" data-status={test.ok ? "ok" : "error"} data-testid="source-test-result" role="status">
          {test.text}
        </div>
      )}
    </>
  );
}
