import { useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { commands } from "../api";
import type { ConnectionDraft } from "../bindings/ConnectionDraft";
import type { ParsedUri } from "../bindings/ParsedUri";
import type { SavedConnection } from "../bindings/SavedConnection";
import type { SslMode } from "../bindings/SslMode";
import { formatError } from "../errors";
import { formatTestSuccess } from "../format";
import { Modal } from "./Modal";

export const SSL_MODES: SslMode[] = ["disable", "prefer", "require", "verify-ca", "verify-full"];
export const DEFAULT_PORT = 5432;
export const NO_ENV_MESSAGE = "No DATABASE_URL or PG* variables found";

export interface ConnectionForm {
  name: string;
  uri: string;
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
  sslmode: SslMode;
  sslrootcert: string;
}

export type FormErrors = Partial<Record<"name" | "host" | "port", string>>;

export function initialForm(editing: SavedConnection | null): ConnectionForm {
  if (!editing) {
    return {
      name: "",
      uri: "",
      host: "",
      port: "",
      user: "",
      password: "",
      database: "",
      sslmode: "prefer",
      sslrootcert: "",
    };
  }
  const f = editing.fields;
  return {
    name: editing.name,
    uri: "",
    host: f.host,
    port: String(f.port),
    user: f.user,
    password: "",
    database: f.database,
    sslmode: f.sslmode,
    sslrootcert: f.sslrootcert ?? "",
  };
}

const needsCa = (mode: SslMode) => mode === "verify-ca" || mode === "verify-full";

/** Port as a number (empty => default 5432), or null if invalid. */
export function parsePort(value: string): number | null {
  const v = value.trim();
  if (v === "") return DEFAULT_PORT;
  if (!/^\d+$/.test(v)) return null;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : null;
}

/** Client-side checks. The name is only required for saving, not for testing. */
export function validateForm(form: ConnectionForm, forSave: boolean): FormErrors {
  const errors: FormErrors = {};
  if (forSave && form.name.trim() === "") errors.name = "Name is required.";
  if (form.host.trim() === "") errors.host = "Host is required.";
  if (parsePort(form.port) === null) errors.port = "Port must be a number between 1 and 65535.";
  return errors;
}

export function formToDraft(form: ConnectionForm): ConnectionDraft {
  const caPath = form.sslrootcert.trim();
  return {
    name: form.name.trim(),
    fields: {
      host: form.host.trim(),
      port: parsePort(form.port) ?? DEFAULT_PORT,
      user: form.user.trim(),
      database: form.database.trim(),
      sslmode: form.sslmode,
      sslrootcert: needsCa(form.sslmode) && caPath !== "" ? caPath : null,
    },
    // Empty => null: "no password" for a new connection, "keep the stored one" when editing.
    password: form.password === "" ? null : form.password,
  };
}

type Busy = null | "parse" | "import" | "test" | "save";
type Message = { status: "ok" | "error" | "info"; text: string };

interface Props {
  /** The connection being edited, or null to add a new one. */
  editing: SavedConnection | null;
  onClose: () => void;
  onSaved: (saved: SavedConnection) => void;
}

export function ConnectionDialog({ editing, onClose, onSaved }: Props) {
  const [form, setForm] = useState<ConnectionForm>(() => initialForm(editing));
  const [showErrors, setShowErrors] = useState<null | "test" | "save">(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [sourceMessage, setSourceMessage] = useState<Message | null>(null);
  const [testResult, setTestResult] = useState<{ status: "ok" | "error"; text: string } | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  const errors = showErrors ? validateForm(form, showErrors === "save") : {};

  const set = <K extends keyof ConnectionForm>(key: K, value: ConnectionForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const applyParsed = (p: ParsedUri) =>
    setForm((f) => ({
      ...f,
      host: p.fields.host,
      port: String(p.fields.port),
      user: p.fields.user,
      database: p.fields.database,
      sslmode: p.fields.sslmode,
      sslrootcert: p.fields.sslrootcert ?? "",
      password: p.password ?? f.password,
    }));

  const parseUri = async () => {
    const uri = form.uri.trim();
    if (uri === "") {
      setSourceMessage({ status: "error", text: "Paste a connection URI first, e.g. postgresql://user@host:5432/db" });
      return;
    }
    setBusy("parse");
    try {
      applyParsed(await commands.parseConnectionUri(uri));
      setSourceMessage({ status: "ok", text: "Fields filled from the URI." });
    } catch (e) {
      setSourceMessage({ status: "error", text: formatError(e) });
    } finally {
      setBusy(null);
    }
  };

  const importEnv = async () => {
    setBusy("import");
    try {
      const parsed = await commands.importEnvConnection();
      if (parsed === null) {
        setSourceMessage({ status: "info", text: NO_ENV_MESSAGE });
      } else {
        applyParsed(parsed);
        setSourceMessage({ status: "ok", text: "Fields filled from the environment." });
      }
    } catch (e) {
      setSourceMessage({ status: "error", text: formatError(e) });
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    setShowErrors((s) => s ?? "test");
    if (Object.keys(validateForm(form, false)).length > 0) return;
    setBusy("test");
    setTestResult(null);
    try {
      const r = await commands.testConnection(formToDraft(form), editing?.id ?? null);
      setTestResult({ status: "ok", text: formatTestSuccess(r) });
    } catch (e) {
      setTestResult({ status: "error", text: formatError(e) });
    } finally {
      setBusy(null);
    }
  };

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    if (busy) return;
    setShowErrors("save");
    setSaveError(null);
    if (Object.keys(validateForm(form, true)).length > 0) return;
    setBusy("save");
    try {
      const saved = await commands.saveConnection(editing?.id ?? null, formToDraft(form));
      setBusy(null);
      onSaved(saved);
    } catch (err) {
      setSaveError(formatError(err));
      setBusy(null);
    }
  };

  const onUriKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      void parseUri();
    }
  };

  return (
    <Modal
      id="connection-dialog"
      title={editing ? `Edit connection — ${editing.name}` : "Add connection"}
      onClose={onClose}
      initialFocus={nameRef}
      footer={
        <>
          <button
            type="button"
            className="button"
            id="conn-test"
            data-testid="conn-test"
            onClick={() => void test()}
            disabled={busy !== null}
          >
            {busy === "test" ? "Testing…" : "Test connection"}
          </button>
          <span className="spacer" />
          <button type="button" className="button" id="conn-cancel" data-testid="conn-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="connection-form"
            className="button primary"
            id="conn-save"
            data-testid="conn-save"
            disabled={busy !== null}
          >
            {busy === "save" ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form id="connection-form" className="form" onSubmit={(e) => void save(e)} noValidate>
        <Field label="Name" htmlFor="conn-name" error={errors.name}>
          <input
            ref={nameRef}
            id="conn-name"
            data-testid="conn-name"
            value={form.name}
            onChange={(e) => set("name", e.target.value)}
            placeholder="e.g. Staging"
            autoComplete="off"
            aria-invalid={errors.name ? true : undefined}
          />
        </Field>

        <div className="form-section">
          <Field label="Connection URI" htmlFor="conn-uri">
            <div className="input-with-button">
              <input
                id="conn-uri"
                data-testid="conn-uri"
                className="mono"
                value={form.uri}
                onChange={(e) => set("uri", e.target.value)}
                onKeyDown={onUriKey}
                placeholder="postgresql://user:password@host:5432/database?sslmode=require"
                autoComplete="off"
                spellCheck={false}
              />
              <button
                type="button"
                className="button"
                id="conn-parse"
                data-testid="conn-parse"
                onClick={() => void parseUri()}
                disabled={busy !== null}
              >
                {busy === "parse" ? "Parsing…" : "Parse"}
              </button>
            </div>
          </Field>
          <div className="form-row-inline">
            <button
              type="button"
              className="button link"
              id="conn-import-env"
              data-testid="conn-import-env"
              onClick={() => void importEnv()}
              disabled={busy !== null}
            >
              {busy === "import" ? "Importing…" : "Import from environment"}
            </button>
            <span className="muted small">DATABASE_URL, PG* variables or ~/.pgpass</span>
          </div>
          {sourceMessage && (
            <div className="inline-result" data-testid="conn-source-message" data-status={sourceMessage.status}>
              {sourceMessage.text}
            </div>
          )}
        </div>

        <div className="form-grid">
          <Field label="Host" htmlFor="conn-host" error={errors.host} className="span-3">
            <input
              id="conn-host"
              data-testid="conn-host"
              value={form.host}
              onChange={(e) => set("host", e.target.value)}
              placeholder="localhost"
              autoComplete="off"
              spellCheck={false}
              aria-invalid={errors.host ? true : undefined}
            />
          </Field>
          <Field label="Port" htmlFor="conn-port" error={errors.port} className="span-1">
            <input
              id="conn-port"
              data-testid="conn-port"
              value={form.port}
              onChange={(e) => set("port", e.target.value)}
              placeholder={String(DEFAULT_PORT)}
              inputMode="numeric"
              autoComplete="off"
              aria-invalid={errors.port ? true : undefined}
            />
          </Field>
          <Field label="User" htmlFor="conn-user" className="span-2">
            <input
              id="conn-user"
              data-testid="conn-user"
              value={form.user}
              onChange={(e) => set("user", e.target.value)}
              placeholder="postgres"
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <Field label="Password" htmlFor="conn-password" className="span-2">
            <input
              id="conn-password"
              data-testid="conn-password"
              type="password"
              value={form.password}
              onChange={(e) => set("password", e.target.value)}
              placeholder={editing?.has_password ? "unchanged (stored in keychain)" : editing ? "no password stored" : ""}
              autoComplete="new-password"
            />
          </Field>
          <Field label="Database" htmlFor="conn-database" className="span-2">
            <input
              id="conn-database"
              data-testid="conn-database"
              value={form.database}
              onChange={(e) => set("database", e.target.value)}
              placeholder="postgres"
              autoComplete="off"
              spellCheck={false}
            />
          </Field>
          <Field label="SSL mode" htmlFor="conn-sslmode" className="span-2">
            <select
              id="conn-sslmode"
              data-testid="conn-sslmode"
              value={form.sslmode}
              onChange={(e) => set("sslmode", e.target.value as SslMode)}
            >
              {SSL_MODES.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </Field>
          {needsCa(form.sslmode) && (
            <Field label="CA file path" htmlFor="conn-sslrootcert" className="span-4">
              <input
                id="conn-sslrootcert"
                data-testid="conn-sslrootcert"
                className="mono"
                value={form.sslrootcert}
                onChange={(e) => set("sslrootcert", e.target.value)}
                placeholder="/path/to/root.crt (empty = system certificates)"
                autoComplete="off"
                spellCheck={false}
              />
            </Field>
          )}
        </div>

        {testResult && (
          <div
            className="result-box"
            id="conn-test-result"
            data-testid="conn-test-result"
            data-status={testResult.status}
            role="status"
          >
            {testResult.text}
          </div>
        )}
        {saveError && (
          <div className="result-box" data-testid="conn-save-error" data-status="error" role="alert">
            Could not save: {saveError}
          </div>
        )}
      </form>
    </Modal>
  );
}

function Field({
  label,
  htmlFor,
  error,
  className,
  children,
}: {
  label: string;
  htmlFor: string;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <div className={`field ${className ?? ""}${error ? " has-error" : ""}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error && (
        <div className="field-error" data-testid={`${htmlFor}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}
