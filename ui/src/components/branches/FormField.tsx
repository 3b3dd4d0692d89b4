import type { ReactNode } from "react";

interface Props {
  label: string;
  htmlFor: string;
  error?: string | null;
  /** Muted text under the control (hidden while there is an error). */
  help?: ReactNode;
  /** Right-aligned next to the label, e.g. a byte counter. */
  aside?: ReactNode;
  children: ReactNode;
}

/** A labelled form control; the error gets data-testid "<htmlFor>-error". */
export function FormField({ label, htmlFor, error, help, aside, children }: Props) {
  return (
    <div className={`field${error ? " has-error" : ""}`}>
      <div className="field-label-row">
        <label htmlFor={htmlFor}>{label}</label>
        {aside}
      </div>
      {children}
      {error ? (
        <div className="field-error" data-testid={`${htmlFor}-error`} role="alert">
          {error}
        </div>
      ) : (
        help && <div className="field-help">{help}</div>
      )}
    </div>
  );
}

/** "12 / 63 bytes", turning red past the limit. */
export function ByteCounter({ bytes, max }: { bytes: number; max: number }) {
  return (
    <span className={`byte-counter${bytes > max ? " over" : ""}`} aria-hidden="true">
      {bytes} / {max} bytes
    </span>
  );
}
