import { type ReactNode, useEffect, useId, useRef, useState } from "react";

export interface SecretRevealProps {
  secret: string;
  copied: boolean;
  onCopied: () => void;
  /** The owner asked to close before the value was copied: ask to confirm. */
  confirmingClose: boolean;
  onKeepOpen: () => void;
  onClose: () => void;
  /** Done: closes when copied, else asks to confirm. */
  onDone: () => void;
  /** Said under the warning (e.g. until when the old value of a reset key still works). */
  children?: ReactNode;
}

async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // The Clipboard API needs a secure context; on plain http, select and use the old command.
    field?.select();
    return document.execCommand("copy");
  }
}

/** The secret, shown once: a Copy button and a plain warning that it will not come back. */
export function SecretReveal(props: SecretRevealProps) {
  const { secret, copied, onCopied, confirmingClose, onKeepOpen, onClose, onDone, children } =
    props;
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  const keepOpen = useRef<HTMLButtonElement>(null);
  const [copyFailed, setCopyFailed] = useState(false);

  useEffect(() => {
    if (confirmingClose) keepOpen.current?.focus();
    else copyButton.current?.focus();
  }, [confirmingClose]);

  const copy = async () => {
    const ok = await copyText(secret, field.current);
    setCopyFailed(!ok);
    if (ok) onCopied();
  };

  return (
    <div className="dialog-body">
      <div className="banner banner-warning">
        <strong>Copy this key now. It will not be shown again.</strong> Latchkey keeps only a
        fingerprint of it. If you lose it, reset the key to get a new value.
      </div>
      {children}
      <div className="field">
        <label htmlFor={id}>Your new API key</label>
        <div className="secret-row">
          <input
            id={id}
            ref={field}
            className="secret-value mono"
            readOnly
            value={secret}
            data-testid="secret-value"
            onFocus={(e) => e.currentTarget.select()}
            onCopy={onCopied}
          />
          <button
            type="button"
            ref={copyButton}
            data-autofocus
            className="button button-primary"
            onClick={copy}
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
        <p className="field-hint" aria-live="polite">
          {copied
            ? "Copied to the clipboard. Store it in your secrets manager."
            : copyFailed
              ? "The browser refused to copy. Select the key and copy it by hand."
              : "Use it as a Bearer token: Authorization: Bearer <key>."}
        </p>
      </div>
      {confirmingClose ? (
        <div className="confirm-strip" role="alert">
          <p>
            <strong>You have not copied the key.</strong> Once this closes, its value cannot be
            shown again.
          </p>
          <div className="dialog-actions">
            <button type="button" className="button" ref={keepOpen} onClick={onKeepOpen}>
              Back to the key
            </button>
            <button type="button" className="button button-danger" onClick={onClose}>
              Close without copying
            </button>
          </div>
        </div>
      ) : (
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onDone}>
            Done
          </button>
        </div>
      )}
    </div>
  );
}

/** The state of a shown-once secret: copied yet, and whether a close waits for confirmation. */
export function useSecretClose(onClose: () => void) {
  const [copied, setCopied] = useState(false);
  const [confirmingClose, setConfirmingClose] = useState(false);
  const requestClose = () => (copied ? onClose() : setConfirmingClose(true));
  return {
    copied,
    confirmingClose,
    requestClose,
    props: {
      copied,
      onCopied: () => {
        setCopied(true);
        setConfirmingClose(false);
      },
      confirmingClose,
      onKeepOpen: () => setConfirmingClose(false),
      onClose,
      onDone: requestClose,
    },
  };
}
