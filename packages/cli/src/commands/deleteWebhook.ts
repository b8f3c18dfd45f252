import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function deleteWebhook(
  ctx: Context,
  rawId: string | undefined,
  options: { yes?: boolean },
): Promise<number> {
  const id = parseId(rawId);
  // As with keys: never unconfirmed, and a script must say --yes.
  if (options.yes !== true && !ctx.io.input.isTTY) {
    throw new UsageError(
      `refusing to delete webhook ${id} without confirmation: stdin is not a terminal`,
      `pass --yes to delete it: latchkey delete webhook ${id} --yes`,
    );
  }
  const client = await ctx.client();
  if (options.yes !== true) {
    const hook = await client.getWebhook(id);
    const answer = await ctx.io.input.readLine(
      `Delete webhook ${hook.id} (${hook.url})? Its delivery log and pending deliveries go with it. [y/N] `,
    );
    if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
      ctx.note("Not deleted.");
      return ExitCode.failure;
    }
  }
  const answer = await client.deleteWebhook(id);
  ctx.show(answer, () => ctx.print(`Deleted webhook ${id}; nothing more is sent to it.\n`));
  return ExitCode.ok;
}

export function deleteWebhookCommand(app: App): Command {
  return new Command("webhook")
    .description("delete a webhook endpoint with its delivery log (asks first on a terminal)")
    .argument("<ID>", "the webhook's id (see 'latchkey show webhooks')")
    .option("-y, --yes", "do not ask; required when stdin is not a terminal")
    .addHelpText(
      "after",
      examples(
        ["latchkey delete webhook 3", "asks, then deletes webhook 3"],
        ["latchkey delete webhook 3 --yes", "in a script"],
      ),
    )
    .action(
      app.action((ctx, command) =>
        deleteWebhook(ctx, command.args[0], command.opts<{ yes?: boolean }>()),
      ),
    );
}
