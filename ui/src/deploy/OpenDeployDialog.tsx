import { useState } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { DeployCheck } from "../bindings/DeployCheck";
import { FormField } from "../components/branches/FormField";
import { OpDialog } from "../components/branches/OpStatus";
import { useBranchOp } from "../hooks/useBranchOp";

interface Props {
  server: string | null;
  /** The branch whose changes are deployed. */
  branch: Branch;
  branches: Branch[];
  onClose: () => void;
  /** The request was opened and checked. */
  onOpened: (check: DeployCheck) => void;
}

/** "Open deploy request…": the child's schema changes into its parent (or another branch), checked at once. */
export function OpenDeployDialog({ server, branch, branches, onClose, onOpened }: Props) {
  const op = useBranchOp(server);
  const targets = branches.filter((b) => b.name !== branch.name && !b.missing);
  const [into, setInto] = useState(branch.parent ?? targets[0]?.name ?? "");
  const submit = () =>
    void op.start({
      label: `Checking ${branch.name} against ${into}`,
      run: (_busy, opId) => commands.deployCreate(server, branch.name, into === branch.parent ? null : into, opId),
      onDone: onOpened,
    });
  return (
    <OpDialog
      id="deploy-open-dialog"
      title={`Deploy “${branch.name}”`}
      op={op}
      onClose={onClose}
      small
      submit={{
        id: "confirm-deploy-open",
        label: "Open deploy request",
        busyLabel: "Checking…",
        disabled: into === "",
        disabledReason: "Choose the branch to deploy into",
        onSubmit: submit,
      }}
    >
      <p className="confirm-message">
        A deploy request takes the schema changes made on “{branch.name}” and applies them to the branch below, after a
        review. Opening it checks for conflicts with that branch's own changes; nothing is changed yet.
      </p>
      <FormField label="Deploy into" htmlFor="deploy-into" help={into === branch.parent ? "Its parent" : undefined}>
        <select id="deploy-into" data-testid="deploy-into" value={into} onChange={(e) => setInto(e.target.value)}>
          {targets.map((b) => (
            <option key={b.id} value={b.name}>
              {b.name}
              {b.name === branch.parent ? " (parent)" : ""}
            </option>
          ))}
        </select>
      </FormField>
    </OpDialog>
  );
}
