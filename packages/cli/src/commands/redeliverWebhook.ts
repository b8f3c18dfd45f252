import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { queuedLine } from "../output/webhookViews.js";

async function redeliverWebhook(
  ctx: Context,
  rawId: string | undefined,
  rawDelivery: string | undefined,
): Promise<number> {
  const id = parseId(rawId);
  const deliveryId = parseId(rawDelivery, "DELIVERY_ID");
  const delivery = await (await ctx.client()).redeliverWebhookDelivery(id, deliveryId);
  ctx.show(delivery, () => {
    ctx.print(`${queuedLine(delivery)}\n`);
    ctx.note(`Follow it with: latchkey show webhook ${id}`);
  });
  return ExitCode.ok;
}

export function redeliverWebhookCommand(app: App): Command {
  return new Command("webhook")
    .description("send a delivery's event again (same body and event id, new attempts)")
    .argument("<ID>", "the webhook's id")
    .argument("<DELIVERY_ID>", "the delivery to repeat (see 'latchkey show webhook ID')")
    .addHelpText(
      "after",
      examples(
        ["latchkey redeliver webhook 3 41", "send delivery 41 of webhook 3 again"],
        [
          "latchkey show webhook 3 --status failed --raw | jq '.deliveries[].id'",
          "the deliveries that gave up",
        ],
      ),
    )
    .action(app.action((ctx, command) => redeliverWebhook(ctx, command.args[0], command.args[1])));
}
