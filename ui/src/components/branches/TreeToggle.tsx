import { shortcutLabel } from "../../layout/shortcuts";
import { PanelIcon } from "../Icons";

/** Shows or hides the branch tree (in the branches toolbar, or the compact bar when it folds away). */
export function TreeToggle({ collapsed, onToggle }: { collapsed: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      className={`icon-button${collapsed ? "" : " active"}`}
      id="tree-toggle"
      data-testid="tree-toggle"
      aria-pressed={!collapsed}
      title={`${collapsed ? "Show" : "Hide"} the branch tree (${shortcutLabel("toggleTree")})`}
      aria-label={collapsed ? "Show the branch tree" : "Hide the branch tree"}
      onClick={onToggle}
    >
      <PanelIcon />
    </button>
  );
}
