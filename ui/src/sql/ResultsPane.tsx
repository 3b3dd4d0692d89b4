// The results of a tab's last run: the error (if any), one tab per statement, the messages and,
// for EXPLAIN, the plan; a status bar with the row count and times.
import { useCallback, useEffect, useRef, useState, type RefObject } from "react";
import type { ColumnInfo } from "../bindings/ColumnInfo";
import { CopyIcon, WarnIcon } from "../components/Icons";
import { Modal } from "../components/Modal";
import { ExportDialog } from "./ExportDialog";
import { parsePlan } from "./explain";
import { PlanTree } from "./PlanTree";
import { modKey, ResultGrid, type GridHandle } from "./ResultGrid";
import { lineColumn } from "./splitter";
import { keys, type EditorTab, type ResultKey, type RunMessage, type RunState, type StatementResult } from "./editorModel";
import { rowsStatus } from "./rowPages";
import { isWrappableQuery } from "./sortSql";
import { sqlStore, useStoreVersion } from "./store";
import { formatCount, formatDuration, isJsonColumn } from "./values";

/** The rows on screen in the grid of statement `index`: [from, to) of `total`. */
interface ShownRange {
  index: number;
  from: number;
  to: number;
  total: number;
}

interface Props {
  tab: EditorTab;
  server: string | null;
  branch: string;
  /** Moves the editor's cursor to an offset and focuses it. */
  onReveal: (pos: number) => void;
}

function statementLabel(st: StatementResult, n: number, many: boolean): string {
  const base =
    st.status === "running" ? "Running…" : st.status === "error" ? "Error" : st.status === "stopped" ? "Stopped" : st.columns ? "Result" : st.tag ?? "Done";
  return many ? `${n} · ${base}` : base;
}

/** A user's own EXPLAIN (FORMAT JSON): one json value named "QUERY PLAN". */
function userPlanText(st: StatementResult): string | null {
  const c = st.columns;
  if (!c || c.length !== 1 || c[0].name !== "QUERY PLAN" || !isJsonColumn(c[0]) || st.rows.length !== 1) return null;
  return st.rows[0][0];
}

export function ResultsPane({ tab, server, branch, onReveal }: Props) {
  useStoreVersion(keys.tab(tab.id));
  const run = tab.run;
  if (!run) {
    return (
      <div className="sql-results empty" data-testid="sql-results" id="sql-results">
        <div className="results-hint muted">
          <p>Run a statement to see its result here.</p>
          <p className="small">
            <kbd>{modKey()}Enter</kbd> runs the statement at the cursor (or the selection), <kbd>Shift+{modKey()}Enter</kbd> the
            whole script.
          </p>
        </div>
      </div>
    );
  }
  return <RunResults tab={tab} run={run} server={server} branch={branch} onReveal={onReveal} />;
}

