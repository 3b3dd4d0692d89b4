import { useEffect, useMemo, useRef, useState } from "react";
import type { MigrationStatement } from "../bindings/MigrationStatement";
import { CopyIcon, ImportIcon, WarnIcon } from "../components/Icons";
import { formatError } from "../errors";
import {
  countHazards,
  HAZARD_LABEL,
  HAZARD_ORDER,
  HAZARD_SEVERITY,
  layoutMigration,
  plural,
  type StatementLayout,
} from "./diffModel";
import { SaveScriptDialog } from "./SaveScriptDialog";
import { ScriptViewer, type ScriptViewerApi } from "./ScriptViewer";

interface Props {
  migration: readonly MigrationStatement[];
  from: string;
  to: string;
}

/** How many hazards are listed at first (the script's gutter marks them all). */
const HAZARDS_SHOWN = 100;

type CopyState = { state: "idle" | "copied" } | { state: "error"; error: string };

/** The ordered migration script, its hazards, and Copy / Save as…. */
export function MigrationPanel({ migration, from, to }: Props) {
  const layout = useMemo(() => layoutMigration(migration), [migration]);
  const script = `${layout.text}\n`;
  const hazards = useMemo(() => countHazards(migration), [migration]);
  const viewer = useRef<ScriptViewerApi | null>(null);
  const [copy, setCopy] = useState<CopyState>({ state: "idle" });
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (copy.state !== "copied") return;
    const t = setTimeout(() => setCopy({ state: "idle" }), 1500);
    return () => clearTimeout(t);
  }, [copy]);

  const doCopy = async () => {
    try {
      await navigator.clipboard.writeText(script);
      setCopy({ state: "copied" });
    } catch (e) {
      setCopy({ state: "error", error: formatError(e) });
    }
  };

  const empty = migration.length === 0;
  return (
    <div className="cmp-migration" data-testid="compare-migration">
      <div className="cmp-migration-bar">
        <span className="cmp-migration-count" data-testid="migration-summary">
          {empty ? "No statements to run" : plural(migration.length, "statement")}
          {!empty && (
            <>
              {" · "}
              {hazards.total === 0 ? (
                <span className="cmp-safe">no hazards</span>
              ) : (
                plural(hazards.total, "hazard")
              )}
            </>
          )}
        </span>
        {HAZARD_ORDER.filter((k) => hazards.byKind[k] > 0).map((k) => (
          <span
            key={k}
            className={`cmp-hazard-chip sev-${HAZARD_SEVERITY[k]}`}
            data-testid="hazard-count"
            data-kind={k}
          >
            {HAZARD_LABEL[k]} <strong>{hazards.byKind[k]}</strong>
          </span>
        ))}
        <span className="spacer" />
        {!empty && (
          <>
            <button
              type="button"
              className="button small"
              id="migration-copy"
              data-testid="migration-copy"
              onClick={() => void doCopy()}
              title="Copy the whole script, hazards as -- hazard: comments"
            >
              <CopyIcon size={12} />
              {copy.state === "copied" ? "Copied" : "Copy"}
            </button>
            <button
              type="button"
              className="button small"
              id="migration-save"
              data-testid="migration-save"
              onClick={() => setSaving(true)}
              title="Save the script to a .sql file"
            >
              <ImportIcon size={12} />
              Save as…
            </button>
          </>
        )}
      </div>
      {copy.state === "error" && (
        <div className="inline-result flush" data-status="error" data-testid="migration-copy-error" role="alert">
          Could not copy: {copy.error}
        </div>
      )}

      {empty ? (
        <div className="empty-state" data-testid="migration-empty">
          <p>
            <strong>Nothing to run.</strong>
          </p>
          <p className="muted">
            No statement is needed to turn {from} into {to}.
          </p>
        </div>
      ) : (
        <>
          {hazards.total > 0 && (
            <HazardList
              statements={layout.statements}
              onShow={(i) => viewer.current?.showStatement(i)}
            />
          )}
          <div
            className="cmp-script"
            id="migration-script"
            data-testid="migration-script"
            data-statements={migration.length}
            data-hazards={hazards.total}
          >
            <ScriptViewer layout={layout} apiRef={viewer} />
          </div>
        </>
      )}

      {saving && <SaveScriptDialog script={script} from={from} to={to} onClose={() => setSaving(false)} />}
    </div>
  );
}

function HazardList({
  statements,
  onShow,
}: {
  statements: readonly StatementLayout[];
  onShow: (index: number) => void;
}) {
  const [shown, setShown] = useState(HAZARDS_SHOWN);
  const all = useMemo(
    () =>
      statements.flatMap((s) =>
        s.statement.hazards.map((h, i) => ({ key: `${s.index}:${i}`, statement: s.index, hazard: h })),
      ),
    [statements],
  );
  return (
    <div className="cmp-hazards" role="region" aria-label="Hazards">
      <ul>
        {all.slice(0, shown).map(({ key, statement, hazard }) => (
          <li
            key={key}
            className={`cmp-hazard sev-${HAZARD_SEVERITY[hazard.kind]}`}
            data-testid="hazard"
            data-kind={hazard.kind}
            data-statement={statement + 1}
          >
            <WarnIcon size={13} />
            <span className="cmp-hazard-kind">{HAZARD_LABEL[hazard.kind]}</span>
            <span className="cmp-hazard-message">{hazard.message}</span>
            <button
              type="button"
              className="button link cmp-hazard-goto"
              onClick={() => onShow(statement)}
              title="Show this statement in the script"
            >
              Statement {statement + 1}
            </button>
          </li>
        ))}
      </ul>
      {all.length > shown && (
        <button type="button" className="button small ghost" onClick={() => setShown((n) => n + 500)}>
          Show {Math.min(500, all.length - shown)} more of {all.length - shown} remaining
        </button>
      )}
    </div>
  );
}
