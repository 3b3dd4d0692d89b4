import { isMac } from "../sql/ResultGrid";

/** The app-wide keyboard shortcuts (none clashes with CodeMirror's keymaps or the SQL editor's). */
export type ShortcutId = "palette" | "toggleSidebar" | "toggleTree" | "focus";

interface Shortcut {
  key: string;
  shift: boolean;
}

const SHORTCUTS: Record<ShortcutId, Shortcut> = {
  palette: { key: "k", shift: false },
  toggleSidebar: { key: "b", shift: false },
  toggleTree: { key: "b", shift: true },
  focus: { key: ".", shift: false },
};

/** How a shortcut is written for the user: "Ctrl+Shift+B", "⌘⇧B". */
export function shortcutLabel(id: ShortcutId, mac = isMac()): string {
  const s = SHORTCUTS[id];
  const key = s.key.toUpperCase();
  if (mac) return `⌘${s.shift ? "⇧" : ""}${key}`;
  return `Ctrl+${s.shift ? "Shift+" : ""}${key}`;
}

/** The shortcut a key press is, if any (Ctrl on Linux and Windows, ⌘ on macOS). */
export function matchShortcut(
  e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">,
  mac = isMac(),
): ShortcutId | null {
  const mod = mac ? e.metaKey && !e.ctrlKey : e.ctrlKey && !e.metaKey;
  if (!mod || e.altKey) return null;
  const key = e.key.toLowerCase();
  for (const [id, s] of Object.entries(SHORTCUTS) as [ShortcutId, Shortcut][]) {
    if (s.key === key && s.shift === e.shiftKey) return id;
  }
  return null;
}
