import { MergeView } from "@codemirror/merge";
import { useEffect, useRef } from "react";
import { sqlViewerExtensions, usePrefersDark } from "./codemirror";

interface Props {
  /** The DDL in FROM ("" when the object is not there). */
  from: string;
  /** The DDL in TO ("" when the object is not there). */
  to: string;
}

/**
 * Two read-only SQL editors side by side, FROM on the left and TO on the right, with the
 * changed lines and words highlighted and long unchanged stretches folded.
 */
export function DdlMerge({ from, to }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const dark = usePrefersDark();

  useEffect(() => {
    const parent = host.current;
    if (!parent) return;
    const extensions = sqlViewerExtensions(dark);
    const view = new MergeView({
      a: { doc: from, extensions },
      b: { doc: to, extensions },
      parent,
      orientation: "a-b",
      gutter: true,
      highlightChanges: true,
      collapseUnchanged: { margin: 3, minSize: 8 },
    });
    return () => view.destroy();
  }, [from, to, dark]);

  return <div ref={host} className="cmp-merge-host" />;
}
