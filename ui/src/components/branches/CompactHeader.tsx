import type { ReactNode } from "react";
import type { Branch } from "../../bindings/Branch";
import { layout } from "../../layout/layoutStore";
import { shortcutLabel } from "../../layout/shortcuts";
import {
  BranchIcon,
  ClockIcon,
  DeployIcon,
  EditIcon,
  ExpandIcon,
  LockIcon,
  PlusIcon,
  ResetIcon,
  TrashIcon,
  UndoIcon,
  UnlockIcon,
} from "../Icons";
import { ActionsMenu, type MenuItem as Item } from "./ActionsMenu";
import { BranchBadges } from "./BranchBadges";
import { TreeToggle } from "./TreeToggle";
import type { BranchAction, disabledReasons } from "./BranchDetails";

interface Props {
  branch: Branch;
  parent: Branch | null;
  now: number;
  why: ReturnType<typeof disabledReasons>;
  protecting: boolean;
  focused: boolean;
  onSelect: (id: string) => void;
  onAction: (a: BranchAction) => void;
  onToggleProtect: () => void;
  onToggleFocus?: () => void;
  treeCollapsed?: boolean;
  onToggleTree?: () => void;
  /** The branch's tabs (Overview, SQL, Compare), in the same bar. */
  tabs?: ReactNode;
}

/**
 * The branch header folded into one bar (in the SQL and Compare tabs): name, parent, and a
 * menu with the actions the Overview shows as buttons.
 */
export function CompactHeader(props: Props) {
  const { branch: b, parent, why } = props;
  const action = (id: string, label: string, icon: ReactNode, kind: BranchAction, disabledReason?: string): Item => ({
    id: `branch-menu-${id}`,
    label,
    icon,
    disabledReason,
    run: () => props.onAction(kind),
  });
  const items: Item[] = [
    action("create-child", "Create child…", <PlusIcon size={12} />, "create", why.create),
    action("reset", "Reset from parent…", <ResetIcon size={12} />, "reset", why.reset),
    action("deploy", "Open deploy request…", <DeployIcon size={12} />, "deploy", why.deploy),
    action("rebase", "Rebase onto parent…", <ResetIcon size={12} />, "rebase", why.rebase),
    ...(b.undo_available ? [action("undo-reset", "Undo reset…", <UndoIcon size={12} />, "undo", why.undo)] : []),
    action("rename", "Rename…", <EditIcon size={12} />, "rename", why.rename),
    {
      id: "branch-menu-protect",
      label: b.protected ? "Unprotect" : "Protect",
      icon: b.protected ? <UnlockIcon size={12} /> : <LockIcon size={12} />,
      disabledReason: props.protecting ? "Saving…" : undefined,
      run: props.onToggleProtect,
    },
    action("expire", b.expires_at ? "Change expiry…" : "Set expiry…", <ClockIcon size={12} />, "expire", why.expire),
    { ...action("delete", "Delete…", <TrashIcon size={12} />, "delete", why.delete), danger: true },
  ];

  return (
    <header className="branch-compact" data-testid="branch-compact">
      {props.onToggleTree && <TreeToggle collapsed={props.treeCollapsed ?? false} onToggle={props.onToggleTree} />}
      <BranchIcon size={15} />
      <h2 data-testid="branch-title">{b.name}</h2>
      {parent ? (
        <span className="muted small">
          from{" "}
          <button type="button" className="button link" data-testid="branch-parent-link" onClick={() => props.onSelect(parent.id)}>
            {parent.name}
          </button>
        </span>
      ) : (
        <span className="muted small">{b.is_root ? "root" : "detached"}</span>
      )}
      <BranchBadges branch={b} now={props.now} />
      {props.tabs}
      <span className="spacer" />
      {props.onToggleFocus && (
        <button
          type="button"
          className={`button small${props.focused ? " active" : ""}`}
          id="branch-focus"
          data-testid="branch-focus"
          aria-pressed={props.focused}
          title={props.focused ? "Leave focus mode (Esc)" : `Give this tab the whole window (${shortcutLabel("focus")})`}
          onClick={() => props.onToggleFocus?.()}
        >
          <ExpandIcon size={12} /> {props.focused ? "Exit focus" : "Focus"}
        </button>
      )}
      <button
        type="button"
        className="button small"
        id="branch-open-palette"
        data-testid="branch-open-palette"
        title="Every branch action and view, by name"
        onClick={() => layout.setPalette(true)}
      >
        {shortcutLabel("palette")}
      </button>
      <ActionsMenu id="branch-actions-menu" label="Actions" menuLabel="Branch actions" small items={items} />
    </header>
  );
}
