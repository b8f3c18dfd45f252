import type { ReactNode } from "react";
import type { ProblemInfo } from "../api/types.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { Spinner } from "./Spinner.js";

export interface ConfirmBodyProps {
  /** What happens if the user goes on; shown between the problem and the buttons. */
  children: ReactNode;
  /** The action's label, and the one shown while it runs (the same when omitted). */
  confirmLabel: string;
  busyLabel?: string;
  /** Danger for what cannot be undone; primary when the step is safe. */
  tone?: "danger" | "primary";
  /** True while the action runs: the action cannot start again and Cancel is off. */
  busy: boolean;
  onConfirm: () => void | Promise<void>;
  onCancel: () => void;
  /** Why the last attempt failed, above the question, under this heading. */
  problem?: ProblemInfo;
  problemTitle?: string;
}

/**
 * A confirmation inside a Dialog: the question, then Cancel and one action. Cancel takes the
 * focus first, so Enter never starts what cannot be undone. While busy the action keeps its
 * focus (aria-disabled, not disabled) and shows a spinner. Apart from ConfirmDialog for a
 * dialog that shows something else in the same Dialog afterwards (a reset's new value).
 */
export function ConfirmBody({
  children,
  confirmLabel,
  busyLabel = confirmLabel,
  tone = "danger",
  busy,
  onConfirm,
  onCancel,
  problem,
  problemTitle,
}: ConfirmBodyProps) {
  return (
    <div className="dialog-body">
      {problem && <ProblemBanner problem={problem} title={problemTitle} />}
      {children}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onCancel} disabled={busy} data-autofocus>
          Cancel
        </button>
        <button
          type="button"
          className={`button button-${tone}`}
          onClick={() => {
            if (!busy) void onConfirm();
          }}
          aria-disabled={busy}
        >
          {busy && <Spinner />}
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </div>
  );
}
