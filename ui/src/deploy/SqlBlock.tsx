import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { useEffect, useRef } from "react";
import { sqlViewerExtensions, usePrefersDark } from "../compare/codemirror";

/** One object's DDL, read-only and highlighted; `missing` says why there is none. */
export function SqlBlock({ sql, missing }: { sql: string | null; missing: string }) {
  const host = useRef<HTMLDivElement>(null);
  const dark = usePrefersDark();
  useEffect(() => {
    const parent = host.current;
    if (!parent || sql === null) return;
    const view = new EditorView({ state: EditorState.create({ doc: sql, extensions: sqlViewerExtensions(dark) }), parent });
    return () => view.destroy();
  }, [sql, dark]);
  if (sql === null) return <div className="dep-ddl-missing muted small">{missing}</div>;
  return <div ref={host} className="dep-ddl" data-testid="deploy-ddl" />;
}
