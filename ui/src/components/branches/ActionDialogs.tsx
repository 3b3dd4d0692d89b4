import { useMemo, useRef, useState, type FormEvent } from "react";
import { commands } from "../../api";
import type { Branch } from "../../bindings/Branch";
import type { DeleteOutcome } from "../../bindings/DeleteOutcome";
import type { OnBusy } from "../../bindings/OnBusy";
import type { Snapshot } from "../../bindings/Snapshot";
import { formatUntil, MAX_NAME_BYTES, utf8Length, validateBranchName } from "../../branches";
import { formatError } from "../../errors";
import { formatDate } from "../../format";
import { useBranchOp } from "../../hooks/useBranchOp";
import { Modal } from "../Modal";
import { ByteCounter, FormField } from "./FormField";
import { OpDialog } from "./OpStatus";

/** What the confirmation dialogs say about how long something can be undone. */
export const KEEP_HOURS = 24;

const q = (name: string) => `“${name}”`;

// ----- reset -----

/** The confirmation text of a reset (exported for tests). */
export function resetMessage(branch: Branch, parent: string): string {
  return (
    `All changes made on ${q(branch.name)} since it was created or last reset — its data and its schema — ` +
    `are replaced by a fresh ${branch.schema_only ? "schema-only " : ""}copy of ${q(parent)} as it is now. ` +
    `You can undo the reset for ${KEEP_HOURS} hours.`
  );
}

export function ResetDialog({
  server,
  branch,
  parent,
  onClose,
  onDone,
}: {
  server: string | null;
  branch: Branch;
  parent: Branch;
  onClose: () => void;
  onDone: (b: Branch) => void;
}) {
  const op = useBranchOp(server);
  const submit = (onBusy: OnBusy, online = false) =>
    void op.start(
      {
        label: `Resetting ${q(branch.name)} from ${q(parent.name)}${online ? " online" : ""}`,
        run: (busy, opId) => commands.resetBranch(server, branch.name, busy, online, opId),
        sessionsOn: [
          { name: branch.name, protected: branch.protected },
          { name: parent.name, protected: parent.protected },
        ],
        onDone,
      },
      onBusy,
    );
  return (
    <OpDialog
      id="reset-dialog"
      title={`Reset ${q(branch.name)}?`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: "confirm-reset",
        label: "Reset branch",
        busyLabel: "Resetting…",
        danger: true,
        onSubmit: submit,
        onlineParent: parent.name,
      }}
    >
      <p className="confirm-message" data-testid="reset-message">
        {resetMessage(branch, parent.name)}
      </p>
      <p className="muted small">Clients connected to {q(branch.name)} must disconnect first.</p>
    </OpDialog>
  );
}

// ----- undo reset -----

export function UndoResetDialog({
  server,
  branch,
  snapshot,
  onClose,
  onDone,
}: {
  server: string | null;
  branch: Branch;
  /** The reset-undo snapshot, when known (for its deadline). */
  snapshot: Snapshot | null;
  onClose: () => void;
  onDone: (b: Branch) => void;
}) {
  const op = useBranchOp(server);
  const submit = (onBusy: OnBusy) =>
    void op.start(
      {
        label: `Undoing the reset of ${q(branch.name)}`,
        run: (busy, opId) => commands.undoReset(server, branch.name, busy, opId),
        sessionsOn: [{ name: branch.name, protected: branch.protected }],
        onDone,
      },
      onBusy,
    );
  return (
    <OpDialog
      id="undo-reset-dialog"
      title={`Undo the reset of ${q(branch.name)}?`}
      op={op}
      onClose={onClose}
      small
      submit={{ id: "confirm-undo-reset", label: "Undo reset", busyLabel: "Undoing…", danger: true, onSubmit: submit }}
    >
      <p className="confirm-message">
        {q(branch.name)} goes back to how it was just before its last reset
        {snapshot ? ` (${formatDate(snapshot.created_at)})` : ""}. Everything done on it since that reset is
        discarded, and cannot be brought back.
      </p>
      <p className="muted small">Clients connected to {q(branch.name)} must disconnect first.</p>
    </OpDialog>
  );
}

// ----- delete -----

