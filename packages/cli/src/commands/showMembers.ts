import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { membersTable } from "../output/teamViews.js";

async function showMembers(ctx: Context): Promise<number> {
  const members = await (await ctx.client()).listMembers();
  ctx.show(members, () => ctx.print(membersTable(ctx, members)));
  return ExitCode.ok;
}

export function showMembersCommand(app: App): Command {
  return new Command("members")
    .description("list the team's members and their roles")
    .addHelpText("after", examples(["latchkey show members", "with a team key"]))
    .action(app.action((ctx) => showMembers(ctx)));
}
