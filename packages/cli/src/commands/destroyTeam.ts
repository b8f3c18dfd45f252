import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function destroyTeam(ctx: Context, options: { yes?: boolean }): Promise<number> {
  if (options.yes !== true && !ctx.io.input.isTTY) {
    throw new UsageError(
      "refusing to destroy the team without confirmation: stdin is not a terminal",
      "pass --yes to destroy it: latchkey destroy team --yes",
    );
  }
  const client = await ctx.client();
  if (options.yes !== true) {
    const team = await client.getTeam();
    const answer = await ctx.io.input.readLine(
      `Destroy team ${team.id} "${team.team_name}"? Every team key stops working at once. [y/N] `,
    );
    if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
      ctx.note("Not destroyed.");
      return ExitCode.failure;
    }
  }
  const done = await client.destroyTeam();
  ctx.show(done, () => ctx.print(`${done.msg}\nThis key is your personal key again.\n`));
  return ExitCode.ok;
}

export function destroyTeamCommand(app: App): Command {
  return new Command("team")
    .description("destroy the team (owner only): its keys, roles, invitations and members go")
    .option("-y, --yes", "do not ask; required when stdin is not a terminal")
    .addHelpText("after", examples(["latchkey destroy team --yes", "with the owner's team key"]))
    .action(app.action((ctx, command) => destroyTeam(ctx, command.opts<{ yes?: boolean }>())));
}
