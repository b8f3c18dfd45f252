import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { keysTable } from "../output/keyViews.js";

async function showApiKeys(ctx: Context): Promise<number> {
  const keys = await (await ctx.client()).listApiKeys();
  // --raw prints the server's answer as it is: Vast's {"apikeys": [...]} envelope.
  ctx.show({ apikeys: keys }, () => {
    if (keys.length === 0) ctx.print("No API keys. Create one with 'latchkey create api-key'.\n");
    else ctx.print(keysTable(ctx, keys));
  });
  return ExitCode.ok;
}

export function showApiKeysCommand(app: App): Command {
  return new Command("api-keys")
    .description("list your API keys (never their secrets)")
    .addHelpText(
      "after",
      examples(
        ["latchkey show api-keys", "a table of your keys"],
        ["latchkey show api-keys --raw | jq '.apikeys[].id'", "the ids, as JSON"],
      ),
    )
    .action(app.action((ctx) => showApiKeys(ctx)));
}
