import { useMemo, useRef, useState } from "react";
import { commands } from "../../api";
import type { Branch } from "../../bindings/Branch";
import type { OnBusy } from "../../bindings/OnBusy";
import { MAX_NAME_BYTES, utf8Length, validateBranchName } from "../../branches";
import { useBranchOp } from "../../hooks/useBranchOp";
import { ByteCounter, FormField } from "./FormField";
import { OpDialog } from "./OpStatus";

interface Props {
  server: string | null;
  branches: readonly Branch[];
  /** The preselected parent. */
  parent: Branch;
  onClose: () => void;
  onCreated: (b: Branch) => void;
}

export function CreateBranchDialog({ server, branches, parent: initialParent, onClose, onCreated }: Props) {
  const op = useBranchOp(server);
  const [name, setName] = useState("");
  const [parentName, setParentName] = useState(initialParent.name);
  const [schemaOnly, setSchemaOnly] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);

  // By name (names like dev/alex already show the family); missing databases cannot be copied.
  const parents = useMemo(
    () =>
      branches
        .filter((b) => !b.missing || b.name === initialParent.name)
        .sort((a, b) => a.name.localeCompare(b.name)),
    [branches, initialParent.name],
  );
  const parent = branches.find((b) => b.name === parentName) ?? initialParent;
  const names = useMemo(() => branches.map((b) => b.name), [branches]);
  const nameError = validateBranchName(name, names);
  const parentError = parent.missing ? `The database of “${parent.name}” is missing; choose another parent.` : null;

  const submit = (onBusy: OnBusy, online = false) => {
    setSubmitted(true);
    if (nameError !== null || parentError !== null) {
      nameRef.current?.focus();
      return;
    }
    void op.start(
      {
        label: `Creating “${name}” from “${parent.name}”${schemaOnly ? " (schema only)" : ""}${online ? " online" : ""}`,
        run: (busy, opId) => commands.createBranch(server, name, parent.name, schemaOnly, busy, online, opId),
        sessionsOn: [{ name: parent.name, protected: parent.protected }],
        onDone: onCreated,
      },
      onBusy,
    );
  };

  return (
    <OpDialog
      id="create-branch-dialog"
      title="Create branch"
      op={op}
      onClose={onClose}
      initialFocus={nameRef}
      submit={{
        id: "create-branch-submit",
        label: "Create branch",
        busyLabel: "Creating…",
        onSubmit: submit,
        onlineParent: parent.name,
      }}
    >
      <FormField
        label="Name"
        htmlFor="create-branch-name"
        error={submitted ? nameError : null}
        aside={<ByteCounter bytes={utf8Length(name)} max={MAX_NAME_BYTES} />}
        help="Also the name of its database, e.g. dev/alex or preview/pr-123."
      >
        <input
          ref={nameRef}
          id="create-branch-name"
          data-testid="create-branch-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. dev/alex"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={submitted && nameError ? true : undefined}
        />
      </FormField>

      <FormField
        label="Parent"
        htmlFor="create-branch-parent"
        error={submitted ? parentError : null}
        help="Copied as it is now. Nobody else may be connected to it while it is copied."
      >
        <select
          id="create-branch-parent"
          data-testid="create-branch-parent"
          value={parentName}
          onChange={(e) => setParentName(e.target.value)}
        >
          {parents.map((b) => (
            <option key={b.id} value={b.name} disabled={b.missing}>
              {b.name}
              {b.protected ? " (protected)" : ""}
              {b.missing ? " (missing)" : ""}
            </option>
          ))}
        </select>
      </FormField>

      <label className="checkbox-row">
        <input
          type="checkbox"
          id="create-branch-schema-only"
          data-testid="create-branch-schema-only"
          checked={schemaOnly}
          onChange={(e) => setSchemaOnly(e.target.checked)}
        />
        <span>
          <span className="checkbox-label">Schema only</span>
          <span className="checkbox-help">
            Same tables, views, functions and types as the parent, but every table is empty and sequences start over.
            Handy for trying migrations or writing tests against a clean database. The parent is still copied first,
            so it takes about as long as a full branch.
          </span>
        </span>
      </label>

      {parent.protected && (
        <p className="muted small">
          “{parent.name}” is protected: copying it does not change it, and its sessions are never terminated without
          your explicit confirmation.
        </p>
      )}
    </OpDialog>
  );
}
