import { useRef, useState } from "react";
import { formatError } from "../errors";
import { Modal } from "./Modal";

interface Props {
  title: string;
  message: string;
  confirmLabel: string;
  /** Performs the action; a rejection is shown inside the dialog. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function ConfirmDialog({ title, message, confirmLabel, onConfirm, onClose }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (e) {
      setError(formatError(e));
      setBusy(false);
    }
  };

  return (
    <Modal
      id="confirm-dialog"
      title={title}
      onClose={onClose}
      className="modal-small"
      initialFocus={cancelRef}
      footer={
        <>
          <button ref={cancelRef} type="button" className="button" data-testid="confirm-cancel" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            data-testid="confirm-remove"
            id="confirm-remove"
            onClick={() => void confirm()}
            disabled={busy}
          >
            {busy ? "Working…" : confirmLabel}
          </button>
        </>
      }
    >
      <p className="confirm-message">{message}</p>
      {error && (
        <div className="result-box" data-status="error" data-testid="confirm-error">
          {error}
        </div>
      )}
    </Modal>
  );
}
