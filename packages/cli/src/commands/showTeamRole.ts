import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function showTeamRole(ctx: Context, name: string): Promise<number> {
  const role = await (await ctx.client()).getRole(name);
  // As Vast's CLI prints it: the JSON, indented.
  ctx.show(role, () => ctx.print(`${JSON.stringify(role, null, 1)}\n`));
  return ExitCode.ok;
}

export function showTeamRoleCommand(app: App): Command {
  return new Command("team-role")
    .description("show one team role and its permission tree")
    .argument("<NAME>", "the role's name (any case) or id")
    .addHelpText("after", examples(["latchkey show team-role member", "the member role's tree"]))
    .action(app.action((ctx, command) => showTeamRole(ctx, command.args[0] ?? "")));
}
