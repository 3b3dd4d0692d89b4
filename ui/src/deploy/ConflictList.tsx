import type { Conflict } from "../bindings/Conflict";
import { WarnIcon } from "../components/Icons";
import { CONFLICT_LABEL } from "./deployModel";
import { SqlBlock } from "./SqlBlock";

interface Props {
  conflicts: Conflict[];
  parent: string;
  child: string;
}

/** Each conflict with the object as it was at the branch point, on the parent now, and on the child. */
export function ConflictList({ conflicts, parent, child }: Props) {
  return (
    <div className="dep-conflicts" data-testid="deploy-conflicts">
      {conflicts.map((c, i) => (
        <article key={`${c.identity}-${i}`} className="dep-conflict" data-testid="deploy-conflict" data-kind={c.kind}>
          <header className="dep-conflict-head">
            <WarnIcon size={13} />
            <span className="badge dep-conflict-kind">{CONFLICT_LABEL[c.kind]}</span>
            <span className="muted">{c.object_kind.replace(/_/g, " ")}</span>
            <code className="dep-identity">{c.identity}</code>
            {c.uses && (
              <span className="muted small">
                uses <code>{c.uses}</code>
              </span>
            )}
          </header>
          <p className="dep-conflict-message" data-testid="deploy-conflict-message">
            {c.message}
          </p>
          <div className="dep-three">
            <Column title="Base" sub="when the branch was made" sql={c.base_ddl} />
            <Column title={parent} sub="parent, now" sql={c.parent_ddl} />
            <Column title={child} sub="this request" sql={c.child_ddl} />
          </div>
        </article>
      ))}
    </div>
  );
}

function Column({ title, sub, sql }: { title: string; sub: string; sql: string | null }) {
  return (
    <div className="dep-col">
      <div className="dep-col-head">
        <strong>{title}</strong> <span className="muted small">{sub}</span>
      </div>
      <SqlBlock sql={sql} missing="Not there" />
    </div>
  );
}
