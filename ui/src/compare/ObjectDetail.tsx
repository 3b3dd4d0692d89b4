import type { ObjectDiff } from "../bindings/ObjectDiff";
import { DdlMerge } from "./DdlMerge";
import { KIND_LABEL, STATUS_LABEL, STATUS_MARK } from "./diffModel";

interface Props {
  obj: ObjectDiff | null;
  from: string;
  to: string;
}

/** The selected object's DDL in FROM and in TO, side by side. */
export function ObjectDetail({ obj, from, to }: Props) {
  if (!obj) {
    return (
      <div className="cmp-detail">
        <div className="empty-state muted" data-testid="compare-ddl-none">
          Select an object to see its definition in both branches.
        </div>
      </div>
    );
  }
  const fromDdl = obj.from_ddl ?? "";
  const toDdl = obj.to_ddl ?? "";
  const sameText = obj.status === "changed" && fromDdl === toDdl;
  return (
    <div className="cmp-detail">
      <header className="cmp-detail-header">
        <span className={`cmp-status-pill cmp-status-${obj.status}`}>
          {STATUS_MARK[obj.status]} {STATUS_LABEL[obj.status]}
        </span>
        <span className="cmp-detail-kind">{KIND_LABEL[obj.kind].one}</span>
        <code className="cmp-detail-identity mono" title={obj.identity}>
          {obj.identity}
        </code>
      </header>
      <div className="cmp-sides" aria-hidden="true">
        <div className="cmp-side">
          <span className="cmp-side-label">From</span> <strong>{from}</strong>
          {obj.from_ddl === null && <span className="muted"> · not there</span>}
        </div>
        <div className="cmp-side">
          <span className="cmp-side-label">To</span> <strong>{to}</strong>
          {obj.to_ddl === null && <span className="muted"> · not there</span>}
        </div>
      </div>
      {sameText && (
        <div className="cmp-note muted small">
          The definitions read the same; what differs is not part of the text shown (see the migration).
        </div>
      )}
      <div
        className="cmp-ddl"
        id="compare-ddl"
        data-testid="compare-ddl"
        data-identity={obj.identity}
        data-kind={obj.kind}
        data-status={obj.status}
      >
        <DdlMerge from={fromDdl} to={toDdl} />
      </div>
    </div>
  );
}
