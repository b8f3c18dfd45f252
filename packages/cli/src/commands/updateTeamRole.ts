import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { permissionSummary } from "../permissionSummary.js";
import { treeFromFile } from "./createTeamRole.js";

async function updateTeamRole(
  ctx: Context,
  ref: string,
  options: { name?: string; permissions?: string },
): Promise<number> {
  if (options.name === undefined && options.permissions === undefined) {
    throw new UsageError(
      "give --name, --permissions FILE or both",
      "latchkey update team-role 4 --permissions narrower.json",
    );
  }
  const role = await (await ctx.client()).updateRole(ref, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.permissions === undefined
      ? {}
      : { permissions: treeFromFile(options.permissions) }),
  });
  ctx.show(role, () =>
    ctx.print(
      `Updated role ${role.id} "${role.name}": ${permissionSummary(role.permissions)}. Members holding it have these rights from their next request on.\n`,
    ),
  );
  return ExitCode.ok;
}

export function updateTeamRoleCommand(app: App): Command {
  return new Command("team-role")
    .description("rename a team role or replace its permissions; its members get them at once")
    .argument("<ID>", "the role's id (or name)")
    .option("--name <name>", "a new name")
    .option("--permissions <file>", "a JSON file with the new tree")
    .addHelpText(
      "after",
      examples(["latchkey update team-role 4 --permissions narrower.json", "narrow role 4"]),
    )
    .action(
      app.action((ctx, command) =>
        updateTeamRole(
          ctx,
          command.args[0] ?? "",
          command.opts<{ name?: string; permissions?: string }>(),
        ),
      ),
    );
}
