import type { JSX } from "react";
import type { Branch } from "../bindings/Branch";

interface Props {
  /** null = the embedded local server, else a saved connection id. */
  server: string | null;
  /** The server's branches (missing ones are skipped). */
  branches: Branch[];
  /** The name of the branch the view was opened from. */
  branch: string;
}

/** Compares the schemas of two branches of a server (placeholder; being built out). */
export function CompareView(props: Props): JSX.Element {
  return (
    <div className="compare-view" id="compare-view" data-testid="compare-view">
      <p className="muted">Schema comparison for {props.branch}.</p>
    </div>
  );
}
