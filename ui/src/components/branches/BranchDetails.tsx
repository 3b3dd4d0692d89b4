import { useState, type ReactNode } from "react";
import { CompareView } from "../../compare/CompareView";
import { SqlPanel } from "../../sql/SqlPanel";
import type { Branch } from "../../bindings/Branch";
import type { Snapshot } from "../../bindings/Snapshot";
import {
  BranchIcon,
  ClockIcon,
  DeployIcon,
  EditIcon,
  LockIcon,
  PlusIcon,
  ResetIcon,
  TrashIcon,
  UndoIcon,
  UnlockIcon,
  WarnIcon,
} from "../Icons";
import { describeFrom } from "../../sources/sourceText";
import { useSources } from "../../sources/useSources";
import { ActionsMenu, type MenuItem } from "./ActionsMenu";
import { BranchBadges, MISSING_HINT } from "./BranchBadges";
import { BranchOverview } from "./BranchOverview";
import { CompactHeader } from "./CompactHeader";

export type BranchAction = "create" | "reset" | "undo" | "rename" | "expire" | "delete" | "deploy" | "rebase";

export interface BranchDetailsProps {
  server: string | null;
  branch: Branch;
  /** Its parent when it is in the tree. */
  parent: Branch | null;
  childBranches: Branch[];
  /** The snapshot an undo would bring back, if known. */
  undoSnapshot: Snapshot | null;
  now: number;
  protecting: boolean;
  error: string | null;
  onDismissError: () => void;
  onSelect: (id: string) => void;
  onAction: (a: BranchAction) => void;
  onToggleProtect: () => void;
  /** Every branch of the server (Compare picks the other side among them). */
  branches: Branch[];
  /** The pane shown; kept by the caller so it stays when another branch is selected. */
  tab?: BranchTabId;
  onTab?: (tab: BranchTabId) => void;
  /** Focus mode: the SQL or Compare tab has the whole window. */
  focused?: boolean;
  onToggleFocus?: () => void;
  /** The tree's toggle moves into the compact bar when the branches toolbar folds away. */
  treeCollapsed?: boolean;
  onToggleTree?: () => void;
  /** Compare asked to compare the branch with its parent (from the command palette). */
  compareWithParent?: boolean;
  onCompareStarted?: () => void;
}

/** The panes a branch has. */
export type BranchTabId = "overview" | "sql" | "compare";
const TABS: { id: BranchTabId; label: string }[] = [
  { id: "overview", label: "Overview" },
  { id: "sql", label: "SQL" },
  { id: "compare", label: "Compare" },
];

/** Why an action is not available now, or undefined when it is. */
export function disabledReasons(b: Branch, parent: Branch | null) {
  const missing = b.missing ? "Its database is missing" : undefined;
  return {
    create: missing,
    reset: b.is_root
      ? "A root branch has no parent to reset from"
      : b.parent === null
        ? "Its parent no longer exists: there is nothing to reset from"
        : b.protected
          ? "Protected branches cannot be reset: unprotect it first"
          : parent?.missing
            ? `The database of its parent “${parent.name}” is missing`
            : missing,
    undo: b.protected ? "Protected branches cannot be reset: unprotect it first" : missing,
    rename: b.protected ? "Protected branches cannot be renamed: unprotect it first" : missing,
    expire: b.is_root
      ? "Grove never expires root branches (imported databases)"
      : b.protected && !b.expires_at
        ? "Protected branches cannot expire: unprotect it first"
        : undefined,
    delete: b.protected ? "Protected branches cannot be deleted: unprotect it first" : undefined,
    rebase: b.is_root
      ? "A root branch has no parent to rebase onto"
      : b.parent === null
        ? "Its parent no longer exists: there is nothing to rebase onto"
        : b.protected
          ? "Protected branches cannot be rebased: unprotect it first"
          : parent?.missing
            ? `The database of its parent “${parent.name}” is missing`
            : missing,
    deploy: b.is_root
      ? "A root branch has no parent to deploy into"
      : b.parent === null
        ? "Its parent no longer exists"
        : parent?.missing
          ? `The database of its parent “${parent.name}” is missing`
          : missing,
  };
}

