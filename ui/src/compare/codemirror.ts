// The CodeMirror setup shared by the Compare view's read-only SQL viewers: PostgreSQL
// highlighting and a theme drawn from the app's CSS variables (so it follows dark mode).
import { defaultKeymap } from "@codemirror/commands";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { EditorState, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightSpecialChars, keymap, lineNumbers } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { useEffect, useState } from "react";

const DARK_QUERY = "(prefers-color-scheme: dark)";

function prefersDark(): boolean {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" && window.matchMedia(DARK_QUERY).matches;
}

/** Whether the system is in dark mode (the app's CSS follows it), updated live. */
export function usePrefersDark(): boolean {
  const [dark, setDark] = useState(prefersDark);
  useEffect(() => {
    if (typeof window.matchMedia !== "function") return;
    const mq = window.matchMedia(DARK_QUERY);
    const onChange = () => setDark(mq.matches);
    mq.addEventListener?.("change", onChange);
    return () => mq.removeEventListener?.("change", onChange);
  }, []);
  return dark;
}

/** Token colours; the variables are defined (light and dark) in compare.css. */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.modifier], color: "var(--cm-keyword)", fontWeight: "500" },
  { tag: [t.typeName, t.standard(t.name)], color: "var(--cm-type)" },
  { tag: [t.string, t.special(t.string)], color: "var(--cm-string)" },
  { tag: [t.number, t.bool, t.null], color: "var(--cm-number)" },
  { tag: [t.lineComment, t.blockComment, t.comment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: t.special(t.name), color: "var(--cm-special)" },
  { tag: [t.operator, t.punctuation, t.paren, t.brace, t.squareBracket, t.separator], color: "var(--cm-punct)" },
]);

function theme(dark: boolean): Extension {
  return EditorView.theme(
    {
      "&": {
        color: "var(--text)",
        backgroundColor: "var(--bg-input)",
        fontSize: "12px",
        height: "100%",
      },
      "&.cm-focused": { outline: "none" },
      ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.6" },
      ".cm-content": { caretColor: "var(--text)", padding: "6px 0" },
      ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
      "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground": {
        background: "var(--cm-selection) !important",
      },
      ".cm-gutters": {
        backgroundColor: "var(--bg-sidebar)",
        color: "var(--text-muted)",
        borderRight: "1px solid var(--border)",
      },
      ".cm-lineNumbers .cm-gutterElement": { padding: "0 8px 0 10px", minWidth: "32px", fontSize: "11px" },
      // The merge view's changed lines: red on the FROM side, green on the TO side.
      "&.cm-merge-a .cm-changedLine": { backgroundColor: "var(--cmp-removed-line)" },
      "&.cm-merge-b .cm-changedLine": { backgroundColor: "var(--cmp-added-line)" },
      ".cm-collapsedLines": { fontFamily: "var(--font)", fontSize: "11.5px" },
    },
    { dark },
  );
}

/** Read-only, selectable and copyable SQL with PostgreSQL highlighting. */
export function sqlViewerExtensions(dark: boolean, wrap = true): Extension[] {
  return [
    lineNumbers(),
    highlightSpecialChars(),
    drawSelection(),
    EditorState.readOnly.of(true),
    EditorView.contentAttributes.of({ "aria-readonly": "true" }),
    keymap.of(defaultKeymap),
    sql({ dialect: PostgreSQL }),
    syntaxHighlighting(highlight),
    wrap ? EditorView.lineWrapping : [],
    theme(dark),
  ];
}
