import { ConfirmBody, type ConfirmBodyProps } from "./ConfirmBody.js";
import { Dialog } from "./Dialog.js";

/** A Dialog that only asks for a confirmation; while busy, nothing closes it. */
export function ConfirmDialog({ title, ...body }: ConfirmBodyProps & { title: string }) {
  return (
    <Dialog title={title} onRequestClose={body.busy ? () => {} : body.onCancel}>
      <ConfirmBody {...body} />
    </Dialog>
  );
}
