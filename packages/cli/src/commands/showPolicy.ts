import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { policyReport } from "../output/policyView.js";

async function showPolicy(ctx: Context): Promise<number> {
  const policy = await (await ctx.client()).accountPolicy();
  ctx.show(policy, () => ctx.print(policyReport(policy, ctx.out)));
  return ExitCode.ok;
}

export function showPolicyCommand(app: App): Command {
  return new Command("policy")
    .description(
      "the account's key lifecycle policy: maximum lifetime, expiry reminders, revocation of unused keys",
    )
    .addHelpText(
      "after",
      `
Every rule is off until set with 'latchkey set policy'. With --raw: {max_key_lifetime_days,
expiry_reminder_days, revoke_unused_after_days}, each a number of days or null (off).
${examples(
  ["latchkey show policy", "the account's rules"],
  ["latchkey show policy --raw | jq .max_key_lifetime_days", "one rule, for a script"],
)}`,
    )
    .action(app.action((ctx) => showPolicy(ctx)));
}
