import { useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { commands } from "../../api";
import type { Branch } from "../../bindings/Branch";
import type { DatabaseInfo } from "../../bindings/DatabaseInfo";
import { formatBytes, isSystemDatabase, MAX_NAME_BYTES, utf8Length, validateBranchName } from "../../branches";
import { formatError } from "../../errors";
import { useBranchOp } from "../../hooks/useBranchOp";
import { queryKeys } from "../../queries/keys";
import { ByteCounter, FormField } from "./FormField";
import { OpDialog } from "./OpStatus";

const NO_DATABASES: DatabaseInfo[] = [];

interface Props {
  server: string | null;
  branches: readonly Branch[];
  onClose: () => void;
  onImported: (b: Branch) => void;
}

/** The server's databases that can become branches (not tracked yet, not system ones), by name. */
function importable(all: DatabaseInfo[]): DatabaseInfo[] {
  return all.filter((d) => !d.tracked && !isSystemDatabase(d.name)).sort((a, b) => a.name.localeCompare(b.name));
}

export function ImportDialog({ server, branches, onClose, onImported }: Props) {
  const op = useBranchOp(server);
  const dbs = useQuery({
    queryKey: queryKeys.databases(server),
    queryFn: () => commands.listDatabases(server),
    select: importable,
    // Listed as the dialog opens (and on Retry), not behind the user's back while they choose.
    refetchOnWindowFocus: false,
  });
  const [chosen, setChosen] = useState("");
  const [name, setName] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const selectRef = useRef<HTMLSelectElement>(null);

  const list = dbs.data ?? NO_DATABASES;
  // The first database until the user picks one (or when theirs is gone from a new answer).
  const database = list.some((d) => d.name === chosen) ? chosen : (list[0]?.name ?? "");

  const names = useMemo(() => branches.map((b) => b.name), [branches]);
  const finalName = name === "" ? database : name;
  const nameError = database === "" ? null : validateBranchName(finalName, names);
  const renaming = name !== "" && name !== database;

  const submit = () => {
    setSubmitted(true);
    if (database === "" || nameError !== null) return;
    void op.start({
      label: renaming ? `Importing “${database}” as “${name}”` : `Importing “${database}”`,
      run: (_onBusy, opId) => commands.importDatabase(server, database, renaming ? name : null, opId),
      onDone: onImported,
    });
  };

  return (
    <OpDialog
      id="import-dialog"
      title="Import database"
      op={op}
      onClose={onClose}
      initialFocus={selectRef}
      submit={{
        id: "import-submit",
        label: "Import",
        busyLabel: "Importing…",
        disabled: database === "",
        disabledReason: "Choose a database first",
        onSubmit: submit,
      }}
    >
      <p className="dialog-intro">
        An imported database becomes a root branch: you can branch from it, but Grove never resets, expires or drops
        it. Deleting its branch later only stops tracking it.
      </p>

      <FormField
        label="Database"
        htmlFor="import-database-select"
        error={dbs.isError ? `Could not list the databases: ${formatError(dbs.error)}` : null}
      >
        <div className="input-with-button">
          <select
            ref={selectRef}
            id="import-database-select"
            data-testid="import-database-select"
            value={database}
            onChange={(e) => setChosen(e.target.value)}
            disabled={list.length === 0}
          >
            {dbs.isPending && <option value="">Loading…</option>}
            {dbs.isSuccess && list.length === 0 && <option value="">No databases to import</option>}
            {list.map((d) => (
              <option key={d.name} value={d.name}>
                {d.name}
                {d.size_bytes !== null ? ` — ${formatBytes(d.size_bytes)}` : ""}
              </option>
            ))}
          </select>
          {dbs.isError && (
            <button type="button" className="button" onClick={() => void dbs.refetch()}>
              Retry
            </button>
          )}
        </div>
      </FormField>
      {dbs.isSuccess && list.length === 0 && (
        <p className="muted small" data-testid="import-none">
          Every database on this server is already a branch (system databases cannot be imported).
        </p>
      )}

      <FormField
        label="Branch name (optional)"
        htmlFor="import-name"
        error={submitted ? nameError : null}
        aside={name !== "" ? <ByteCounter bytes={utf8Length(name)} max={MAX_NAME_BYTES} /> : undefined}
        help={
          renaming
            ? `The database is renamed to “${name}”. Nobody may be connected to it while it is renamed.`
            : "Leave empty to keep the database's name. A different name renames the database."
        }
      >
        <input
          id="import-name"
          data-testid="import-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder={database || "same as the database"}
          autoComplete="off"
          spellCheck={false}
        />
      </FormField>
    </OpDialog>
  );
}
