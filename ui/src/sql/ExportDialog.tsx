// Export a result: the statement runs again on a connection of its own and the server streams
// every row (not just those the grid kept) into a CSV, JSON or NDJSON file.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { commands, onOpProgress, type UnlistenFn } from "../api";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportSummary } from "../bindings/ExportSummary";
import { formatBytes } from "../branches";
import { FormField } from "../components/branches/FormField";
import { Modal } from "../components/Modal";
import { formatError, isApiError } from "../errors";
import { firstKeyword } from "./explain";
import { newId } from "./editorModel";
import { formatCount, formatDuration } from "./values";

interface Props {
  server: string | null;
  branch: string;
  /** The statement whose result is exported. */
  sql: string;
  /** Rows the grid holds, for the dialog's explanation. */
  shownRows: number;
  truncated: boolean;
  onClose: () => void;
}

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: "csv", label: "CSV (with a header row)" },
  { value: "json", label: "JSON (an array of objects)" },
  { value: "ndjson", label: "NDJSON (one object per line)" },
];

const READS = new Set(["select", "with", "values", "table", "show", "explain"]);
const EXT = /\.(csv|json|ndjson)$/i;

type Phase =
  | { kind: "form" }
  | { kind: "running"; opId: string; detail: string | null; cancelling: boolean }
  | { kind: "done"; summary: ExportSummary }
  | { kind: "error"; message: string; cancelled: boolean };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function ExportDialog({ server, branch, sql, shownRows, truncated, onClose }: Props) {
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [path, setPath] = useState("");
  const [pathError, setPathError] = useState<string | null>(null);
  const edited = useRef(false);
  const [phase, setPhaseState] = useState<Phase>({ kind: "form" });
  // What async callbacks (progress, the cancel loop) read: always the latest phase.
  const phaseRef = useRef(phase);
  const setPhase = (p: Phase) => {
    phaseRef.current = p;
    setPhaseState(p);
  };
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // The default path follows the format until the user types their own (then only its extension does).
  useEffect(() => {
    if (edited.current) {
      setPath((p) => (EXT.test(p) ? p.replace(EXT, `.${format}`) : p));
      return;
    }
    let stale = false;
    commands
      .defaultExportPath(format)
      .then((p) => {
        if (!stale && !edited.current) setPath(p);
      })
      .catch((e) => {
        if (!stale) setPathError(`No default location: ${formatError(e)}`);
      });
    return () => {
      stale = true;
    };
  }, [format]);

  const writes = !READS.has(firstKeyword(sql));
  const running = phase.kind === "running";

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (running) return;
    if (!path.trim()) {
      setPathError("Enter the path of the file to write.");
      return;
    }
    setPathError(null);
    const opId = newId();
    setPhase({ kind: "running", opId, detail: null, cancelling: false });
    let unlisten: UnlistenFn | undefined;
    try {
      unlisten = await onOpProgress((p) => {
        const cur = phaseRef.current;
        if (p.op_id !== opId || cur.kind !== "running" || cur.opId !== opId) return;
        setPhase({ ...cur, detail: p.progress.detail ?? p.progress.phase });
      });
    } catch {
      // Not inside Tauri: no progress.
    }
    try {
      const summary = await commands.sqlExport(server, branch, sql, format, path.trim(), opId);
      if (alive.current) setPhase({ kind: "done", summary });
    } catch (err) {
      const cancelled = isApiError(err) && err.code === "cancelled";
      if (alive.current) {
        setPhase({ kind: "error", cancelled, message: cancelled ? "Export cancelled: no file was written." : formatError(err) });
      }
    } finally {
      unlisten?.();
    }
  };

  const cancel = async () => {
    const cur = phaseRef.current;
    if (cur.kind !== "running" || cur.cancelling) return;
    setPhase({ ...cur, cancelling: true });
    // The backend registers the operation when the command starts: retry a cancel that came first.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        if (await commands.cancelOperation(cur.opId)) return;
      } catch {
        return;
      }
      await sleep(300);
      const now = phaseRef.current;
      if (now.kind !== "running" || now.opId !== cur.opId) return;
    }
  };

  const copyPath = (p: string) => {
    navigator.clipboard.writeText(p).catch(() => {
      // Nothing to do: the path is on screen.
    });
  };

  return (
    <Modal
      id="export-dialog"
      title="Export result"
      onClose={onClose}
      dismissible={!running}
      footer={
        phase.kind === "done" ? (
          <button type="button" className="button primary" data-testid="export-close" onClick={onClose}>
            Done
          </button>
        ) : running ? (
          <button
            type="button"
            className="button"
            data-testid="export-cancel"
            id="export-cancel"
            onClick={() => void cancel()}
            disabled={phase.cancelling}
          >
            {phase.cancelling ? "Cancelling…" : "Cancel export"}
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="submit"
              form="export-form"
              className="button primary"
              id="export-submit"
              data-testid="export-submit"
              disabled={!path.trim()}
            >
              {phase.kind === "error" ? "Try again" : "Export"}
            </button>
          </>
        )
      }
    >
      <form id="export-form" className="form" onSubmit={(e) => void submit(e)}>
        <p className="dialog-intro">
          The statement runs again on a separate connection and every row is written to the file
          {truncated ? `, not only the ${formatCount(shownRows)} the grid shows` : ""}.
        </p>
        <pre className="export-sql mono" data-testid="export-sql">
          {sql.length > 600 ? `${sql.slice(0, 600)}…` : sql}
        </pre>
        {writes && (
          <div className="result-box notice-warn" data-testid="export-writes">
            This is not a plain query: exporting runs it again, so any change it makes happens a second time.
          </div>
        )}
        <FormField label="Format" htmlFor="export-format">
          <select
            id="export-format"
            data-testid="export-format"
            value={format}
            disabled={running}
            onChange={(e) => setFormat(e.target.value as ExportFormat)}
          >
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="File" htmlFor="export-path" error={pathError} help="An existing file is replaced once the export completes.">
          <input
            id="export-path"
            data-testid="export-path"
            className="mono"
            value={path}
            disabled={running}
            spellCheck={false}
            autoComplete="off"
            onChange={(e) => {
              edited.current = true;
              setPath(e.target.value);
            }}
          />
        </FormField>
      </form>

      {running && (
        <div className="op-progress" data-testid="export-progress" role="status" aria-live="polite">
          <div className="op-progress-head">
            <span className="spinner" aria-hidden="true" />
            <div className="op-progress-text">
              <div className="op-progress-label">Exporting…</div>
              <div className="op-progress-phase">{phase.cancelling ? "Cancelling…" : phase.detail ?? "Running the query"}</div>
            </div>
          </div>
          <div className="progress-track" aria-hidden="true">
            <div className="progress-bar indeterminate" />
          </div>
        </div>
      )}
      {phase.kind === "done" && (
        <div className="result-box" data-status="ok" data-testid="export-result" id="export-result" role="status">
          <div>
            Exported {formatCount(phase.summary.rows)} {phase.summary.rows === 1 ? "row" : "rows"} (
            {formatBytes(phase.summary.bytes)}) in {formatDuration(phase.summary.duration_ms)} to
          </div>
          <div className="export-path-row">
            <code className="mono" data-testid="export-result-path">
              {phase.summary.path}
            </code>
            <button type="button" className="button tiny" onClick={() => copyPath(phase.summary.path)}>
              Copy path
            </button>
          </div>
        </div>
      )}
      {phase.kind === "error" && (
        <div
          className="result-box"
          data-status="error"
          data-testid="export-result"
          id="export-result"
          data-cancelled={phase.cancelled ? "true" : undefined}
          role="alert"
        >
          {phase.message}
        </div>
      )}
    </Modal>
  );
}
