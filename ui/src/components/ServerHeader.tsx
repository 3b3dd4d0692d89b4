import { ChevronIcon } from "./Icons";

/** Shows or hides the server's full details under its header. */
export function AboutToggle({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      className="button ghost about-toggle"
      id="server-about-toggle"
      data-testid="server-about-toggle"
      aria-expanded={open}
      onClick={onToggle}
    >
      About server
      <ChevronIcon size={11} className={`twisty-icon${open ? " open-down" : " closed-down"}`} />
    </button>
  );
}
