// The CodeMirror editor of one tab. Its state (text, selection, undo history) is kept in the
// store when the editor leaves the screen and restored when it comes back.
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useEffectEvent, useRef } from "react";
import { requestSave, runTab } from "./actions";
import { modKey as modLabel } from "./ResultGrid";
import { baseExtensions, languageCompartment, languageExtension } from "./editorExtensions";
import { keys, type BranchSql, type EditorTab } from "./editorModel";
import { sqlStore, useStoreVersion } from "./store";

/** Whether a document holds anything but white space (looking at its start only, for speed). */
function blank(state: EditorState): boolean {
  return !/\S/.test(state.doc.sliceString(0, 100_000));
}

function createState(tab: EditorTab): EditorState {
  const id = tab.id;
  return EditorState.create({
    doc: tab.initialDoc,
    extensions: [
      Prec.highest(
        keymap.of([
          { key: "Mod-Enter", run: () => (runTab(id, "statement"), true) },
          { key: "Shift-Mod-Enter", run: () => (runTab(id, "script"), true) },
          { key: "Mod-s", run: () => requestSave(id), preventDefault: true },
        ]),
      ),
      basicSetup,
      languageCompartment.of(languageExtension(null)),
      baseExtensions(),
      placeholder(`Write SQL here. ${modLabel()}Enter runs the statement at the cursor (or the selection), Shift+${modLabel()}Enter the whole script.`),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) sqlStore.setEmpty(tab, blank(u.state));
      }),
      EditorView.contentAttributes.of({ "aria-label": "SQL editor", "data-testid": "sql-editor-content" }),
    ],
  });
}

export function SqlEditor({ b, tab, autoFocus }: { b: BranchSql; tab: EditorTab; autoFocus: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  useStoreVersion(keys.branch(b.key));
  const schemaVersion = b.schemaVersion;

  // Focus is only a wish when the view is made (once per tab).
  const focusWished = useEffectEvent(() => autoFocus);
  useEffect(() => {
    const view = new EditorView({ state: tab.editorState ?? createState(tab), parent: host.current! });
    sqlStore.attachView(tab, view);
    if (focusWished()) view.focus();
    return () => {
      sqlStore.detachView(tab, view);
      view.destroy();
    };
  }, [tab]);

  // Autocomplete follows the schema (and a restored state may carry an older one).
  useEffect(() => {
    tab.view?.dispatch({ effects: languageCompartment.reconfigure(languageExtension(b.schema)) });
  }, [tab, b, schemaVersion]);

  return <div ref={host} className="sql-editor" id="sql-editor" data-testid="sql-editor" data-tab={tab.id} />;
}
