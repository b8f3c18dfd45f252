import { useId, useState } from "react";
import { useApi } from "../api/ApiContext.js";
import type { ApiKey, ApiKeyWithSecret } from "../api/types.js";
import { GRACE_CHOICES, pendingOldValue } from "../lib/grace.js";
import { useAction } from "../lib/useAction.js";
import { ConfirmBody } from "./ConfirmBody.js";
import { Dialog } from "./Dialog.js";
import { SecretReveal, useSecretClose } from "./SecretReveal.js";
import { Time } from "./Time.js";

/**
 * Reset: a choice of how long the old value keeps working (none by default: a
 * reset kills the old value at once), a confirmation that says exactly what happens, then the new value, shown once.
 */
export function ResetKeyDialog({
  apiKey,
  onReset,
  onClose,
}: {
  apiKey: ApiKey;
  onReset: (key: ApiKeyWithSecret) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const id = useId();
  const [graceSeconds, setGraceSeconds] = useState(0);
  const { busy, problem, run } = useAction();
  const [reset, setReset] = useState<ApiKeyWithSecret>();
  const secret = useSecretClose(onClose);
  const hint = `${apiKey.prefix}…${apiKey.last4}`;
  // A second reset replaces the old value in its window: that one stops at once.
  const earlier = pendingOldValue(apiKey);

  const confirm = () =>
    run(async () => {
      const key = await api.resetApiKey(apiKey.id, graceSeconds);
      setReset(key);
      onReset(key);
    });

  if (reset) {
    const until = pendingOldValue(reset);
    return (
      <Dialog title={`New value for “${reset.name}”`} onRequestClose={secret.requestClose}>
        <SecretReveal secret={reset.key} {...secret.props}>
          {until && (
            <p className="banner banner-info grace-note-reveal" data-testid="grace-until">
              <span>
                Both values work for now. The old value ({hint}) stops <Time iso={until} exact />.
                You can end it sooner from the key’s row.
              </span>
            </p>
          )}
        </SecretReveal>
      </Dialog>
    );
  }

  const chosen = GRACE_CHOICES.find((c) => c.seconds === graceSeconds) ?? GRACE_CHOICES[0];
  return (
    // The same Dialog as the new value's above, so that it stays open between the two.
    <Dialog title={`Reset “${apiKey.name}”?`} onRequestClose={busy ? () => {} : onClose}>
      <ConfirmBody
        confirmLabel="Reset key"
        busyLabel="Resetting…"
        tone={graceSeconds > 0 ? "primary" : "danger"}
        busy={busy}
        onConfirm={confirm}
        onCancel={onClose}
        problem={problem}
        problemTitle="The key was not reset"
      >
        <p>The key gets a new value; its name, permissions and ID stay.</p>
        <fieldset className="choice-list" disabled={busy}>
          <legend>When should the current value ({hint}) stop working?</legend>
          {GRACE_CHOICES.map((choice) => (
            <div className="choice" key={choice.seconds}>
              <input
                type="radio"
                id={`${id}-grace-${choice.seconds}`}
                name={`${id}-grace`}
                value={choice.seconds}
                checked={graceSeconds === choice.seconds}
                onChange={() => setGraceSeconds(choice.seconds)}
                aria-describedby={`${id}-grace-${choice.seconds}-hint`}
              />
              <label htmlFor={`${id}-grace-${choice.seconds}`} className="choice-text">
                <span className="choice-label">{choice.label}</span>
                <span className="choice-hint" id={`${id}-grace-${choice.seconds}-hint`}>
                  {choice.hint}
                </span>
              </label>
            </div>
          ))}
        </fieldset>
        <p className="reset-outcome" aria-live="polite">
          {chosen?.seconds ? (
            <>
              <strong>
                Both values work for {chosen.duration}; then {hint} gets 401.
              </strong>{" "}
              Give the new value to everything that uses this key before then, or end the overlap
              early from the key’s row.
            </>
          ) : (
            <>
              <strong>The current value ({hint}) stops working immediately:</strong> anything still
              using it gets 401 until you give it the new value.
            </>
          )}
        </p>
        {earlier && (
          <p className="banner banner-warning" role="note">
            The older value from the last reset (working until <Time iso={earlier} />) stops working
            now, whichever you choose.
          </p>
        )}
      </ConfirmBody>
    </Dialog>
  );
}