export function BranchDetails(props: BranchDetailsProps) {
  const { branch: b, parent, now } = props;
  const source = useSources(props.server).get(b.name);
  const [ownTab, setOwnTab] = useState<BranchTabId>("overview");
  const tab = props.tab ?? ownTab;
  const setTab = props.onTab ?? setOwnTab;
  const why = disabledReasons(b, parent);
  const wide = tab !== "overview";
  const tabs = TABS.length > 1 && (
    <nav className="tabs" role="tablist">
      {TABS.map((t) => (
        <button
          key={t.id}
          type="button"
          role="tab"
          aria-selected={tab === t.id}
          className={`tab${tab === t.id ? " active" : ""}`}
          id={`branch-tab-${t.id}`}
          data-testid={`branch-tab-${t.id}`}
          onClick={() => setTab(t.id)}
        >
          {t.label}
        </button>
      ))}
    </nav>
  );

  return (
    <section
      className={`branch-details${wide ? " wide" : ""}`}
      id="branch-details"
      data-testid="branch-details"
      data-name={b.name}
      data-tab={tab}
    >
      {wide ? (
        <CompactHeader
          branch={b}
          parent={parent}
          now={now}
          why={why}
          protecting={props.protecting}
          focused={props.focused ?? false}
          onSelect={props.onSelect}
          onAction={props.onAction}
          onToggleProtect={props.onToggleProtect}
          onToggleFocus={props.onToggleFocus}
          treeCollapsed={props.treeCollapsed}
          onToggleTree={props.onToggleTree}
          tabs={tabs}
        />
      ) : (
        <>
      <header className="branch-header">
        <div className="branch-title">
          <BranchIcon size={20} />
          <h2 data-testid="branch-title">{b.name}</h2>
        </div>
        <div className="branch-subtitle">
          {parent ? (
            <>
              Branched from{" "}
              <button
                type="button"
                className="button link"
                data-testid="branch-parent-link"
                onClick={() => props.onSelect(parent.id)}
              >
                {parent.name}
              </button>
            </>
          ) : b.is_root ? (
            source ? (
              <span data-testid="branch-synced-from" title={`Synced from ${describeFrom(source)}`}>
                Root branch · synced from “{source.database}”
              </span>
            ) : (
              "Root branch · an imported database"
            )
          ) : (
            "Detached · the branch it came from was deleted"
          )}
          <BranchBadges branch={b} now={now} />
        </div>
      </header>

      <div className="action-bar" role="toolbar" aria-label="Branch actions">
        <div className="action-group">
          <Action
            id="branch-create-child"
            primary
            icon={<PlusIcon size={12} />}
            label="Create child"
            disabledReason={why.create}
            onClick={() => props.onAction("create")}
          />
          <Action
            id="branch-reset"
            icon={<ResetIcon size={12} />}
            label="Reset"
            disabledReason={why.reset}
            title="Reset from parent: replace this branch with a fresh copy of its parent"
            onClick={() => props.onAction("reset")}
          />
          <Action
            id="branch-deploy"
            icon={<DeployIcon size={12} />}
            label="Deploy request…"
            disabledReason={why.deploy}
            title={parent ? `Review and apply this branch's schema changes to ${parent.name}` : undefined}
            onClick={() => props.onAction("deploy")}
          />
          {b.undo_available && (
            <Action
              id="branch-undo-reset"
              icon={<UndoIcon size={12} />}
              label="Undo reset"
              disabledReason={why.undo}
              onClick={() => props.onAction("undo")}
            />
          )}
        </div>
        <div className="action-group">
          <ActionsMenu
            id="branch-more"
            label="More"
            menuLabel="More branch actions"
            title="Protect, rename, expiry, delete"
            items={[
              {
                ...menuItem(
                  "branch-protect",
                  props.protecting ? (b.protected ? "Unprotecting…" : "Protecting…") : b.protected ? "Unprotect" : "Protect",
                  b.protected ? <UnlockIcon size={12} /> : <LockIcon size={12} />,
                  props.protecting ? "Saving…" : undefined,
                  props.onToggleProtect,
                ),
              },
              menuItem("branch-rename", "Rename…", <EditIcon size={12} />, why.rename, () => props.onAction("rename")),
              menuItem(
                "branch-expire",
                b.expires_at ? "Change expiry…" : "Set expiry…",
                <ClockIcon size={12} />,
                why.expire,
                () => props.onAction("expire"),
              ),
              { ...menuItem("branch-delete", "Delete…", <TrashIcon size={12} />, why.delete, () => props.onAction("delete")), danger: true },
            ]}
          />
        </div>
      </div>
        </>
      )}

      {b.missing && (
        <div className="result-box notice-warn" data-testid="branch-missing">
          <WarnIcon size={13} /> {MISSING_HINT}
        </div>
      )}
      {props.error && (
        <div className="result-box dismissible" data-status="error" data-testid="branch-error" role="alert">
          <span>{props.error}</span>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={props.onDismissError}>
            ×
          </button>
        </div>
      )}

      {!wide && tabs}
      <div className={`tab-panel${wide ? " fill" : ""}`} role={TABS.length > 1 ? "tabpanel" : undefined}>
        {tab === "overview" && <BranchOverview {...props} />}
        {tab === "sql" && <SqlPanel server={props.server} branch={b} />}
        {tab === "compare" && (
          <CompareView
            server={props.server}
            branches={props.branches}
            branch={b.name}
            compareWithParent={props.compareWithParent}
            onCompareStarted={props.onCompareStarted}
          />
        )}
      </div>
    </section>
  );
}

const menuItem = (id: string, label: string, icon: ReactNode, disabledReason: string | undefined, run: () => void): MenuItem => ({
  id,
  label,
  icon,
  disabledReason,
  run,
});

function Action({
  id,
  label,
  icon,
  onClick,
  disabledReason,
  title,
  primary,
  danger,
}: {
  id: string;
  label: string;
  icon: ReactNode;
  onClick: () => void;
  disabledReason?: string;
  title?: string;
  primary?: boolean;
  danger?: boolean;
}) {
  const disabled = disabledReason !== undefined;
  const cls = `button${primary ? " primary" : ""}${danger ? " danger-text" : ""}`;
  // A disabled button gets no pointer events in some engines: the wrapper carries the tooltip.
  return (
    <span className="action" title={disabled ? disabledReason : title}>
      <button
        type="button"
        className={cls}
        id={id}
        data-testid={id}
        onClick={onClick}
        disabled={disabled}
      >
        {icon}
        {label}
      </button>
    </span>
  );
}
