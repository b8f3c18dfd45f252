import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { webhooksTable } from "../output/webhookViews.js";

async function showWebhooks(ctx: Context): Promise<number> {
  const hooks = await (await ctx.client()).listWebhooks();
  ctx.show({ webhooks: hooks }, () => {
    if (hooks.length === 0) {
      ctx.print("No webhooks. Register one with 'latchkey create webhook --endpoint URL'.\n");
    } else ctx.print(webhooksTable(ctx, hooks));
  });
  return ExitCode.ok;
}

export function showWebhooksCommand(app: App): Command {
  return new Command("webhooks")
    .description("list the account's webhook endpoints (never their secrets)")
    .addHelpText(
      "after",
      examples(
        ["latchkey show webhooks", "a table of your webhooks"],
        ["latchkey show webhooks --raw | jq '.[].url'", "their URLs, as JSON"],
      ),
    )
    .action(app.action((ctx) => showWebhooks(ctx)));
}
