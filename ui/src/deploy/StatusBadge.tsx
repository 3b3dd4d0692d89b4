import type { DeployStatus } from "../bindings/DeployStatus";
import { STATUS_HELP, STATUS_LABEL } from "./deployModel";

/** A request's status as a coloured pill. */
export function StatusBadge({ status }: { status: DeployStatus }) {
  return (
    <span className={`badge dep-status dep-status-${status}`} data-testid="deploy-status" data-status={status} title={STATUS_HELP[status]}>
      {STATUS_LABEL[status]}
    </span>
  );
}
