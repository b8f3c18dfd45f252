import { DEFAULT_KEYS_PAGE, MAX_KEYS_PAGE } from "@latchkey/sdk";
import { Command, InvalidArgumentError, Option } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { keysTable } from "../output/keyViews.js";

interface PageOptions {
  limit?: number;
  after?: number;
}

function wholeNumber(min: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw) || Number(raw) < min)
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
    return Number(raw);
  };
}

async function showApiKeys(ctx: Context, options: PageOptions): Promise<number> {
  const client = await ctx.client();
  const paged = options.limit !== undefined || options.after !== undefined;
  // Without paging options, the server's one-shot answer: Vast's {"apikeys": [...]} envelope,
  // which --raw prints as it is; with them, one page and the next page's `after`.
  const answer = paged
    ? await client.listApiKeysPage({
        ...(options.limit === undefined ? {} : { limit: options.limit }),
        ...(options.after === undefined ? {} : { after: options.after }),
      })
    : { apikeys: await client.listApiKeys() };
  const keys = answer.apikeys;
  ctx.show(answer, () => {
    if (keys.length === 0) {
      ctx.print(
        paged
          ? "No API keys on this page.\n"
          : "No API keys. Create one with 'latchkey create api-key'.\n",
      );
    } else ctx.print(keysTable(ctx, keys));
    const next = "next_after" in answer ? answer.next_after : null;
    if (next !== null) {
      const limit = options.limit === undefined ? "" : ` --limit ${options.limit}`;
      ctx.note(`More keys: latchkey show api-keys${limit} --after ${next}`);
    }
  });
  return ExitCode.ok;
}

export function showApiKeysCommand(app: App): Command {
  return new Command("api-keys")
    .description("list your API keys (never their secrets)")
    .addOption(
      new Option(
        "--limit <n>",
        `one page of at most N keys, in id order (default ${DEFAULT_KEYS_PAGE} with --after, at most ${MAX_KEYS_PAGE})`,
      ).argParser(wholeNumber(1)),
    )
    .addOption(
      new Option("--after <id>", "only keys with a larger id (the next page)").argParser(
        wholeNumber(0),
      ),
    )
    .addHelpText(
      "after",
      examples(
        ["latchkey show api-keys", "a table of your keys"],
        ["latchkey show api-keys --raw | jq '.apikeys[].id'", "the ids, as JSON"],
        [
          "latchkey show api-keys --limit 50",
          "the first 50; the note shows the next page's --after",
        ],
      ),
    )
    .action(app.action((ctx, command) => showApiKeys(ctx, command.opts<PageOptions>())));
}
