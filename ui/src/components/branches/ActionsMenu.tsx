import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { MoreIcon } from "../Icons";

export interface MenuItem {
  /** The item's id and test id. */
  id: string;
  label: string;
  icon: ReactNode;
  /** Why it is disabled (its tooltip), or undefined when it is enabled. */
  disabledReason?: string;
  danger?: boolean;
  run: () => void;
}

/** A button that opens a menu of actions; arrow keys, Home, End and Esc work as in any menu. */
export function ActionsMenu({
  id,
  label,
  items,
  small,
  title,
  menuLabel = label,
}: {
  /** The button's id and test id. */
  id: string;
  label: string;
  items: MenuItem[];
  small?: boolean;
  title?: string;
  /** The menu's accessible name (default: the button's label). */
  menuLabel?: string;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>("button:not([disabled])")?.focus();
    const outside = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!menu.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener("mousedown", outside);
    return () => document.removeEventListener("mousedown", outside);
  }, [open]);

  const close = () => {
    setOpen(false);
    button.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const enabled = Array.from(menu.current?.querySelectorAll<HTMLElement>("button:not([disabled])") ?? []);
    const at = enabled.indexOf(document.activeElement as HTMLElement);
    if (e.key === "Escape" || e.key === "Tab") close();
    else if (e.key === "ArrowDown") enabled[(at + 1) % enabled.length]?.focus();
    else if (e.key === "ArrowUp") enabled[(at - 1 + enabled.length) % enabled.length]?.focus();
    else if (e.key === "Home") enabled[0]?.focus();
    else if (e.key === "End") enabled[enabled.length - 1]?.focus();
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="menu-anchor">
      <button
        ref={button}
        type="button"
        className={`button${small ? " small" : ""}`}
        id={id}
        data-testid={id}
        title={title}
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <MoreIcon size={12} /> {label}
      </button>
      {open && (
        <div ref={menu} className="menu" role="menu" aria-label={menuLabel} onKeyDown={onKeyDown}>
          {items.map((item) => (
            <button
              key={item.id}
              type="button"
              role="menuitem"
              className={`menu-item${item.danger ? " danger-text" : ""}`}
              id={item.id}
              data-testid={item.id}
              disabled={item.disabledReason !== undefined}
              title={item.disabledReason}
              onClick={() => {
                setOpen(false);
                item.run();
              }}
            >
              {item.icon}
              {item.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