function RunResults({ tab, run, server, branch, onReveal }: Props & { run: RunState }) {
  const visible = run.statements.filter((s) => !s.hidden);
  const many = visible.length > 1;
  const active: ResultKey = tab.active;
  const activeSt = active.startsWith("stmt:") ? run.statements.find((s) => `stmt:${s.index}` === active) ?? null : null;
  const isExplain = run.planIndex !== null;
  const pick = (k: ResultKey) => sqlStore.setActive(tab, k);
  const problems = run.messages.filter((m) => m.kind === "error" || (m.kind === "notice" && m.notice.severity === "WARNING")).length;
  useStoreVersion(keys.rows(tab.id, activeSt?.index ?? -1));

  // The result's tools sit in the tab row, to leave the rows as much height as possible.
  const grid = useRef<GridHandle>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [exporting, setExporting] = useState<StatementResult | null>(null);
  const [asGrid, setAsGrid] = useState(false);
  const [range, setRange] = useState<ShownRange | null>(null);
  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => setFlash(null), 2500);
    return () => clearTimeout(t);
  }, [flash]);
  const showsRows = !!activeSt?.columns;
  const planText = activeSt ? userPlanText(activeSt) : null;
  const showsPlan = !!planText && !asGrid;

  return (
    <div className="sql-results" data-testid="sql-results" id="sql-results" data-running={run.running ? "true" : "false"}>
      {run.error && <ErrorBox run={run} tab={tab} onReveal={onReveal} />}
      {run.note && !run.running && !run.error && (
        <div className="result-box sql-note" data-status="info" data-testid="sql-note">
          {run.note}
        </div>
      )}
      <div className="result-tabs-row">
        <nav className="result-tabs" role="tablist" aria-label="Results">
          {isExplain && (
            <button
              type="button"
              role="tab"
              aria-selected={active === "plan"}
              className={`result-tab${active === "plan" ? " active" : ""}`}
              data-testid="result-tab-plan"
              onClick={() => pick("plan")}
            >
              {run.running ? <span className="spinner small" /> : null}
              Plan
            </button>
          )}
          {!isExplain &&
            visible.map((st, i) => (
              <button
                key={st.index}
                type="button"
                role="tab"
                aria-selected={active === `stmt:${st.index}`}
                className={`result-tab${active === `stmt:${st.index}` ? " active" : ""}${st.status === "error" ? " error" : ""}`}
                data-testid="result-tab"
                data-index={st.index}
                data-status={st.status}
                title={st.sql.length > 300 ? `${st.sql.slice(0, 300)}…` : st.sql}
                onClick={() => pick(`stmt:${st.index}`)}
              >
                {st.status === "running" && <span className="spinner small" />}
                {statementLabel(st, i + 1, many)}
              </button>
            ))}
          <button
            type="button"
            role="tab"
            aria-selected={active === "messages"}
            className={`result-tab${active === "messages" ? " active" : ""}`}
            data-testid="result-tab-messages"
            onClick={() => pick("messages")}
          >
            Messages
            {run.messages.length > 0 && <span className={`count${problems ? " warn" : ""}`}>{run.messages.length}</span>}
          </button>
        </nav>
        {showsRows && activeSt && (
          <div className="result-tools" role="toolbar" aria-label="Result actions">
            {flash && (
              <span className="copy-flash small" role="status" data-testid="copy-flash">
                {flash}
              </span>
            )}
            {planText && (
              <span className="segmented">
                <button type="button" className={`button tiny${!asGrid ? " active" : ""}`} onClick={() => setAsGrid(false)}>
                  Plan
                </button>
                <button type="button" className={`button tiny${asGrid ? " active" : ""}`} onClick={() => setAsGrid(true)}>
                  Grid
                </button>
              </span>
            )}
            <button
              type="button"
              className="button tiny"
              data-testid="copy-csv"
              disabled={activeSt.rows.length === 0 || showsPlan}
              title="Copies the selected cells (or all rows) as CSV"
              onClick={() => void grid.current?.copy("csv")}
            >
              <CopyIcon size={10} /> CSV
            </button>
            <button
              type="button"
              className="button tiny"
              data-testid="copy-json"
              disabled={activeSt.rows.length === 0 || showsPlan}
              title="Copies the selected cells (or all rows) as JSON"
              onClick={() => void grid.current?.copy("json")}
            >
              <CopyIcon size={10} /> JSON
            </button>
            <button
              type="button"
              className="button tiny"
              id="sql-export"
              data-testid="sql-export"
              disabled={activeSt.status === "running"}
              title="Writes every row of this result to a file (CSV, JSON or NDJSON)"
              onClick={() => setExporting(activeSt)}
            >
              Export…
            </button>
          </div>
        )}
      </div>
      <div className="result-body">
        {active === "plan" && isExplain ? (
          run.plan ? (
            <div className="plan-scroll">
              <PlanTree plan={run.plan} />
            </div>
          ) : (
            <div className="results-hint muted">{run.running ? "Waiting for the plan…" : "No plan: see the messages."}</div>
          )
        ) : active === "messages" ? (
          <Messages run={run} />
        ) : activeSt ? (
          <StatementView
            key={`${run.id}:${activeSt.index}`}
            tab={tab}
            st={activeSt}
            grid={grid}
            plan={showsPlan ? planText : null}
            onCopied={setFlash}
            onExport={() => setExporting(activeSt)}
            onRange={setRange}
          />
        ) : (
          <div className="results-hint muted">{run.running ? "Running…" : "No result."}</div>
        )}
      </div>
      <StatusBar run={run} st={active === "messages" || active === "plan" ? null : activeSt} tab={tab} range={range} />
      {exporting && (
        <ExportDialog
          server={server}
          branch={branch}
          sql={exporting.sql}
          shownRows={Math.max(exporting.rows.length, exporting.rowsStored)}
          truncated={exporting.truncated}
          onClose={() => setExporting(null)}
        />
      )}
    </div>
  );
}

