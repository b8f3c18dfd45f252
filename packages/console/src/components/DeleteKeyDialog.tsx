import { useState } from "react";
import { useApi } from "../api/ApiContext.js";
import { describeProblem } from "../api/client.js";
import type { ApiKey, ProblemInfo } from "../api/types.js";
import { ConfirmDialog } from "./ConfirmDialog.js";

/** Delete: one confirmation; the key is dead when the server answers. */
export function DeleteKeyDialog({
  apiKey,
  onDeleted,
  onClose,
}: {
  apiKey: ApiKey;
  onDeleted: (key: ApiKey) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo>();

  const confirm = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api.deleteApiKey(apiKey.id);
      onDeleted(apiKey);
    } catch (err) {
      const info = describeProblem(err);
      // Already gone (deleted elsewhere): what the user wanted has happened.
      if (info.status === 404) onDeleted(apiKey);
      else {
        setProblem(info);
        setBusy(false);
      }
    }
  };

  return (
    <ConfirmDialog
      title={`Delete “${apiKey.name}”?`}
      confirmLabel="Delete key"
      busyLabel="Deleting…"
      busy={busy}
      onConfirm={confirm}
      onCancel={onClose}
      problem={problem}
      problemTitle="The key was not deleted"
    >
      <p>
        <strong>
          The key {apiKey.prefix}…{apiKey.last4} stops working immediately
        </strong>{" "}
        and cannot be brought back: anything using it gets 401 from now on.
      </p>
    </ConfirmDialog>
  );
}
