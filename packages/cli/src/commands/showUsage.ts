import { DEFAULT_USAGE_HOURS, MAX_USAGE_HOURS } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { HOURLY_UP_TO, usageReport } from "../output/usageViews.js";

function parseHours(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_USAGE_HOURS) {
    throw new UsageError(
      `--hours must be a whole number from 1 to ${MAX_USAGE_HOURS} (${MAX_USAGE_HOURS / 24} days), got '${raw}'`,
      "e.g. --hours 24 for a day, --hours 168 for a week",
    );
  }
  return Number(raw);
}

async function showUsage(
  ctx: Context,
  rawId: string | undefined,
  options: { hours?: string },
): Promise<number> {
  const id = parseId(rawId);
  const hours = options.hours === undefined ? undefined : parseHours(options.hours);
  const usage = await (await ctx.client()).apiKeyUsage(id, hours === undefined ? {} : { hours });
  ctx.show(usage, () => ctx.print(usageReport(usage, ctx.out)));
  return ExitCode.ok;
}

export function showUsageCommand(app: App): Command {
  return new Command("usage")
    .description("an API key's verified and denied requests over time, with totals")
    .argument("<ID>", "the key's id (see 'latchkey show api-keys')")
    .option(
      "--hours <n>",
      `how far back, in hours: 1 to ${MAX_USAGE_HOURS} (default ${DEFAULT_USAGE_HOURS}, a week)`,
    )
    .addHelpText(
      "after",
      `
Verified requests are those the key was allowed to make; denied ones were refused for its
permissions, IP allow-list or expiry (a deleted key's uses are not counted). Up to
${HOURLY_UP_TO} hours are charted per hour, longer windows per UTC day. Counts are written in batches, so
the latest minutes come from the server node that answers. With --raw: the server's answer,
{key_id, from, to, totals: {verified, denied}, hours: [{hour, verified, denied}]}, hours
without requests left out.
${examples(
  ["latchkey show usage 12", "key 12 over the last week"],
  ["latchkey show usage 12 --hours 24", "per hour over the last day"],
  ["latchkey show usage 12 --raw | jq .totals.denied", "denied requests, for a script"],
)}`,
    )
    .action(
      app.action((ctx, command) =>
        showUsage(ctx, command.args[0], command.opts<{ hours?: string }>()),
      ),
    );
}
