import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { commands } from "../api";
import type { Branch } from "../bindings/Branch";
import type { SourceInfo } from "../bindings/SourceInfo";
import { MAX_NAME_BYTES, utf8Length, validateBranchName } from "../branches";
import { ByteCounter, FormField } from "../components/branches/FormField";
import { OpDialog } from "../components/branches/OpStatus";
import { useBranchOp } from "../hooks/useBranchOp";
import { queryKeys } from "../queries/keys";
import { EMPTY_FROM, fromError, fromValue, SourceFromFields, type FromState } from "./SourceFromFields";
import { EMPTY_TABLES, SourceTablesFields, type TablesState } from "./SourceTablesFields";
import { parseFilters, parseList, scheduleSpec } from "./sourceText";

interface Props {
  server: string | null;
  branches: readonly Branch[];
  onClose: () => void;
  onAdded: (s: SourceInfo) => void;
}

/** "Add source…": a new root branch copied online from a database elsewhere, and kept in sync. */
export function AddSourceDialog({ server, branches, onClose, onAdded }: Props) {
  const op = useBranchOp(server);
  const client = useQueryClient();
  const conns = useQuery({ queryKey: queryKeys.connections, queryFn: () => commands.listConnections() });
  const [root, setRoot] = useState("");
  const [from, setFrom] = useState<FromState>(EMPTY_FROM);
  const [tables, setTables] = useState<TablesState>(EMPTY_TABLES);
  const [submitted, setSubmitted] = useState(false);
  const rootRef = useRef<HTMLInputElement>(null);

  const names = useMemo(() => branches.map((b) => b.name), [branches]);
  const list = conns.data ?? [];
  const rootError = validateBranchName(root.trim(), names);
  const filters = parseFilters(tables.filters);
  const schedule = scheduleSpec(tables.schedule, tables.time, tables.hours);

  const submit = () => {
    setSubmitted(true);
    const source = fromValue(from, list);
    if (rootError || fromError(from, list) || filters.error || schedule.error || !source) return;
    const name = root.trim();
    const selection = {
      include: parseList(tables.include),
      exclude: parseList(tables.exclude),
      schema_only: parseList(tables.schemaOnly),
      filters: filters.filters,
    };
    void op.start({
      label: `Copying “${name}” from ${source}`,
      run: (_onBusy, opId) =>
        commands.addSource(server, name, source, from.database.trim() || null, selection, schedule.every, opId),
      onDone: (s) => {
        void client.invalidateQueries({ queryKey: queryKeys.server(server) });
        onAdded(s);
      },
    });
  };

  return (
    <OpDialog
      id="add-source-dialog"
      title="Add source"
      op={op}
      onClose={onClose}
      initialFocus={rootRef}
      submit={{ id: "add-source-submit", label: "Copy and link", busyLabel: "Copying…", onSubmit: submit }}
    >
      <p className="dialog-intro">
        A new root branch becomes an online copy of a database on another server (or this one), as of one instant,
        without disturbing its users. Refresh it later, by hand or on a schedule; its children stay as they are until
        reset.
      </p>
      <FormField
        label="Root branch name"
        htmlFor="source-root"
        error={submitted ? rootError : null}
        aside={root !== "" ? <ByteCounter bytes={utf8Length(root)} max={MAX_NAME_BYTES} /> : undefined}
      >
        <input
          ref={rootRef}
          id="source-root"
          data-testid="source-root"
          value={root}
          onChange={(e) => setRoot(e.target.value)}
          placeholder="prod"
          autoComplete="off"
          spellCheck={false}
        />
      </FormField>
      <SourceFromFields value={from} onChange={setFrom} showErrors={submitted} />
      <SourceTablesFields
        value={tables}
        onChange={setTables}
        filterError={filters.error}
        scheduleError={submitted ? schedule.error : null}
      />
    </OpDialog>
  );
}
