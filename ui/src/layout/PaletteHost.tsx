import { useEffect, useEffectEvent } from "react";
import { CommandPalette } from "./CommandPalette";
import type { Command } from "./commands";
import { layout, useLayout } from "./layoutStore";
import { cyclePane } from "./panes";
import { matchShortcut } from "./shortcuts";

interface Props {
  commands: Command[];
  onToggleFocus: (results: boolean) => void;
}

/** Whether a modal dialog (other than the palette) is open: shortcuts then wait. */
function dialogOpen(): boolean {
  return document.querySelector('[role="dialog"][aria-modal="true"]') !== null;
}

/**
 * The app-wide shortcuts (palette, sidebars, focus mode, Esc leaving focus mode) and the
 * palette itself, which it opens.
 */
export function PaletteHost({ commands, onToggleFocus }: Props) {
  const open = useLayout().palette;

  const onKey = useEffectEvent((e: KeyboardEvent) => {
    if (e.key === "Escape") {
      // Esc in a field (renaming a tab, a search box) belongs to that field.
      const inField = e.target instanceof HTMLElement && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
      if (!e.defaultPrevented && !inField && layout.get().focus && !dialogOpen()) {
        e.preventDefault();
        layout.setFocus(false);
      }
      return;
    }
    if (e.key === "F6" && !e.ctrlKey && !e.metaKey && !e.altKey && !dialogOpen()) {
      e.preventDefault();
      cyclePane(e.shiftKey);
      return;
    }
    const shortcut = matchShortcut(e);
    if (!shortcut || dialogOpen()) return;
    e.preventDefault();
    if (shortcut === "palette") layout.setPalette(true);
    else if (shortcut === "toggleSidebar") layout.toggleSidebar();
    else if (shortcut === "toggleTree") layout.toggleTree();
    // Pressed in the results, focus mode gives the results the whole window.
    else onToggleFocus(document.activeElement?.closest("[data-testid='sql-results']") != null);
  });

  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);

  return open ? <CommandPalette commands={commands} onClose={() => layout.setPalette(false)} /> : null;
}
