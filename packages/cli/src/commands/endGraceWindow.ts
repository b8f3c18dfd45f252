import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { shownKey } from "../output/keyViews.js";
import { formatTime } from "../output/time.js";

async function endGraceWindow(
  ctx: Context,
  rawId: string | undefined,
  options: { yes?: boolean },
): Promise<number> {
  const id = parseId(rawId);
  // Like a delete, this cuts off whatever still uses the old secret, so a script must say --yes.
  if (options.yes !== true && !ctx.io.input.isTTY) {
    throw new UsageError(
      `refusing to end the grace window of API key ${id} without confirmation: stdin is not a terminal`,
      `pass --yes to end it: latchkey end grace-window ${id} --yes`,
    );
  }
  const client = await ctx.client();
  const key = await client.getApiKey(id);
  if (key.previous_expires_at === null) {
    ctx.show(key, () =>
      ctx.print(`API key ${id} has no old secret in a grace window: nothing to end.\n`),
    );
    return ExitCode.ok;
  }
  if (options.yes !== true) {
    const answer = await ctx.io.input.readLine(
      `End the grace window of API key ${key.id} "${key.name}" (${shownKey(key)})? Its old secret, ` +
        `which works until ${formatTime(key.previous_expires_at, ctx.now())}, is refused at once; ` +
        "the new one keeps working. [y/N] ",
    );
    if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
      ctx.note("Not ended: the old secret still works.");
      return ExitCode.failure;
    }
  }
  const ended = await client.endGraceWindow(id);
  ctx.show(ended, () =>
    ctx.print(
      `Ended the grace window of API key ${id}: its old secret no longer works; the new one does.\n`,
    ),
  );
  return ExitCode.ok;
}

export function endGraceWindowCommand(app: App): Command {
  return new Command("grace-window")
    .description(
      "refuse a reset key's old secret now, before its grace window ends (asks first on a terminal)",
    )
    .argument("<ID>", "the API key's id (see 'latchkey show api-keys', column OLD SECRET)")
    .option("-y, --yes", "do not ask; required when stdin is not a terminal")
    .addHelpText(
      "after",
      `
After 'latchkey reset api-key ID --grace DURATION' both the old and the new secret work until
the window ends. This ends it early, e.g. once every deployment uses the new secret or when the
old one may have leaked: from the moment it returns the old secret gets 401 on every node.
A key without a pending old secret is left as it is (exit 0).
${examples(
  ["latchkey end grace-window 12", "asks, then refuses key 12's old secret"],
  ["latchkey end grace-window 12 --yes", "in a script"],
)}`,
    )
    .action(
      app.action((ctx, command) =>
        endGraceWindow(ctx, command.args[0], command.opts<{ yes?: boolean }>()),
      ),
    );
}
