import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { shownKey } from "../output/keyViews.js";

async function deleteApiKey(
  ctx: Context,
  rawId: string | undefined,
  options: { yes?: boolean },
): Promise<number> {
  const id = parseId(rawId);
  // Deleting is final, so it is never done unconfirmed: a script must say --yes.
  if (options.yes !== true && !ctx.io.input.isTTY) {
    throw new UsageError(
      `refusing to delete API key ${id} without confirmation: stdin is not a terminal`,
      `pass --yes to delete it: latchkey delete api-key ${id} --yes`,
    );
  }
  const client = await ctx.client();
  if (options.yes !== true) {
    const key = await client.getApiKey(id);
    const answer = await ctx.io.input.readLine(
      `Delete API key ${key.id} "${key.name}" (${shownKey(key)})? Anything using it stops working at once. [y/N] `,
    );
    if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
      ctx.note("Not deleted.");
      return ExitCode.failure;
    }
  }
  const answer = await client.deleteApiKey(id);
  ctx.show(answer, () => ctx.print(`Deleted API key ${id}; it no longer works.\n`));
  return ExitCode.ok;
}

export function deleteApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description("delete an API key: from this moment it is refused (asks first on a terminal)")
    .argument("<ID>", "the key's id (see 'latchkey show api-keys')")
    .option("-y, --yes", "do not ask; required when stdin is not a terminal")
    .addHelpText(
      "after",
      examples(
        ["latchkey delete api-key 12", "asks, then deletes key 12"],
        ["latchkey delete api-key 12 --yes", "in a script"],
      ),
    )
    .action(
      app.action((ctx, command) =>
        deleteApiKey(ctx, command.args[0], command.opts<{ yes?: boolean }>()),
      ),
    );
}
