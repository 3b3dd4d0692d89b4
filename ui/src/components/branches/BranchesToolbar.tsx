import { formatBytes } from "../../branches";
import { layout } from "../../layout/layoutStore";
import { shortcutLabel } from "../../layout/shortcuts";
import { BroomIcon, DeployIcon, ImportIcon, RefreshIcon } from "../Icons";
import { TreeToggle } from "./TreeToggle";

interface Props {
  count: number;
  totalBytes: number;
  loading: boolean;
  treeCollapsed: boolean;
  onToggleTree: () => void;
  onImport: () => void;
  /** Opens "Add source…". */
  onAddSource?: () => void;
  onHousekeeping: () => void;
  /** Shows the server's deploy requests. */
  onDeploys?: () => void;
  onReload: () => void;
}

/** Above the branch tree and the branch: the server's branch actions. */
export function BranchesToolbar(props: Props) {
  const { count, totalBytes } = props;
  return (
    <div className="branches-toolbar">
      <TreeToggle collapsed={props.treeCollapsed} onToggle={props.onToggleTree} />
      <h2>Branches</h2>
      <span className="muted small branches-summary" data-testid="branches-summary">
        {count} {count === 1 ? "branch" : "branches"}
        {totalBytes > 0 ? ` · ${formatBytes(totalBytes)}` : ""}
      </span>
      <span className="spacer" />
      <button
        type="button"
        className="button palette-button"
        id="open-palette"
        data-testid="open-palette"
        title={`Every branch action and view, by name (${shortcutLabel("palette")})`}
        onClick={() => layout.setPalette(true)}
      >
        Commands <kbd className="palette-shortcut">{shortcutLabel("palette")}</kbd>
      </button>
      {props.onDeploys && (
        <button
          type="button"
          className="button"
          id="show-deploys"
          data-testid="show-deploys"
          onClick={props.onDeploys}
          title="Requests to deploy a branch's schema changes into its parent: review, dry-run, apply, revert"
        >
          <DeployIcon size={12} />
          Deploy requests
        </button>
      )}
      <button
        type="button"
        className="button"
        id="import-database"
        data-testid="import-database"
        onClick={props.onImport}
        title="Import a database of this server as a root branch"
      >
        <ImportIcon size={12} />
        Import…
      </button>
      {props.onAddSource && (
        <button
          type="button"
          className="button"
          id="add-source"
          data-testid="add-source"
          onClick={props.onAddSource}
          title="A root branch copied online from a database elsewhere, refreshed by hand or on a schedule"
        >
          Add source
        </button>
      )}
      <button
        type="button"
        className="button"
        id="housekeeping"
        data-testid="housekeeping"
        onClick={props.onHousekeeping}
        title="Delete expired branches, drop copies older than 24 h, clean up interrupted operations"
      >
        <BroomIcon size={12} />
        Housekeeping
      </button>
      <button
        type="button"
        className="icon-button bordered"
        id="branches-refresh"
        data-testid="branches-refresh"
        onClick={props.onReload}
        disabled={props.loading}
        title="Refresh"
        aria-label="Refresh branches"
      >
        {/* Loading shows here, in the button's place, so that the toolbar never reflows. */}
        {props.loading ? <span className="spinner small" aria-label="Loading" /> : <RefreshIcon />}
      </button>
    </div>
  );
}
