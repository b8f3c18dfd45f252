import { useState } from "react";
import { useApi } from "../api/ApiContext.js";
import { describeProblem } from "../api/client.js";
import type { ApiKey, ApiKeyWithSecret, ProblemInfo } from "../api/types.js";
import { Dialog } from "./Dialog.js";
import { ProblemBanner } from "./ProblemBanner.js";
import { SecretReveal, useSecretClose } from "./SecretReveal.js";
import { Spinner } from "./Spinner.js";

/** Reset: a confirmation that the old value dies at once, then the new value, shown once. */
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
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo>();
  const [reset, setReset] = useState<ApiKeyWithSecret>();
  const secret = useSecretClose(onClose);

  const confirm = async () => {
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    try {
      const key = await api.resetApiKey(apiKey.id);
      setReset(key);
      onReset(key);
    } catch (err) {
      setProblem(describeProblem(err));
    } finally {
      setBusy(false);
    }
  };

  if (reset) {
    return (
      <Dialog title={`New value for “${reset.name}”`} onRequestClose={secret.requestClose}>
        <SecretReveal secret={reset.key} {...secret.props} />
      </Dialog>
    );
  }

  return (
    <Dialog title={`Reset “${apiKey.name}”?`} onRequestClose={busy ? () => {} : onClose}>
      <div className="dialog-body">
        {problem && <ProblemBanner problem={problem} title="The key was not reset" />}
        <p>
          The key gets a new value; its name, permissions and ID stay.{" "}
          <strong>
            The current value ({apiKey.prefix}…{apiKey.last4}) stops working immediately:
          </strong>{" "}
          anything still using it gets 401 until you give it the new value.
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose} disabled={busy} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="button button-danger"
            onClick={confirm}
            aria-disabled={busy}
          >
            {busy && <Spinner />}
            {busy ? "Resetting…" : "Reset key"}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
