import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function transferTeam(ctx: Context, to: string | undefined): Promise<number> {
  const owner = await (await ctx.client()).transferTeam(parseId(to, "--to"));
  ctx.show(owner, () => ctx.print(`${owner.email} now owns the team; you are a manager.\n`));
  return ExitCode.ok;
}

export function transferTeamCommand(app: App): Command {
  return new Command("team")
    .description("make a manager the team's owner (owner only); you become a manager")
    .option("--to <ID>", "the new owner's member id (a manager; see 'latchkey show members')")
    .addHelpText("after", examples(["latchkey transfer team --to 12", "member 12 owns the team"]))
    .action(app.action((ctx, command) => transferTeam(ctx, command.opts<{ to?: string }>().to)));
}
