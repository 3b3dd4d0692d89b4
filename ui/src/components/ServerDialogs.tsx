import type { Branch } from "../bindings/Branch";
import type { DeleteOutcome } from "../bindings/DeleteOutcome";
import type { DeployCheck } from "../bindings/DeployCheck";
import type { Snapshot } from "../bindings/Snapshot";
import { descendantsOf, findNode, type BranchNode } from "../branches";
import {
  DeleteDialog,
  ExpireDialog,
  RenameDialog,
  ResetDialog,
  RestoreDialog,
  UndoResetDialog,
} from "./branches/ActionDialogs";
import type { BranchAction } from "./branches/BranchDetails";
import { CreateBranchDialog } from "./branches/CreateBranchDialog";
import { HousekeepingDialog } from "./branches/HousekeepingDialog";
import { ImportDialog } from "./branches/ImportDialog";
import { OpenDeployDialog } from "../deploy/OpenDeployDialog";
import { RebaseDialog } from "../deploy/RebaseDialog";
import { AddSourceDialog } from "../sources/AddSourceDialog";

/** The dialog a server view shows, if any. */
export type ServerDialog =
  | { kind: "import" }
  | { kind: "add-source" }
  | { kind: "housekeeping" }
  | { kind: "restore"; snapshot: Snapshot }
  | { kind: BranchAction; id: string };

interface Props {
  server: string | null;
  dialog: ServerDialog | null;
  branches: Branch[];
  byId: Map<string, Branch>;
  names: Set<string>;
  roots: BranchNode[];
  snapshots: Snapshot[];
  undoSnapshot: (b: Branch) => Snapshot | null;
  onClose: () => void;
  /** An operation returned this branch (selected unless told otherwise). */
  onLanded: (b: Branch, selectIt?: boolean) => void;
  onDeleted: (b: Branch, outcome: DeleteOutcome) => void;
  onReload: () => void;
  /** A deploy request was opened (and checked). */
  onDeployOpened: (check: DeployCheck) => void;
}

/** The server's and its branches' dialogs (import, housekeeping, restore, and each branch action). */
export function ServerDialogs(props: Props) {
  const { server, dialog, branches, byId, names, roots, snapshots, undoSnapshot, onClose, onLanded, onDeleted, onReload, onDeployOpened } = props;
  const dialogBranch = dialog && "id" in dialog ? byId.get(dialog.id) ?? null : null;
  return (
    <>
      {dialog?.kind === "import" && (
        <ImportDialog server={server} branches={branches} onClose={onClose} onImported={(b) => onLanded(b)} />
      )}
      {dialog?.kind === "add-source" && (
        <AddSourceDialog server={server} branches={branches} onClose={onClose} onAdded={() => {
          onClose();
          onReload();
        }} />
      )}
      {dialog?.kind === "housekeeping" && (
        <HousekeepingDialog
          server={server}
          snapshots={snapshots}
          onClose={onClose}
          onDone={onReload}
        />
      )}
      {dialog?.kind === "restore" && (
        <RestoreDialog
          server={server}
          snapshot={dialog.snapshot}
          nameTaken={names.has(dialog.snapshot.branch_name)}
          onClose={onClose}
          onDone={(b) => onLanded(b)}
        />
      )}
      {dialogBranch && dialog?.kind === "create" && (
        <CreateBranchDialog
          server={server}
          branches={branches}
          parent={dialogBranch}
          onClose={onClose}
          onCreated={(b) => onLanded(b)}
        />
      )}
      {dialogBranch && dialog?.kind === "reset" && (
        <ResetDialog
          server={server}
          branch={dialogBranch}
          parent={
            (dialogBranch.parent_id !== null ? byId.get(dialogBranch.parent_id) : undefined) ?? {
              ...dialogBranch,
              name: dialogBranch.parent ?? "its parent",
              protected: false,
            }
          }
          onClose={onClose}
          onDone={(b) => onLanded(b, false)}
        />
      )}
      {dialogBranch && dialog?.kind === "undo" && (
        <UndoResetDialog
          server={server}
          branch={dialogBranch}
          snapshot={undoSnapshot(dialogBranch)}
          onClose={onClose}
          onDone={(b) => onLanded(b, false)}
        />
      )}
      {dialogBranch && dialog?.kind === "rename" && (
        <RenameDialog
          server={server}
          branch={dialogBranch}
          branches={branches}
          onClose={onClose}
          onDone={(b) => onLanded(b)}
        />
      )}
      {dialogBranch && dialog?.kind === "expire" && (
        <ExpireDialog server={server} branch={dialogBranch} onClose={onClose} onDone={(b) => onLanded(b, false)} />
      )}
      {dialogBranch && dialog?.kind === "deploy" && (
        <OpenDeployDialog server={server} branch={dialogBranch} branches={branches} onClose={onClose} onOpened={onDeployOpened} />
      )}
      {dialogBranch && dialog?.kind === "rebase" && dialogBranch.parent_id !== null && byId.has(dialogBranch.parent_id) && (
        <RebaseDialog
          server={server}
          branch={dialogBranch}
          parent={byId.get(dialogBranch.parent_id)!}
          onClose={onClose}
          onDone={(b) => onLanded(b, false)}
        />
      )}
      {dialogBranch && dialog?.kind === "delete" && (
        <DeleteDialog
          server={server}
          branch={dialogBranch}
          descendants={(() => {
            const n = findNode(roots, dialogBranch.id);
            return n ? descendantsOf(n) : [];
          })()}
          onClose={onClose}
          onDone={(outcome) => onDeleted(dialogBranch, outcome)}
        />
      )}
    </>
  );
}
