import type { CloneMode } from "../bindings/CloneMode";
import { CLONE_LABEL } from "../format";

interface Props {
  mode: CloneMode;
  detail: string;
  id?: string;
}

export function CloneBadge({ mode, detail, id }: Props) {
  return (
    <span
      id={id}
      data-testid={id}
      className={`badge badge-clone-${mode}`}
      title={detail || undefined}
      data-mode={mode}
    >
      {CLONE_LABEL[mode]}
    </span>
  );
}
