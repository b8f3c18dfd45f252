import { useApi } from "../api/ApiContext.js";
import type { ApiKey } from "../api/types.js";
import { useAction } from "../lib/useAction.js";
import { ConfirmDialog } from "./ConfirmDialog.js";
import { Time } from "./Time.js";

/** Ends a reset's overlap early, after a confirmation: the old value is refused from then on. */
export function EndGraceDialog({
  apiKey,
  onEnded,
  onClose,
}: {
  apiKey: ApiKey;
  onEnded: (key: ApiKey) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const { busy, problem, run } = useAction();

  const confirm = () =>
    run(async () => onEnded(await api.endGraceWindow(apiKey.id)), { staysBusy: true });

  return (
    <ConfirmDialog
      title={`Stop the old value of “${apiKey.name}” now?`}
      confirmLabel="Stop the old value"
      busyLabel="Stopping…"
      busy={busy}
      onConfirm={confirm}
      onCancel={onClose}
      problem={problem}
      problemTitle="The old value still works"
    >
      <p>
        After the last reset, the old value was to stop{" "}
        <Time iso={apiKey.previous_expires_at} exact />.{" "}
        <strong>If you stop it now, anything still using it gets 401 at once.</strong> The current
        value ({apiKey.prefix}…{apiKey.last4}) goes on working.
      </p>
    </ConfirmDialog>
  );
}
