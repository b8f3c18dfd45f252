import { type ReactNode, useEffect, useId, useRef, useState } from "react";

/** What is being shown once: an API key's value, or a webhook endpoint's signing secret. */
const WORDING = {
  key: {
    warning: "Copy this key now. It will not be shown again.",
    why: "Latchkey keeps only a fingerprint of it. If you lose it, reset the key to get a new value.",
    label: "Your new API key",
    use: "Use it as a Bearer token: Authorization: Bearer <key>.",
    notCopied: "You have not copied the key.",
    back: "Back to the key",
  },
  webhook: {
    warning: "Copy this signing secret now. It will not be shown again.",
    why: "Your receiver needs it to check that each request comes from Latchkey. If you lose it, delete the endpoint and add it again.",
    label: "Signing secret",
    use: "Check each request’s Latchkey-Signature header with it, e.g. verifyWebhookSignature from @latchkey/sdk.",
    notCopied: "You have not copied the secret.",
    back: "Back to the secret",
  },
} as const;

export interface SecretRevealProps {
  secret: string;
  /** The words used; an API key's unless said otherwise. */
  kind?: keyof typeof WORDING;
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
  const words = WORDING[props.kind ?? "key"];
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
        <strong>{words.warning}</strong> {words.why}
      </div>
      {children}
      <div className="field">
        <label htmlFor={id}>{words.label}</label>
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
              ? "The browser refused to copy. Select it and copy it by hand."
              : words.use}
        </p>
      </div>
      {confirmingClose ? (
        <div className="confirm-strip" role="alert">
          <p>
            <strong>{words.notCopied}</strong> Once this closes, it cannot be shown again.
          </p>
          <div className="dialog-actions">
            <button type="button" className="button" ref={keepOpen} onClick={onKeepOpen}>
              {words.back}
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
