import { eventTypes, type KeyEventType } from "@latchkey/core";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { eventsSummary } from "../output/webhookViews.js";

interface CreateOptions {
  endpoint: string;
  events?: string;
  description?: string;
}

/** `key.created,key.deleted` → the types, each checked, so a typo is a usage error here. */
export function parseEvents(raw: string): KeyEventType[] {
  const names = raw
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) {
    throw new UsageError("--events is empty", "leave it out to receive every key event");
  }
  for (const name of names) {
    if (!(eventTypes as readonly string[]).includes(name)) {
      throw new UsageError(
        `--events: unknown event '${name}'`,
        `choose from: ${eventTypes.join(", ")}`,
      );
    }
  }
  return names as KeyEventType[];
}

async function createWebhook(ctx: Context, options: CreateOptions): Promise<number> {
  const events = options.events === undefined ? undefined : parseEvents(options.events);
  const hook = await (await ctx.client()).createWebhook({
    url: options.endpoint,
    ...(events === undefined ? {} : { events }),
    ...(options.description === undefined ? {} : { description: options.description }),
  });
  ctx.show(hook, () => {
    const { bold, green, yellow } = ctx.out;
    ctx.print(
      `Created webhook ${hook.id} for ${eventsSummary(hook.events)}, sent to ${hook.url}.\n\n` +
        `Signing secret:\n\n    ${bold(green(hook.secret))}\n\n` +
        `${yellow("This is the only time the secret is shown: it cannot be retrieved later.")}\n` +
        "Give it to the receiver, which checks each request's Latchkey-Signature with it\n" +
        "(verifyWebhookSignature in @latchkey/sdk). Try it: latchkey test webhook " +
        `${hook.id}\n`,
    );
  });
  return ExitCode.ok;
}

export function createWebhookCommand(app: App): Command {
  return (
    new Command("webhook")
      .description("register a URL that key events are POSTed to, signed; prints its secret once")
      // Not --url: that global option names the Latchkey server, before or after the command.
      .requiredOption("--endpoint <url>", "http or https URL of your receiver")
      .option("--events <list>", `comma-separated, default all: ${eventTypes.join(", ")}`)
      .option("--description <text>", "for your eyes only, e.g. which service receives it")
      .addHelpText(
        "after",
        examples(
          [
            "latchkey create webhook --endpoint https://example.com/hooks/latchkey",
            "every key event",
          ],
          [
            "latchkey create webhook --endpoint https://example.com/hooks/latchkey --events key.leaked,key.expiring",
            "only leaks and expiry reminders",
          ],
          [
            "latchkey create webhook --endpoint https://example.com/h --raw | jq -r .secret",
            "the secret alone, for a script",
          ],
        ),
      )
      .action(app.action((ctx, command) => createWebhook(ctx, command.opts<CreateOptions>())))
  );
}
