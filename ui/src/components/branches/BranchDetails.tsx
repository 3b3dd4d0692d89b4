import { useEffect, useRef, useState, type ReactNode } from "react";
import { commands } from "../../api";
import { CompareView } from "../../compare/CompareView";
import { SqlPanel } from "../../sql/SqlPanel";
import type { Branch } from "../../bindings/Branch";
import type { Snapshot } from "../../bindings/Snapshot";
import { formatAge, formatBytes, formatUntil } from "../../branches";
import { formatError } from "../../errors";
import { formatDate } from "../../format";
import { DetailRow } from "../DetailRow";
import {
  BranchIcon,
  ClockIcon,
  CopyIcon,
  EditIcon,
  LockIcon,
  PlusIcon,
  ResetIcon,
  TrashIcon,
  UndoIcon,
  UnlockIcon,
  WarnIcon,
} from "../Icons";
import { BranchBadges, MISSING_HINT } from "./BranchBadges";
import { CompactHeader } from "./CompactHeader";

export type BranchAction = "create" | "reset" | "undo" | "rename" | "expire" | "delete";

interface Props {
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
  };
}

export function BranchDetails(props: Props) {
  const { branch: b, parent, now } = props;
  const [ownTab, setOwnTab] = useState<BranchTabId>("overview");
  const tab = props.tab ?? ownTab;
  const setTab = props.onTab ?? setOwnTab;
  const why = disabledReasons(b, parent);
  const wide = tab !== "overview";

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
            "Root branch · an imported database"
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
            label="Reset from parent"
            disabledReason={why.reset}
            onClick={() => props.onAction("reset")}
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
          <Action
            id="branch-rename"
            icon={<EditIcon size={12} />}
            label="Rename"
            disabledReason={why.rename}
            onClick={() => props.onAction("rename")}
          />
          <Action
            id="branch-protect"
            icon={b.protected ? <UnlockIcon size={12} /> : <LockIcon size={12} />}
            label={props.protecting ? (b.protected ? "Unprotecting…" : "Protecting…") : b.protected ? "Unprotect" : "Protect"}
            disabledReason={props.protecting ? "Saving…" : undefined}
            title={b.protected ? "Allow reset, rename, expiry and delete again" : "Prevent reset, rename, expiry and delete"}
            onClick={props.onToggleProtect}
          />
          <Action
            id="branch-expire"
            icon={<ClockIcon size={12} />}
            label={b.expires_at ? "Change expiry" : "Set expiry"}
            disabledReason={why.expire}
            onClick={() => props.onAction("expire")}
          />
          <Action
            id="branch-delete"
            danger
            icon={<TrashIcon size={12} />}
            label="Delete"
            disabledReason={why.delete}
            onClick={() => props.onAction("delete")}
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

      {TABS.length > 1 && (
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
      )}
      <div className={`tab-panel${wide ? " fill" : ""}`} role={TABS.length > 1 ? "tabpanel" : undefined}>
        {tab === "overview" && <Overview {...props} />}
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

function Overview({ server, branch: b, parent, childBranches: children, undoSnapshot, now, onSelect }: Props) {
  const until = b.expires_at ? formatUntil(b.expires_at, now) : null;
  return (
    <>
      <div className="card">
        <h3>Branch</h3>
        <dl className="detail-grid">
          <DetailRow label="Parent">
            {parent ? (
              <button type="button" className="button link" onClick={() => onSelect(parent.id)}>
                {parent.name}
              </button>
            ) : (
              <span className="muted">{b.is_root ? "none (root)" : "none (its parent was deleted)"}</span>
            )}
          </DetailRow>
          {children.length > 0 && (
            <DetailRow label={children.length === 1 ? "Child" : `Children (${children.length})`}>
              <span className="link-list">
                {children.map((c) => (
                  <button key={c.id} type="button" className="button link" onClick={() => onSelect(c.id)}>
                    {c.name}
                  </button>
                ))}
              </span>
            </DetailRow>
          )}
          <DetailRow label="Size">
            <span data-testid="branch-size">{b.missing ? "—" : formatBytes(b.size_bytes)}</span>
          </DetailRow>
          <DetailRow label="Contents">{b.schema_only ? "Schema only (created without rows)" : "Schema and data"}</DetailRow>
          <DetailRow label="Created">
            <span data-testid="branch-created">
              {formatDate(b.created_at)} <span className="muted">· {formatAge(b.created_at, now)}</span>
              {b.created_by && <span className="muted"> · by {b.created_by}</span>}
            </span>
          </DetailRow>
          <DetailRow label="Protected">
            {b.protected ? "Yes: it cannot be reset, renamed, expired or deleted" : <span className="muted">No</span>}
          </DetailRow>
          <DetailRow label="Expiry">
            <span data-testid="branch-expiry">
              {b.expires_at ? (
                <>
                  {formatDate(b.expires_at)}{" "}
                  <span className="muted">· {until ?? "expired: housekeeping deletes it"}</span>
                </>
              ) : (
                <span className="muted">never</span>
              )}
            </span>
          </DetailRow>
          {b.undo_available && (
            <DetailRow label="Undo reset">
              {undoSnapshot ? `Available until ${formatDate(undoSnapshot.keep_until)}` : "Available"}
            </DetailRow>
          )}
        </dl>
      </div>
      {!b.missing && <ConnectionCard key={b.name} server={server} name={b.name} />}
    </>
  );
}

/**
 * The branch's connection string (without the password on screen) and Copy (with it).
 * Keyed by the branch name: a rename starts it afresh.
 */
function ConnectionCard({ server, name }: { server: string | null; name: string }) {
  const [url, setUrl] = useState<{ name: string; text: string; error?: boolean } | null>(null);
  const [copy, setCopy] = useState<{ state: "idle" | "busy" | "copied" } | { state: "error"; error: string }>({
    state: "idle",
  });

  // The URL with the password is fetched ahead (never rendered) so that Copy can write it
  // while the click still counts as a user gesture, which WebKit's clipboard requires.
  const secret = useRef<{ name: string; url: string } | null>(null);

  useEffect(() => {
    let stale = false;
    commands
      .branchUrl(server, name, false)
      .then((text) => !stale && setUrl({ name, text }))
      .catch((e) => !stale && setUrl({ name, text: formatError(e), error: true }));
    commands
      .branchUrl(server, name, true)
      .then((url) => {
        if (!stale) secret.current = { name, url };
      })
      .catch(() => {
        // Copy asks again and reports the error.
      });
    return () => {
      stale = true;
    };
  }, [server, name]);

  useEffect(() => {
    if (copy.state !== "copied") return;
    const t = setTimeout(() => setCopy({ state: "idle" }), 1500);
    return () => clearTimeout(t);
  }, [copy]);

  const doCopy = async () => {
    setCopy({ state: "busy" });
    try {
      const ready = secret.current?.name === name ? secret.current.url : null;
      await navigator.clipboard.writeText(ready ?? (await commands.branchUrl(server, name, true)));
      setCopy({ state: "copied" });
    } catch (e) {
      setCopy({ state: "error", error: formatError(e) });
    }
  };

  const current = url?.name === name ? url : null;
  return (
    <div className="card">
      <h3>Connect</h3>
      <div className="url-row">
        <code className={`url-box mono${current?.error ? " error" : ""}`} data-testid="branch-url">
          {current ? current.text : <span className="muted">Loading…</span>}
        </code>
        <button
          type="button"
          className="button"
          id="branch-copy-url"
          data-testid="branch-copy-url"
          onClick={() => void doCopy()}
          disabled={copy.state === "busy"}
          title="Copies the connection string including the password"
        >
          <CopyIcon size={12} />
          {copy.state === "copied" ? "Copied" : "Copy"}
        </button>
      </div>
      {copy.state === "error" ? (
        <div className="inline-result flush" data-status="error" data-testid="branch-error">
          Could not copy: {copy.error}
        </div>
      ) : (
        <p className="muted small card-note">The password is not shown here; Copy includes it.</p>
      )}
    </div>
  );
}

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