export function DeleteDialog({
  server,
  branch,
  descendants,
  onClose,
  onDone,
}: {
  server: string | null;
  branch: Branch;
  /** Every branch below it. */
  descendants: Branch[];
  onClose: () => void;
  onDone: (outcome: DeleteOutcome) => void;
}) {
  const op = useBranchOp(server);
  const [recursive, setRecursive] = useState(false);
  const n = descendants.length;
  const protectedBelow = descendants.filter((d) => d.protected);
  const blockedReason =
    n > 0 && !recursive
      ? `Tick “also delete” first: a branch with children cannot be deleted alone.`
      : recursive && protectedBelow.length > 0
        ? `${protectedBelow.map((d) => q(d.name)).join(", ")} ${protectedBelow.length === 1 ? "is" : "are"} protected.`
        : undefined;

  const submit = (onBusy: OnBusy) => {
    const doomed = [branch, ...(recursive ? descendants : [])].filter((b) => !b.missing && !b.is_root);
    void op.start(
      {
        label: `Deleting ${q(branch.name)}${recursive && n > 0 ? ` and ${n} ${n === 1 ? "child" : "children"}` : ""}`,
        run: (busy, opId) => commands.deleteBranch(server, branch.name, recursive && n > 0, busy, opId),
        sessionsOn: doomed.map((b) => ({ name: b.name, protected: b.protected })),
        onDone,
      },
      onBusy,
    );
  };

  let message: string;
  if (branch.is_root) {
    message =
      `${q(branch.name)} stops being tracked by Grove. The database itself is not touched: ` +
      `you can import it again at any time.`;
  } else if (branch.missing) {
    message = `Its database is already gone (dropped outside Grove): this only removes ${q(branch.name)} from the tree.`;
  } else {
    message =
      `Its database is kept for ${KEEP_HOURS} hours: until then you can restore it from “Recently deleted”. ` +
      `After that it is dropped for good.`;
  }

  return (
    <OpDialog
      id="delete-dialog"
      title={branch.is_root ? `Stop tracking ${q(branch.name)}?` : `Delete ${q(branch.name)}?`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: "confirm-delete",
        label: branch.is_root ? "Stop tracking" : "Delete",
        busyLabel: "Deleting…",
        danger: true,
        disabled: blockedReason !== undefined,
        disabledReason: blockedReason,
        onSubmit: submit,
      }}
    >
      <p className="confirm-message" data-testid="delete-message">
        {message}
      </p>
      {n > 0 && (
        <label className="checkbox-row">
          <input
            type="checkbox"
            id="delete-recursive"
            data-testid="delete-recursive"
            checked={recursive}
            onChange={(e) => setRecursive(e.target.checked)}
          />
          <span>
            <span className="checkbox-label">
              Also delete its {n} {n === 1 ? "child" : "children"}
            </span>
            <span className="checkbox-help">
              {descendants.map((d) => d.name).join(", ")}
            </span>
          </span>
        </label>
      )}
      {recursive && protectedBelow.length > 0 && (
        <p className="field-error">
          {protectedBelow.map((d) => q(d.name)).join(", ")} {protectedBelow.length === 1 ? "is" : "are"} protected:
          unprotect {protectedBelow.length === 1 ? "it" : "them"} first.
        </p>
      )}
    </OpDialog>
  );
}

// ----- rename -----

export function RenameDialog({
  server,
  branch,
  branches,
  onClose,
  onDone,
}: {
  server: string | null;
  branch: Branch;
  branches: readonly Branch[];
  onClose: () => void;
  onDone: (b: Branch) => void;
}) {
  const op = useBranchOp(server);
  const [name, setName] = useState(branch.name);
  const [submitted, setSubmitted] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  const others = useMemo(() => branches.filter((b) => b.id !== branch.id).map((b) => b.name), [branches, branch.id]);
  const error = name === branch.name ? "That is its current name." : validateBranchName(name, others);

  const submit = (onBusy: OnBusy) => {
    setSubmitted(true);
    if (error !== null) return;
    void op.start(
      {
        label: `Renaming ${q(branch.name)} to ${q(name)}`,
        run: (busy, opId) => commands.renameBranch(server, branch.name, name, busy, opId),
        sessionsOn: [{ name: branch.name, protected: branch.protected }],
        onDone,
      },
      onBusy,
    );
  };

  return (
    <OpDialog
      id="rename-dialog"
      title={`Rename ${q(branch.name)}`}
      op={op}
      onClose={onClose}
      small
      initialFocus={ref}
      submit={{ id: "rename-submit", label: "Rename", busyLabel: "Renaming…", onSubmit: submit }}
    >
      <FormField
        label="New name"
        htmlFor="rename-name"
        error={submitted ? error : null}
        aside={<ByteCounter bytes={utf8Length(name)} max={MAX_NAME_BYTES} />}
        help="The database is renamed too: update the connection strings that use the old name."
      >
        <input
          ref={ref}
          id="rename-name"
          data-testid="rename-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          onFocus={(e) => e.target.select()}
          autoComplete="off"
          spellCheck={false}
        />
      </FormField>
    </OpDialog>
  );
}

// ----- restore -----

