import { useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { Modal } from "../components/Modal";
import { filterCommands, type Command } from "./commands";

interface Props {
  commands: Command[];
  onClose: () => void;
}

/**
 * The command palette (Ctrl/⌘+K): type to filter, arrows to choose, Enter to run, Esc to close.
 * A modal dialog: focus stays inside and returns where it was when it closes.
 */
export function CommandPalette({ commands, onClose }: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const shown = useMemo(() => filterCommands(commands, query), [commands, query]);
  const index = Math.min(active, Math.max(shown.length - 1, 0));
  const optionId = (i: number) => `${listId}-${i}`;

  const run = (c: Command | undefined) => {
    if (!c || c.disabledReason !== undefined) return;
    // Closed first: a dialog the command opens gets the focus, not the element before the palette.
    onClose();
    c.run();
  };

  const move = (delta: number) => {
    if (shown.length === 0) return;
    const next = (index + delta + shown.length) % shown.length;
    setActive(next);
    document.getElementById(optionId(next))?.scrollIntoView?.({ block: "nearest" });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") move(1);
    else if (e.key === "ArrowUp") move(-1);
    else if (e.key === "Home" && e.ctrlKey) setActive(0);
    else if (e.key === "End" && e.ctrlKey) setActive(shown.length - 1);
    else if (e.key === "Enter") run(shown[index]);
    else return;
    e.preventDefault();
  };

  return (
    <Modal id="command-palette" title="Commands" onClose={onClose} className="palette" initialFocus={input}>
      <input
        ref={input}
        className="input palette-input"
        data-testid="palette-input"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={shown.length > 0 ? optionId(index) : undefined}
        aria-label="Type a command or a branch name"
        placeholder="Type a command or a branch name…"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        autoComplete="off"
        spellCheck={false}
      />
      <ul className="palette-list" id={listId} role="listbox" aria-label="Commands" data-testid="palette-list">
        {shown.map((c, i) => (
          <li
            key={c.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === index}
            aria-disabled={c.disabledReason !== undefined}
            className={`palette-item${i === index ? " active" : ""}`}
            data-testid="palette-item"
            data-command={c.id}
            title={c.disabledReason}
            onMouseMove={() => i !== index && setActive(i)}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => run(c)}
          >
            <span className="palette-group">{c.group}</span>
            <span className="palette-title">{c.title}</span>
            {c.shortcut && <kbd className="palette-shortcut">{c.shortcut}</kbd>}
          </li>
        ))}
        {shown.length === 0 && <li className="palette-empty muted">No command matches “{query}”.</li>}
      </ul>
    </Modal>
  );
}
