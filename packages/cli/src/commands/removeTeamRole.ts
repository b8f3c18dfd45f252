import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function removeTeamRole(ctx: Context, name: string): Promise<number> {
  const done = await (await ctx.client()).deleteRole(name);
  ctx.show(done, () => ctx.print(`${done.msg}\n`));
  return ExitCode.ok;
}

export function removeTeamRoleCommand(app: App): Command {
  return new Command("team-role")
    .description("remove a team role that no member holds")
    .argument("<NAME>", "the role's name (or id)")
    .addHelpText(
      "after",
      examples(["latchkey remove team-role ci", "refused while members hold it"]),
    )
    .action(app.action((ctx, command) => removeTeamRole(ctx, command.args[0] ?? "")));
}
