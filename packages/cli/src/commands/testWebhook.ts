import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { queuedLine } from "../output/webhookViews.js";

async function testWebhook(ctx: Context, rawId: string | undefined): Promise<number> {
  const id = parseId(rawId);
  const delivery = await (await ctx.client()).testWebhook(id);
  ctx.show(delivery, () => {
    ctx.print(`${queuedLine(delivery)}\n`);
    ctx.note(`See whether it arrived: latchkey show webhook ${id}`);
  });
  return ExitCode.ok;
}

export function testWebhookCommand(app: App): Command {
  return new Command("webhook")
    .description("send a signed ping event to a webhook endpoint")
    .argument("<ID>", "the webhook's id (see 'latchkey show webhooks')")
    .addHelpText(
      "after",
      examples(
        ["latchkey test webhook 3", "ping webhook 3"],
        ["latchkey test webhook 3 && latchkey show webhook 3 --limit 1", "…and see the outcome"],
      ),
    )
    .action(app.action((ctx, command) => testWebhook(ctx, command.args[0])));
}
