import { MAX_WEBHOOK_DELIVERIES_PAGE } from "@latchkey/sdk";
import { Command, InvalidArgumentError, Option } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { deliveriesTable, webhookDetails } from "../output/webhookViews.js";

interface ShowOptions {
  limit?: number;
  status?: "pending" | "delivered" | "failed";
}

function limit(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_WEBHOOK_DELIVERIES_PAGE) {
    throw new InvalidArgumentError(
      `expected a whole number from 1 to ${MAX_WEBHOOK_DELIVERIES_PAGE}.`,
    );
  }
  return Number(raw);
}

async function showWebhook(
  ctx: Context,
  rawId: string | undefined,
  options: ShowOptions,
): Promise<number> {
  const id = parseId(rawId);
  const client = await ctx.client();
  const hook = await client.getWebhook(id);
  const deliveries = await client.listWebhookDeliveries(id, {
    limit: options.limit ?? 10,
    ...(options.status === undefined ? {} : { status: options.status }),
  });
  ctx.show({ ...hook, deliveries }, () => {
    ctx.print(webhookDetails(ctx, hook));
    ctx.print("\nRecent deliveries:\n");
    if (deliveries.length === 0)
      ctx.print(`  none yet. Send a ping: latchkey test webhook ${id}\n`);
    else ctx.print(deliveriesTable(ctx, deliveries));
    const failed = deliveries.find((d) => d.status === "failed");
    if (failed) ctx.note(`Send a failed one again: latchkey redeliver webhook ${id} ${failed.id}`);
  });
  return ExitCode.ok;
}

export function showWebhookCommand(app: App): Command {
  return new Command("webhook")
    .description("show one webhook endpoint and its latest deliveries")
    .argument("<ID>", "the webhook's id (see 'latchkey show webhooks')")
    .addOption(
      new Option(
        "--limit <n>",
        `deliveries to show (default 10, at most ${MAX_WEBHOOK_DELIVERIES_PAGE})`,
      ).argParser(limit),
    )
    .addOption(
      new Option("--status <status>", "only deliveries in this state").choices([
        "pending",
        "delivered",
        "failed",
      ]),
    )
    .addHelpText(
      "after",
      `
A delivery is pending (queued, or waiting for a retry after a failed attempt), delivered (the
receiver answered 2xx) or failed (every attempt failed). With --raw: the webhook with its
deliveries under "deliveries", each with the body that was sent.
${examples(
  ["latchkey show webhook 3", "webhook 3 and its last 10 deliveries"],
  ["latchkey show webhook 3 --status failed", "only the deliveries that gave up"],
  ["latchkey show webhook 3 --raw | jq '.deliveries[0].payload'", "the body last sent"],
)}`,
    )
    .action(
      app.action((ctx, command) => showWebhook(ctx, command.args[0], command.opts<ShowOptions>())),
    );
}
