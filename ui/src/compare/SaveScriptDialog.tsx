import { useEffect, useRef, useState, type FormEvent } from "react";
import { commands } from "../api";
import { FormField } from "../components/branches/FormField";
import { Modal } from "../components/Modal";
import { formatError } from "../errors";
import { migrationPath, pathProblem } from "./diffModel";

interface Props {
  /** The whole script to write. */
  script: string;
  from: string;
  to: string;
  onClose: () => void;
}

type Result = { status: "ok"; path: string } | { status: "error"; text: string };

/** Asks where to write the migration script (prefilled in the Downloads folder) and writes it. */
export function SaveScriptDialog({ script, from, to, onClose }: Props) {
  const input = useRef<HTMLInputElement>(null);
  const [path, setPath] = useState("");
  const [suggesting, setSuggesting] = useState(true);
  const [suggestError, setSuggestError] = useState<string | null>(null);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<Result | null>(null);

  useEffect(() => {
    let stale = false;
    commands
      .defaultExportPath("csv")
      .then((p) => {
        if (!stale) setPath((typed) => (typed === "" ? migrationPath(p, from, to) : typed));
      })
      .catch((e) => {
        if (!stale) setSuggestError(formatError(e));
      })
      .finally(() => {
        if (stale) return;
        setSuggesting(false);
        // Focus the name part, ready to edit.
        requestAnimationFrame(() => {
          const el = input.current;
          if (!el) return;
          el.focus();
          const cut = Math.max(el.value.lastIndexOf("/"), el.value.lastIndexOf("\\")) + 1;
          const dot = el.value.lastIndexOf(".");
          el.setSelectionRange(cut, dot > cut ? dot : el.value.length);
        });
      });
    return () => {
      stale = true;
    };
  }, [from, to]);

  const problem = pathProblem(path);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problem || saving) return;
    setSaving(true);
    setResult(null);
    const target = path.trim();
    try {
      await commands.saveTextFile(target, script);
      setResult({ status: "ok", path: target });
    } catch (err) {
      setResult({ status: "error", text: formatError(err) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      id="migration-save-dialog"
      title="Save migration script"
      onClose={onClose}
      initialFocus={input}
      dismissible={!saving}
      footer={
        <>
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose} disabled={saving}>
            {result?.status === "ok" ? "Done" : "Cancel"}
          </button>
          <button
            type="submit"
            form="migration-save-form"
            className="button primary"
            id="migration-save-submit"
            data-testid="migration-save-submit"
            disabled={saving || suggesting}
          >
            {saving ? "Saving…" : result?.status === "ok" ? "Save again" : "Save"}
          </button>
        </>
      }
    >
      <form id="migration-save-form" className="form" onSubmit={(e) => void submit(e)} noValidate>
        <p className="dialog-intro">
          The migration that turns <strong>{from}</strong> into <strong>{to}</strong>, with its hazards as{" "}
          <code className="mono">-- hazard:</code> comments.
        </p>
        <FormField
          label="File"
          htmlFor="migration-save-path"
          error={touched ? problem : null}
          help={suggestError ? `Could not suggest a path: ${suggestError}` : "An existing file at this path is replaced."}
        >
          <input
            ref={input}
            id="migration-save-path"
            data-testid="migration-save-path"
            className="mono"
            value={path}
            placeholder={suggesting ? "Finding your Downloads folder…" : "/path/to/migration.sql"}
            spellCheck={false}
            autoComplete="off"
            disabled={saving}
            onChange={(e) => {
              setPath(e.target.value);
              if (result) setResult(null);
            }}
          />
        </FormField>
        {result && (
          <div
            className="inline-result"
            data-status={result.status}
            data-testid="migration-save-result"
            id="migration-save-result"
            role={result.status === "error" ? "alert" : "status"}
          >
            {result.status === "ok" ? `Saved to ${result.path}` : `Could not save: ${result.text}`}
          </div>
        )}
      </form>
    </Modal>
  );
}