function ErrorBox({ run, tab, onReveal }: { run: RunState; tab: EditorTab; onReveal: (pos: number) => void }) {
  const err = run.error!;
  const e = err.error;
  const doc = sqlStore.docText(tab);
  const where = err.editorPos !== null ? lineColumn(doc, err.editorPos) : null;
  const cancelled = e.code === "cancelled" || e.sqlstate === "57014";
  return (
    <div
      className={`sql-error${cancelled ? " cancelled" : ""}`}
      id="sql-error"
      data-testid="sql-error"
      data-sqlstate={e.sqlstate ?? undefined}
      data-position={err.editorPos !== null ? err.editorPos + 1 : undefined}
      data-code={e.code}
      role="alert"
    >
      <div className="sql-error-head">
        <WarnIcon size={13} />
        <span className="sql-error-message" data-testid="sql-error-message">
          {e.message}
        </span>
        {e.sqlstate && (
          <span className="sql-error-state mono" title="SQLSTATE" data-testid="sql-error-sqlstate">
            SQLSTATE {e.sqlstate}
          </span>
        )}
      </div>
      {e.detail && (
        <div className="sql-error-line">
          <span className="label">Detail</span> {e.detail}
        </div>
      )}
      {e.hint && (
        <div className="sql-error-line">
          <span className="label">Hint</span> {e.hint}
        </div>
      )}
      {where && (
        <div className="sql-error-line" data-testid="sql-error-position">
          <span className="label">Position</span> line {where.line}, column {where.column}{" "}
          <button type="button" className="button link" onClick={() => onReveal(err.editorPos!)}>
            Show in editor
          </button>
        </div>
      )}
      {err.index !== null && run.statements.filter((s) => !s.hidden).length > 1 && (
        <div className="sql-error-line muted">
          In statement {run.statements.filter((s) => !s.hidden).findIndex((s) => s.index === err.index) + 1}; the statements after it were not run.
        </div>
      )}
    </div>
  );
}

