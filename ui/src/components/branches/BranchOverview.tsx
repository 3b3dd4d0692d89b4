import { useEffect, useRef, useState } from "react";
import { commands } from "../../api";
import { formatAge, formatBytes, formatUntil } from "../../branches";
import { formatError } from "../../errors";
import { formatDate } from "../../format";
import { DetailRow } from "../DetailRow";
import { CopyIcon } from "../Icons";
import type { BranchDetailsProps } from "./BranchDetails";
import { SourcePanel } from "../../sources/SourcePanel";

/** The Overview tab of a branch: its details, and how to connect to it. */
export function BranchOverview({
  server,
  branch: b,
  parent,
  childBranches: children,
  undoSnapshot,
  now,
  onSelect,
}: BranchDetailsProps) {
  const until = b.expires_at ? formatUntil(b.expires_at, now) : null;
  return (
    <>
      {b.is_root && <SourcePanel server={server} root={b.name} now={now} />}
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
