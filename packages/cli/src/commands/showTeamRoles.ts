import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { rolesTable } from "../output/teamViews.js";

async function showTeamRoles(ctx: Context): Promise<number> {
  const roles = await (await ctx.client()).listRoles();
  ctx.show(roles, () => ctx.print(rolesTable(ctx, roles)));
  return ExitCode.ok;
}

export function showTeamRolesCommand(app: App): Command {
  return new Command("team-roles")
    .description("list the team's roles (the owner's, always full access, is left out)")
    .addHelpText("after", examples(["latchkey show team-roles", "names and permissions"]))
    .action(app.action((ctx) => showTeamRoles(ctx)));
}