export function RestoreDialog({
  server,
  snapshot,
  nameTaken,
  onClose,
  onDone,
}: {
  server: string | null;
  snapshot: Snapshot;
  /** A branch of that name exists now (restoring would clash). */
  nameTaken: boolean;
  onClose: () => void;
  onDone: (b: Branch) => void;
}) {
  const op = useBranchOp(server);
  const name = snapshot.branch_name;
  const submit = () =>
    void op.start({
      label: `Restoring ${q(name)}`,
      run: (_busy, opId) => commands.restoreBranch(server, name, opId),
      onDone,
    });
  return (
    <OpDialog
      id="restore-dialog"
      title={`Restore ${q(name)}?`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: "confirm-restore",
        label: "Restore",
        busyLabel: "Restoring…",
        disabled: nameTaken,
        disabledReason: `A branch named ${q(name)} exists: rename it first`,
        onSubmit: submit,
      }}
    >
      <p className="confirm-message">
        {q(name)} comes back with its data as it was when it was deleted ({formatDate(snapshot.created_at)}), under
        its parent if that still exists, otherwise as a top-level branch. Any expiry it had is cleared.
      </p>
      {nameTaken && <p className="field-error">A branch named {q(name)} exists now: rename or delete it first.</p>}
    </OpDialog>
  );
}

// ----- expiry -----

type Unit = "hours" | "days";
const PRESETS: { label: string; amount: number; unit: Unit }[] = [
  { label: "8 hours", amount: 8, unit: "hours" },
  { label: "1 day", amount: 1, unit: "days" },
  { label: "3 days", amount: 3, unit: "days" },
  { label: "1 week", amount: 7, unit: "days" },
];

/** Hours from an amount typed by hand, or null if it is not a positive number. */
export function parseExpiry(amount: string, unit: Unit): number | null {
  const v = amount.trim().replace(",", ".");
  if (!/^\d+(\.\d+)?$/.test(v)) return null;
  const n = Number(v);
  if (!(n > 0)) return null;
  return unit === "days" ? n * 24 : n;
}

export function ExpireDialog({
  server,
  branch,
  onClose,
  onDone,
}: {
  server: string | null;
  branch: Branch;
  onClose: () => void;
  onDone: (b: Branch) => void;
}) {
  const [amount, setAmount] = useState("1");
  const [unit, setUnit] = useState<Unit>("days");
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLInputElement>(null);
  const hours = parseExpiry(amount, unit);
  const amountError = hours === null ? "Enter a positive number." : null;

  const apply = async (h: number | null) => {
    setError(null);
    setBusy(true);
    try {
      onDone(await commands.expireBranch(server, branch.name, h));
    } catch (e) {
      setError(formatError(e));
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (hours !== null && !busy && !branch.protected) void apply(hours);
  };

  return (
    <Modal
      id="expire-dialog"
      title={`Expiry of ${q(branch.name)}`}
      onClose={onClose}
      className="modal-small"
      initialFocus={ref}
      footer={
        <>
          {branch.expires_at && (
            <button
              type="button"
              className="button"
              id="expire-clear"
              data-testid="expire-clear"
              onClick={() => void apply(null)}
              disabled={busy}
            >
              Never expire
            </button>
          )}
          <span className="spacer" />
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="expire-form"
            className="button primary"
            id="expire-submit"
            data-testid="expire-submit"
            disabled={busy || branch.protected}
            title={branch.protected ? "Protected branches cannot expire: unprotect it first" : undefined}
          >
            {busy ? "Saving…" : "Set expiry"}
          </button>
        </>
      }
    >
      <form id="expire-form" className="form" onSubmit={submit} noValidate>
        <p className="dialog-intro">
          {branch.expires_at
            ? `It expires ${formatUntil(branch.expires_at) ?? "now"} (${formatDate(branch.expires_at)}).`
            : "It does not expire."}{" "}
          Housekeeping deletes expired branches (restorable for {KEEP_HOURS} hours after that).
        </p>
        <FormField label="Delete it in" htmlFor="expire-amount" error={submitted ? amountError : null}>
          <div className="input-with-button">
            <input
              ref={ref}
              id="expire-amount"
              data-testid="expire-amount"
              inputMode="decimal"
              value={amount}
              onChange={(e) => setAmount(e.target.value)}
              className="narrow"
              autoComplete="off"
            />
            <select
              id="expire-unit"
              data-testid="expire-unit"
              value={unit}
              onChange={(e) => setUnit(e.target.value as Unit)}
            >
              <option value="hours">hours</option>
              <option value="days">days</option>
            </select>
          </div>
        </FormField>
        <div className="chips" role="group" aria-label="Presets">
          {PRESETS.map((p) => (
            <button
              key={p.label}
              type="button"
              className={`chip${amount === String(p.amount) && unit === p.unit ? " active" : ""}`}
              onClick={() => {
                setAmount(String(p.amount));
                setUnit(p.unit);
              }}
            >
              {p.label}
            </button>
          ))}
        </div>
        {branch.protected && (
          <p className="field-error">It is protected: it cannot get an expiry, only lose the one it has.</p>
        )}
        {error && (
          <div className="result-box" data-status="error" data-testid="branch-error" role="alert">
            {error}
          </div>
        )}
      </form>
    </Modal>
  );
}
