// CodeMirror pieces of the SQL editor: the error mark, the highlight of the statement a
// Ctrl/Cmd+Enter would run, the language (re)configuration and the theme.
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { tags as t } from "@lezer/highlight";
import { Compartment, EditorState, StateEffect, StateField, type Extension, type Range } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type ViewUpdate } from "@codemirror/view";
import type { DbSchema } from "../bindings/DbSchema";
import { functionCompletionSource, schemaNamespace } from "./completion";
import { splitStatements, statementAt } from "./splitter";

// ---------- error mark ----------

/** Sets (or, with null, clears) the error mark. */
export const setErrorMark = StateEffect.define<{ from: number; to: number; message: string } | null>();

const errorMarkField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const e of tr.effects) {
      if (e.is(setErrorMark)) {
        next = e.value
          ? Decoration.set([
              Decoration.mark({
                class: "cm-error-mark",
                attributes: { title: e.value.message, "data-testid": "sql-error-mark" },
              }).range(e.value.from, e.value.to),
            ])
          : Decoration.none;
      }
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The range to underline for an error at `pos`: the word (or character) there. */
export function errorRange(doc: string, pos: number): { from: number; to: number } {
  const p = Math.max(0, Math.min(pos, doc.length));
  if (doc.length === 0) return { from: 0, to: 0 };
  const word = /[\w$"]/;
  let from = p;
  let to = p;
  while (to < doc.length && word.test(doc[to])) to++;
  if (to === from) {
    // Not on a word: the character itself, or the one before at the end of a line or the text.
    if (p < doc.length && doc[p] !== "\n") to = p + 1;
    else {
      from = Math.max(0, p - 1);
      to = p;
      while (from > 0 && word.test(doc[from - 1]) && word.test(doc[from])) from--;
    }
  }
  return { from, to };
}

// ---------- current statement ----------

/** Above this size the statement under the cursor is not highlighted (splitting on every move). */
const HIGHLIGHT_LIMIT = 200_000;

const currentStatementMark = Decoration.line({ class: "cm-current-statement" });

/** A faint background on the lines of the statement Ctrl/Cmd+Enter would run, when there are several. */
const currentStatement = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = this.build(view);
    }
    update(u: ViewUpdate) {
      if (u.docChanged || u.selectionSet || u.focusChanged) this.decorations = this.build(u.view);
    }
    build(view: EditorView): DecorationSet {
      const { state } = view;
      if (state.doc.length > HIGHLIGHT_LIMIT || !state.selection.main.empty) return Decoration.none;
      const text = state.doc.toString();
      const all = splitStatements(text);
      if (all.length < 2) return Decoration.none;
      const st = statementAt(text, state.selection.main.head, all);
      if (!st) return Decoration.none;
      const marks: Range<Decoration>[] = [];
      const first = state.doc.lineAt(st.from).number;
      const last = state.doc.lineAt(st.end).number;
      for (let n = first; n <= last; n++) marks.push(currentStatementMark.range(state.doc.line(n).from));
      return Decoration.set(marks);
    }
  },
  { decorations: (v) => v.decorations },
);

// ---------- language ----------

/** The SQL language with the branch's schema; reconfigured when the schema is (re)loaded. */
export const languageCompartment = new Compartment();

export function languageExtension(schema: DbSchema | null): Extension {
  if (!schema) return sql({ dialect: PostgreSQL, upperCaseKeywords: true });
  const { namespace, defaultSchema } = schemaNamespace(schema);
  return [
    sql({ dialect: PostgreSQL, schema: namespace, defaultSchema, upperCaseKeywords: true }),
    PostgreSQL.language.data.of({ autocomplete: functionCompletionSource(schema) }),
  ];
}

// ---------- theme ----------

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "12.5px", backgroundColor: "var(--bg-input)", color: "var(--text)" },
  "&.cm-focused": { outline: "none" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.55" },
  ".cm-content": { caretColor: "var(--text)" },
  ".cm-gutters": {
    backgroundColor: "var(--bg-sidebar)",
    color: "var(--text-muted)",
    borderRight: "1px solid var(--border)",
  },
  ".cm-activeLineGutter": { backgroundColor: "var(--bg-hover)" },
  ".cm-activeLine": { backgroundColor: "transparent" },
  ".cm-current-statement": { backgroundColor: "color-mix(in srgb, var(--accent) 5%, transparent)" },
  ".cm-error-mark": {
    textDecorationLine: "underline",
    textDecorationStyle: "wavy",
    textDecorationColor: "var(--danger)",
    textDecorationThickness: "1.5px",
    textDecorationSkipInk: "none",
    textUnderlineOffset: "3px",
    backgroundColor: "color-mix(in srgb, var(--danger) 16%, transparent)",
    borderRadius: "2px",
  },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "color-mix(in srgb, var(--accent) 25%, transparent) !important",
  },
  ".cm-cursor": { borderLeftColor: "var(--text)" },
  ".cm-tooltip": { border: "1px solid var(--border)", backgroundColor: "var(--bg-elevated)", color: "var(--text)" },
  ".cm-tooltip-autocomplete > ul > li[aria-selected]": { backgroundColor: "var(--accent)", color: "var(--accent-text)" },
  ".cm-completionDetail": { fontStyle: "normal", opacity: 0.7, marginLeft: "1em" },
  ".cm-panels": { backgroundColor: "var(--bg-sidebar)", color: "var(--text)" },
});

/** Syntax colours from CSS variables, so they follow the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.operatorKeyword, t.modifier], color: "var(--sql-keyword)", fontWeight: "500" },
  { tag: t.string, color: "var(--sql-string)" },
  { tag: [t.number, t.bool, t.null], color: "var(--sql-number)" },
  { tag: [t.lineComment, t.blockComment, t.comment], color: "var(--sql-comment)", fontStyle: "italic" },
  { tag: [t.typeName, t.standard(t.name)], color: "var(--sql-type)" },
  // Quoted identifiers ("Mixed") and special variables.
  { tag: [t.special(t.string), t.special(t.name)], color: "var(--sql-ident)" },
  { tag: [t.operator, t.punctuation, t.bracket, t.separator], color: "var(--sql-punct)" },
  { tag: t.invalid, color: "var(--danger)" },
]);

/** Extensions every SQL editor state has besides basicSetup, the language and the keymap. */
export function baseExtensions(): Extension {
  return [errorMarkField, currentStatement, theme, syntaxHighlighting(highlight), EditorState.tabSize.of(2)];
}