function StatementView({
  tab,
  st,
  grid,
  plan,
  onCopied,
  onExport,
  onRange,
}: {
  tab: EditorTab;
  st: StatementResult;
  grid: RefObject<GridHandle | null>;
  /** The plan text to show as a tree instead of the grid (a user's EXPLAIN (FORMAT JSON)). */
  plan: string | null;
  onCopied: (what: string) => void;
  onExport: () => void;
  onRange: (r: ShownRange) => void;
}) {
  useStoreVersion(keys.rows(tab.id, st.index));
  const [value, setValue] = useState<{ column: ColumnInfo; value: string | null } | null>(null);
  const index = st.index;
  const reportRange = useCallback((from: number, to: number, total: number) => onRange({ index, from, to, total }), [onRange, index]);

  if (!st.columns) {
    return (
      <div className="statement-done" data-testid="statement-done">
        {st.status === "running" ? (
          <span className="muted">
            <span className="spinner small" /> Running…
          </span>
        ) : st.status === "error" ? (
          <span className="muted">The statement failed: see the error above.</span>
        ) : (
          <>
            <div className="statement-tag mono">{st.tag ?? "Done"}</div>
            <div className="muted">
              {st.rowsAffected !== null && `${formatCount(st.rowsAffected)} ${st.rowsAffected === 1 ? "row" : "rows"} affected · `}
              {st.durationMs !== null && formatDuration(st.durationMs)}
            </div>
          </>
        )}
      </div>
    );
  }

  const parsed = plan ? parsePlan(plan) : null;
  const total = st.rowsAffected;
  const shown = Math.max(st.rows.length, st.rowsStored);
  // A larger result sorts on the server when its statement is a query (run again sorted).
  const run = tab.run;
  const serverSort = run?.serverSort && run.statements.length === 1 ? run.serverSort : null;
  const canServerSort = !!st.pages && isWrappableQuery(st.sql);
  return (
    <div className="statement-view">
      {st.truncated && (
        <div className="truncated-note" data-testid="sql-truncated" role="note">
          <WarnIcon size={12} />
          <span>
            Showing the first {formatCount(shown)} rows
            {total !== null && total > shown ? ` of ${formatCount(total)}` : ""}: no more could be kept (see Messages).{" "}
            <button type="button" className="button link" onClick={onExport}>
              Export…
            </button>{" "}
            writes all of them.
          </span>
        </div>
      )}
      {parsed ? (
        <div className="plan-scroll">
          <PlanTree plan={parsed} />
        </div>
      ) : (
        <ResultGrid
          ref={grid}
          tabId={tab.id}
          st={st}
          onCopied={onCopied}
          onOpenValue={(column, v) => setValue({ column, value: v })}
          onServerSort={canServerSort ? (sort) => void sqlStore.sortOnServer(tab, st, sort) : null}
          serverSort={serverSort?.sort ?? null}
          onRange={reportRange}
        />
      )}
      {value && <ValueDialog column={value.column} value={value.value} onClose={() => setValue(null)} />}
    </div>
  );
}

