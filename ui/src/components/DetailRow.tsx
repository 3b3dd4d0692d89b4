import { useState, type ReactNode } from "react";

interface Props {
  label: string;
  children: ReactNode;
  /** When given, shows a "Copy" button that copies this text. */
  copy?: string;
}

export function DetailRow({ label, children, copy }: Props) {
  const [copied, setCopied] = useState(false);
  const canCopy = copy !== undefined && copy !== "" && typeof navigator !== "undefined" && !!navigator.clipboard;
  const doCopy = async () => {
    if (!copy) return;
    try {
      await navigator.clipboard.writeText(copy);
      setCopied(true);
      setTimeout(() => setCopied(false), 1200);
    } catch {
      // Clipboard unavailable: the text stays selectable.
    }
  };
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {children}
        {canCopy && (
          <button type="button" className="button tiny ghost" onClick={() => void doCopy()}>
            {copied ? "Copied" : "Copy"}
          </button>
        )}
      </dd>
    </>
  );
}
