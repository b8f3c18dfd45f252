import type { AccountPolicyInput } from "@latchkey/sdk";
import {
  MAX_EXPIRY_REMINDER_DAYS,
  MAX_KEY_LIFETIME_DAYS,
  MAX_REVOKE_UNUSED_DAYS,
  MIN_POLICY_DAYS,
} from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { policyReport } from "../output/policyView.js";

interface PolicyOptions {
  maxLifetime?: string;
  expiryReminder?: string;
  revokeUnused?: string;
}

/** The rules, each with its option, its field on the wire and the server's upper bound. */
const rules = [
  {
    option: "--max-lifetime",
    key: "maxLifetime",
    field: "max_key_lifetime_days",
    max: MAX_KEY_LIFETIME_DAYS,
  },
  {
    option: "--expiry-reminder",
    key: "expiryReminder",
    field: "expiry_reminder_days",
    max: MAX_EXPIRY_REMINDER_DAYS,
  },
  {
    option: "--revoke-unused",
    key: "revokeUnused",
    field: "revoke_unused_after_days",
    max: MAX_REVOKE_UNUSED_DAYS,
  },
] as const;

/** A number of days (`90` or `90d`), or `off` (null on the wire). */
export function policyDays(option: string, raw: string, max: number): number | null {
  const text = raw.trim().toLowerCase();
  if (text === "off") return null;
  const match = /^(\d+)d?$/.exec(text);
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= MIN_POLICY_DAYS && days <= max)) {
    throw new UsageError(
      `${option} must be a whole number of days from ${MIN_POLICY_DAYS} to ${max}, or 'off'; got '${raw}'`,
      `e.g. ${option} 90, or ${option} off to turn the rule off`,
    );
  }
  return days;
}

async function setPolicy(ctx: Context, options: PolicyOptions): Promise<number> {
  const input: AccountPolicyInput = {};
  for (const rule of rules) {
    const raw = options[rule.key];
    if (raw !== undefined) input[rule.field] = policyDays(rule.option, raw, rule.max);
  }
  if (Object.keys(input).length === 0) {
    throw new UsageError(
      "nothing to set: give at least one of --max-lifetime, --expiry-reminder, --revoke-unused",
      "e.g. latchkey set policy --max-lifetime 90; 'latchkey show policy' shows the current rules",
    );
  }
  const policy = await (await ctx.client()).updateAccountPolicy(input);
  ctx.show(policy, () => {
    ctx.print(policyReport(policy, ctx.out));
    if (input.max_key_lifetime_days !== undefined && input.max_key_lifetime_days !== null) {
      ctx.note(
        "The maximum lifetime applies to keys created from now on; existing keys keep theirs.",
      );
    }
  });
  return ExitCode.ok;
}

export function setPolicyCommand(app: App): Command {
  return new Command("policy")
    .description(
      "set the account's key lifecycle policy; options left out keep their value, 'off' turns a rule off",
    )
    .option(
      "--max-lifetime <days>",
      `new keys expire within DAYS (${MIN_POLICY_DAYS}-${MAX_KEY_LIFETIME_DAYS}); a key created without --expires-at gets that expiry, a later one is refused`,
    )
    .option(
      "--expiry-reminder <days>",
      `DAYS (${MIN_POLICY_DAYS}-${MAX_EXPIRY_REMINDER_DAYS}) before a key expires, send the key.expiring webhook and audit it`,
    )
    .option(
      "--revoke-unused <days>",
      `delete keys not used for DAYS (${MIN_POLICY_DAYS}-${MAX_REVOKE_UNUSED_DAYS}); counted from creation for keys never used`,
    )
    .addHelpText(
      "after",
      `
Each option takes a number of days or 'off'. All rules are off until set. The sweeper that
sends reminders and revokes unused keys runs on the server (every
LATCHKEY_LIFECYCLE_SWEEP_SECONDS); both land in the audit log.
${examples(
  ["latchkey set policy --max-lifetime 90", "new keys live at most 90 days"],
  [
    "latchkey set policy --expiry-reminder 7 --revoke-unused 180",
    "a reminder a week ahead; revoke keys idle for half a year",
  ],
  ["latchkey set policy --max-lifetime off", "new keys may live forever again"],
)}`,
    )
    .action(app.action((ctx, command) => setPolicy(ctx, command.opts<PolicyOptions>())));
}
