import { useApi } from "../api/ApiContext.js";
import type { ApiKey } from "../api/types.js";
import { useAction } from "../lib/useAction.js";
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
  const { busy, problem, run } = useAction();

  const confirm = () =>
    run(
      async () => {
        await api.deleteApiKey(apiKey.id);
        onDeleted(apiKey);
      },
      {
        staysBusy: true,
        // Already gone (deleted elsewhere): what the user wanted has happened.
        handle: (info) => {
          if (info.status !== 404) return false;
          onDeleted(apiKey);
          return true;
        },
      },
    );

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
