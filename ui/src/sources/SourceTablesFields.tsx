import { FormField } from "../components/branches/FormField";
import type { ScheduleKind } from "./sourceText";

export interface TablesState {
  include: string;
  exclude: string;
  schemaOnly: string;
  filters: string;
  schedule: ScheduleKind;
  time: string;
  hours: string;
}

export const EMPTY_TABLES: TablesState = {
  include: "",
  exclude: "",
  schemaOnly: "",
  filters: "",
  schedule: "none",
  time: "02:00",
  hours: "6",
};

const LISTS = [
  { key: "include", id: "source-include", label: "Only these tables", help: "Comma-separated; empty: every table." },
  { key: "exclude", id: "source-exclude", label: "Leave out these tables", help: "Comma-separated: schema.table or table." },
  { key: "schemaOnly", id: "source-schema-only", label: "Schema only for", help: "Created, but copied without rows." },
] as const;

/** What to copy (tables, row filters) and when to refresh. */
export function SourceTablesFields({
  value,
  onChange,
  filterError,
  scheduleError,
}: {
  value: TablesState;
  onChange: (v: TablesState) => void;
  filterError: string | null;
  scheduleError: string | null;
}) {
  const set = (patch: Partial<TablesState>) => onChange({ ...value, ...patch });
  return (
    <>
      {LISTS.map((l) => (
        <FormField key={l.key} label={l.label} htmlFor={l.id} help={l.help}>
          <input
            id={l.id}
            data-testid={l.id}
            value={value[l.key]}
            onChange={(e) => set({ [l.key]: e.target.value })}
            autoComplete="off"
            spellCheck={false}
          />
        </FormField>
      ))}
      <FormField
        label="Row filters"
        htmlFor="source-filters"
        error={filterError}
        help="One TABLE: CONDITION a line, e.g. orders: created_at > now() - interval '90 days'. A filter that would break a foreign key is refused."
      >
        <textarea
          id="source-filters"
          data-testid="source-filters-input"
          className="mono"
          rows={3}
          value={value.filters}
          onChange={(e) => set({ filters: e.target.value })}
          spellCheck={false}
        />
      </FormField>
      <FormField label="Refresh" htmlFor="source-schedule" error={scheduleError} help="The app refreshes due sources while it is open.">
        <div className="input-with-button">
          <select
            id="source-schedule"
            data-testid="source-schedule-select"
            value={value.schedule}
            onChange={(e) => set({ schedule: e.target.value as ScheduleKind })}
          >
            <option value="none">By hand only</option>
            <option value="daily">Daily at…</option>
            <option value="hourly">Hourly</option>
            <option value="every">Every N hours</option>
          </select>
          {value.schedule === "daily" && (
            <input
              type="time"
              aria-label="Time of day"
              data-testid="source-time"
              value={value.time}
              onChange={(e) => set({ time: e.target.value })}
            />
          )}
          {value.schedule === "every" && (
            <input
              type="number"
              min={1}
              aria-label="Hours between refreshes"
              data-testid="source-hours"
              value={value.hours}
              onChange={(e) => set({ hours: e.target.value })}
            />
          )}
        </div>
      </FormField>
    </>
  );
}
