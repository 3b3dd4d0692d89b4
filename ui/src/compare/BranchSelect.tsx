import type { Branch } from "../bindings/Branch";

/** One side of the comparison: a branch of the server (the one the view is for is marked). */
export function BranchSelect(props: {
  id: string;
  label: string;
  help: string;
  value: string;
  branches: readonly Branch[];
  current: string;
  disabled: boolean;
  onChange: (name: string) => void;
}) {
  const known = props.branches.some((b) => b.name === props.value);
  return (
    <label className="cmp-pick" title={`${props.label}: the branch ${props.help}`}>
      <span className="cmp-pick-label">{props.label}</span>
      <select
        id={props.id}
        data-testid={props.id}
        value={known ? props.value : ""}
        disabled={props.disabled || props.branches.length === 0}
        onChange={(e) => props.onChange(e.target.value)}
      >
        {!known && (
          <option value="" disabled>
            Choose a branch…
          </option>
        )}
        {props.branches.map((b) => (
          <option key={b.id} value={b.name}>
            {b.name}
            {b.name === props.current ? " (this branch)" : ""}
          </option>
        ))}
      </select>
    </label>
  );
}