function ValueDialog({ column, value, onClose }: { column: ColumnInfo; value: string | null; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  let shown = value ?? "";
  if (value !== null && isJsonColumn(column)) {
    try {
      shown = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      // Shown as is.
    }
  }
  return (
    <Modal
      id="value-dialog"
      title={`${column.name}${column.type_name ? ` · ${column.type_name}` : ""}`}
      onClose={onClose}
      footer={
        <>
          {value !== null && (
            <button
              type="button"
              className="button"
              onClick={() =>
                navigator.clipboard
                  .writeText(value)
                  .then(() => setCopied(true))
                  .catch(() => setCopied(false))
              }
            >
              <CopyIcon size={12} /> {copied ? "Copied" : "Copy"}
            </button>
          )}
          <button type="button" className="button primary" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      {value === null ? <p className="cell-null">NULL</p> : <pre className="value-view mono">{shown}</pre>}
      {value !== null && <p className="muted small">{formatCount(value.length)} characters</p>}
    </Modal>
  );
}

function Messages({ run }: { run: RunState }) {
  const visible = run.statements.filter((s) => !s.hidden);
  const number = (index: number | null) => {
    if (index === null || visible.length < 2) return null;
    const i = visible.findIndex((s) => s.index === index);
    return i >= 0 ? i + 1 : null;
  };
  const time = (at: number) => new Date(at).toLocaleTimeString(undefined, { hour12: false });
  return (
    <div className="messages" data-testid="sql-messages">
      {run.messages.length === 0 && <p className="muted">{run.running ? "Running…" : "No messages."}</p>}
      {run.messages.map((m, i) => (
        <MessageLine key={i} m={m} n={"index" in m ? number(m.index) : null} time={time(m.at)} />
      ))}
      {!run.running && run.finished && run.endedAt !== null && (
        <div className="message muted">
          <span className="message-time mono">{time(run.endedAt)}</span>
          <span>Finished in {formatDuration(run.finished.duration_ms)}.</span>
        </div>
      )}
    </div>
  );
}

function MessageLine({ m, n, time }: { m: RunMessage; n: number | null; time: string }) {
  const prefix = n !== null ? `[${n}] ` : "";
  switch (m.kind) {
    case "notice":
      return (
        <div className={`message notice sev-${m.notice.severity.toLowerCase()}`} data-testid="sql-notice">
          <span className="message-time mono">{time}</span>
          <span>
            {prefix}
            <strong>{m.notice.severity}</strong> {m.notice.message}
            {m.notice.detail && <span className="message-extra">Detail: {m.notice.detail}</span>}
            {m.notice.hint && <span className="message-extra">Hint: {m.notice.hint}</span>}
          </span>
        </div>
      );
    case "done":
      return (
        <div className="message done">
          <span className="message-time mono">{time}</span>
          <span>
            {prefix}
            <span className="mono">{m.tag}</span>
            {m.rows !== null && ` · ${formatCount(m.rows)} ${m.rows === 1 ? "row" : "rows"}`}
            {` · ${formatDuration(m.durationMs)}`}
            {m.truncated && " · truncated in the grid"}
          </span>
        </div>
      );
    case "error":
      return (
        <div className="message error">
          <span className="message-time mono">{time}</span>
          <span>
            {prefix}
            <strong>ERROR</strong> {m.error.message}
            {m.error.sqlstate && <span className="mono"> ({m.error.sqlstate})</span>}
          </span>
        </div>
      );
    case "info":
      return (
        <div className="message info">
          <span className="message-time mono">{time}</span>
          <span>{m.text}</span>
        </div>
      );
  }
}

function StatusBar({ run, st, tab, range }: { run: RunState; st: StatementResult | null; tab: EditorTab; range: ShownRange | null }) {
  useStoreVersion(keys.rows(tab.id, st?.index ?? -1));
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!run.running) return;
    const t = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(t);
  }, [run.running]);
  // `now` ticks only while running and may predate this run's start (then 0 until the next tick).
  const elapsed = run.running
    ? Math.max(0, now - run.startedAt)
    : run.finished?.duration_ms ?? run.summary?.duration_ms ?? Math.max(0, (run.endedAt ?? now) - run.startedAt);
  const visible = run.statements.filter((s) => !s.hidden);

  let left: string;
  if (st?.columns && st.pages && range?.index === st.index && range.total === st.pages.total) {
    // A result larger than the rows held: where the viewport is.
    left = rowsStatus(range.from, range.to, range.total);
    if (st.durationMs !== null) left += ` · ${formatDuration(st.durationMs)}`;
  } else if (st?.columns) {
    const n = st.rows.length;
    // Fewer rows than the result has: the rest could not be kept, or a sort shows only those held.
    const total = (st.truncated || st.pages) && st.rowsAffected !== null && st.rowsAffected > n ? ` of ${formatCount(st.rowsAffected)}` : "";
    left = `${formatCount(n)}${total} ${n === 1 && !total ? "row" : "rows"}${st.status === "running" ? " so far" : ""}`;
    if (st.durationMs !== null) left += ` · ${formatDuration(st.durationMs)}`;
  } else if (st) {
    left = st.tag ?? (st.status === "running" ? "Running…" : "");
    if (st.rowsAffected !== null && st.tag) left = `${st.tag} · ${formatCount(st.rowsAffected)} ${st.rowsAffected === 1 ? "row" : "rows"}`;
    if (st.durationMs !== null) left += ` · ${formatDuration(st.durationMs)}`;
  } else {
    const done = visible.filter((s) => s.status === "done").length;
    left = `${done} of ${visible.length} ${visible.length === 1 ? "statement" : "statements"} done`;
  }
  return (
    <div className="sql-statusbar" data-testid="sql-status" id="sql-status" data-running={run.running ? "true" : "false"}>
      <span className="status-left">{left}</span>
      <span className="spacer" />
      <span className="status-right muted" title={new Date(run.startedAt).toLocaleString()}>
        {visible.length > 1 && `${visible.length} statements · `}
        {run.running
          ? `${run.cancelling ? "Cancelling…" : "Running…"} ${formatDuration(elapsed)}`
          : `${run.error ? "Failed after" : "Ran in"} ${formatDuration(elapsed)} at ${new Date(run.endedAt ?? now).toLocaleTimeString(undefined, { hour12: false })}`}
      </span>
    </div>
  );
}
