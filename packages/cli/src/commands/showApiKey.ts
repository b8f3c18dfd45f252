import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { keyDetails } from "../output/keyViews.js";

async function showApiKey(ctx: Context, rawId: string | undefined): Promise<number> {
  const id = parseId(rawId);
  const key = await (await ctx.client()).getApiKey(id);
  ctx.show(key, () => ctx.print(keyDetails(ctx, key)));
  return ExitCode.ok;
}

export function showApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description("show one API key: name, permissions, restrictions, last use, expiry")
    .argument("<ID>", "the key's id (see 'latchkey show api-keys')")
    .addHelpText(
      "after",
      examples(
        ["latchkey show api-key 12", "details of key 12"],
        ["latchkey show api-key 12 --raw | jq .permissions", "its permission tree"],
      ),
    )
    .action(app.action((ctx, command) => showApiKey(ctx, command.args[0])));
}
