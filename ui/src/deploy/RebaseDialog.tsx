import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { OnBusy } from "../bindings/OnBusy";
import { OpDialog } from "../components/branches/OpStatus";
import { useBranchOp } from "../hooks/useBranchOp";

/** Rebase: a fresh copy of the parent as it is now with the branch's own schema changes replayed. */
export function RebaseDialog({
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
        label: `Rebasing “${branch.name}” onto “${parent.name}”${online ? " online" : ""}`,
        run: (busy, opId) => commands.branchRebase(server, branch.name, busy, online, opId),
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
      id="rebase-dialog"
      title={`Rebase “${branch.name}” onto “${parent.name}”?`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: "confirm-rebase",
        label: "Rebase branch",
        busyLabel: "Rebasing…",
        danger: true,
        onSubmit: submit,
        onlineParent: parent.name,
      }}
    >
      <p className="confirm-message" data-testid="rebase-message">
        “{branch.name}” becomes a fresh copy of “{parent.name}” as it is now — its data included — with the schema changes
        made on “{branch.name}” replayed on top. It is refused when those changes conflict with what changed on “
        {parent.name}”. You can undo the rebase like a reset.
      </p>
      <p className="muted small">Clients connected to “{branch.name}” must disconnect first.</p>
    </OpDialog>
  );
}
