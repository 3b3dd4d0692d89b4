import { useEffect, useRef, type KeyboardEvent } from "react";
import { visibleNodes, type BranchNode } from "../../branches";
import { BranchIcon, ChevronIcon } from "../Icons";
import type { SourceInfo } from "../../bindings/SourceInfo";
import { SourceBadge } from "../../sources/SourceBadge";
import { BranchBadges, MISSING_HINT } from "./BranchBadges";

interface Props {
  roots: readonly BranchNode[];
  collapsed: ReadonlySet<string>;
  selectedId: string | null;
  now: number;
  /** Synced roots by name: they get a badge. */
  sources?: ReadonlyMap<string, SourceInfo>;
  onSelect: (id: string) => void;
  onToggle: (id: string, open?: boolean) => void;
}

/** The branch tree: rows in display order, indented by depth; arrow keys move and fold. */
export function BranchTree({ roots, collapsed, selectedId, now, sources, onSelect, onToggle }: Props) {
  const rows = visibleNodes(roots, collapsed);
  const refs = useRef(new Map<string, HTMLDivElement>());
  const parentOf = new Map<string, string>();
  for (const n of rows) for (const c of n.children) parentOf.set(c.branch.id, n.branch.id);
  const focusable = selectedId !== null && rows.some((n) => n.branch.id === selectedId) ? selectedId : rows[0]?.branch.id;

  // Keep the selected row in view (e.g. a branch just created far down the tree).
  useEffect(() => {
    if (selectedId !== null) refs.current.get(selectedId)?.scrollIntoView?.({ block: "nearest" });
  }, [selectedId]);

  const go = (id: string | undefined) => {
    if (!id) return;
    onSelect(id);
    refs.current.get(id)?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = rows.findIndex((n) => n.branch.id === focusable);
    const cur = rows[i];
    if (!cur) return;
    const id = cur.branch.id;
    const open = cur.children.length > 0 && !collapsed.has(id);
    switch (e.key) {
      case "ArrowDown":
        go(rows[i + 1]?.branch.id);
        break;
      case "ArrowUp":
        go(rows[i - 1]?.branch.id);
        break;
      case "Home":
        go(rows[0]?.branch.id);
        break;
      case "End":
        go(rows[rows.length - 1]?.branch.id);
        break;
      case "ArrowRight":
        if (cur.children.length === 0) return;
        if (open) go(cur.children[0].branch.id);
        else onToggle(id, true);
        break;
      case "ArrowLeft":
        if (open) onToggle(id, false);
        else go(parentOf.get(id));
        break;
      case "Enter":
      case " ":
        onSelect(id);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div className="branch-tree" id="branch-tree" data-testid="branch-tree" role="tree" aria-label="Branches" onKeyDown={onKeyDown}>
      {rows.map((n) => {
        const b = n.branch;
        const selected = b.id === selectedId;
        const hasChildren = n.children.length > 0;
        const source = b.is_root ? sources?.get(b.name) : undefined;
        const open = hasChildren && !collapsed.has(b.id);
        return (
          <div
            key={b.id}
            ref={(el) => {
              if (el) refs.current.set(b.id, el);
              else refs.current.delete(b.id);
            }}
            role="treeitem"
            className={`branch-row${selected ? " selected" : ""}${b.missing ? " missing" : ""}`}
            data-testid="branch-node"
            data-name={b.name}
            data-id={b.id}
            data-depth={n.depth}
            aria-level={n.depth + 1}
            aria-selected={selected}
            aria-expanded={hasChildren ? open : undefined}
            tabIndex={b.id === focusable ? 0 : -1}
            title={b.missing ? MISSING_HINT : n.detached ? "Its parent is no longer in the tree" : undefined}
            onClick={() => onSelect(b.id)}
          >
            {Array.from({ length: n.depth }, (_, k) => (
              <span key={k} className="indent-guide" aria-hidden="true" />
            ))}
            {hasChildren ? (
              <button
                type="button"
                className={`twisty${open ? " open" : ""}`}
                tabIndex={-1}
                aria-label={open ? `Collapse ${b.name}` : `Expand ${b.name}`}
                data-testid="branch-toggle"
                onClick={(e) => {
                  e.stopPropagation();
                  onToggle(b.id);
                }}
              >
                <ChevronIcon size={12} />
              </button>
            ) : (
              <span className="twisty-spacer" aria-hidden="true" />
            )}
            <BranchIcon size={14} className="branch-icon" />
            <span className="branch-main">
              <span className="branch-label">{b.name}</span>
              <BranchBadges branch={b} compact now={now} />
              {source && <SourceBadge source={source} now={now} />}
              {hasChildren && !open && (
                <span className="muted small folded-count" title={`${n.children.length} hidden`}>
                  +{n.children.length}
                </span>
              )}
            </span>
          </div>
        );
      })}
    </div>
  );
}
