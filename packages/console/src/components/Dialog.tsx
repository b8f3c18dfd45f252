import { type KeyboardEvent, type ReactNode, useEffect, useId, useRef } from "react";

interface DialogProps {
  title: string;
  /** Escape, the close button, or the browser closing the dialog: the owner decides. */
  onRequestClose: () => void;
  children: ReactNode;
  size?: "small" | "large";
  /** Shown under the title, and read with it. */
  description?: ReactNode;
}

const FOCUSABLE =
  'a[href], button:not(:disabled), input:not(:disabled), select:not(:disabled), textarea:not(:disabled), summary, [tabindex]:not([tabindex="-1"])';

/**
 * Tab from the last control goes to the first, Shift+Tab from the first to the last. A modal
 * <dialog> already makes the page inert, but lets Tab leave for the browser's own controls.
 */
function keepFocusInside(event: KeyboardEvent<HTMLDialogElement>): void {
  if (event.key !== "Tab") return;
  const items = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.getClientRects().length > 0,
  );
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  if (event.shiftKey && (active === first || active === event.currentTarget)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * A modal on the native <dialog>: showModal makes the page behind inert, so focus stays
 * inside, and Escape comes through the cancel event. Mounted means open; on unmount, focus
 * returns to what had it before, or to the page's heading when that is gone (a deleted row).
 */
export function Dialog({
  title,
  onRequestClose,
  children,
  size = "small",
  description,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const requestClose = useRef(onRequestClose);
  requestClose.current = onRequestClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    // The browser may close a modal on a second Escape even when cancel is refused; the owner
    // still decides, so the dialog opens again and the owner hears a close request.
    let closing = false;
    const onClose = () => {
      // A close event queued before the dialog opened again (React's development re-mount)
      // finds it open: nothing to do.
      if (closing || dialog.open) return;
      dialog.showModal();
      requestClose.current();
    };
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      closing = true;
      dialog.removeEventListener("close", onClose);
      dialog.close();
      const target =
        before?.isConnected === true ? before : document.querySelector<HTMLElement>("main h1");
      target?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`dialog dialog-${size}`}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onKeyDown={keepFocusInside}
      onCancel={(event) => {
        event.preventDefault();
        requestClose.current();
      }}
    >
      <div className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label="Close"
          onClick={() => requestClose.current()}
        >
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.6" fill="none" />
          </svg>
        </button>
      </div>
      {description && (
        <p id={descriptionId} className="dialog-description">
          {description}
        </p>
      )}
      {children}
    </dialog>
  );
}
