import { EditorSelection, EditorState, RangeSet, RangeSetBuilder, Text } from "@codemirror/state";
import { Decoration, EditorView, gutter, GutterMarker } from "@codemirror/view";
import { useEffect, useRef, type RefObject } from "react";
import { sqlViewerExtensions, usePrefersDark } from "./codemirror";
import { HAZARD_LABEL, HAZARD_ORDER, HAZARD_SEVERITY, type MigrationLayout } from "./diffModel";

/** What the migration panel can ask of the viewer. */
export interface ScriptViewerApi {
  /** Scrolls to a statement and selects its SQL. */
  showStatement: (index: number) => void;
}

interface Props {
  layout: MigrationLayout;
  apiRef?: RefObject<ScriptViewerApi | null>;
}

/** A warning sign in the gutter of a statement with hazards; its tooltip lists them. */
class HazardMarker extends GutterMarker {
  constructor(
    readonly severity: string,
    readonly text: string,
  ) {
    super();
  }
  eq(other: HazardMarker) {
    return other.severity === this.severity && other.text === this.text;
  }
  toDOM() {
    const el = document.createElement("span");
    el.className = `cmp-gutter-hazard sev-${this.severity}`;
    el.textContent = "▲";
    el.title = this.text;
    el.setAttribute("aria-label", this.text);
    return el;
  }
}

/** Gutter markers and tinted hazard-comment lines, computed once from the layout. */
function hazardExtensions(layout: MigrationLayout, doc: Text) {
  const markers: { from: number; marker: HazardMarker }[] = [];
  const lines = new RangeSetBuilder<Decoration>();
  for (const s of layout.statements) {
    const hz = s.statement.hazards;
    if (hz.length === 0) continue;
    const worst = HAZARD_ORDER.find((k) => hz.some((h) => h.kind === k)) ?? hz[0].kind;
    const text = hz.map((h) => `${HAZARD_LABEL[h.kind]}: ${h.message}`).join("\n");
    markers.push({ from: doc.line(s.sqlLine).from, marker: new HazardMarker(HAZARD_SEVERITY[worst], text) });
    hz.forEach((h, i) => {
      const line = doc.line(s.startLine + i);
      lines.add(line.from, line.from, Decoration.line({ class: `cmp-hazard-line sev-${HAZARD_SEVERITY[h.kind]}` }));
    });
  }
  const markerSet = RangeSet.of(markers.map((m) => m.marker.range(m.from)));
  return [
    gutter({ class: "cmp-hazard-gutter", markers: () => markerSet }),
    EditorView.decorations.of(lines.finish()),
  ];
}

/** The migration script, read-only, with hazards marked in the gutter. */
export function ScriptViewer({ layout, apiRef }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const dark = usePrefersDark();

  useEffect(() => {
    const parent = host.current;
    if (!parent) return;
    const doc = Text.of(layout.text.split("\n"));
    const state = EditorState.create({
      doc,
      extensions: [sqlViewerExtensions(dark, false), hazardExtensions(layout, doc)],
    });
    const view = new EditorView({ state, parent });
    if (apiRef) {
      apiRef.current = {
        showStatement: (index) => {
          const s = layout.statements[index];
          if (!s) return;
          const from = view.state.doc.line(s.startLine).from;
          view.dispatch({
            selection: EditorSelection.single(s.sqlFrom, s.sqlTo),
            effects: EditorView.scrollIntoView(from, { y: "start", yMargin: 24 }),
          });
          view.focus();
        },
      };
    }
    return () => {
      if (apiRef) apiRef.current = null;
      view.destroy();
    };
  }, [layout, dark, apiRef]);

  return <div ref={host} className="cmp-script-host" />;
}
