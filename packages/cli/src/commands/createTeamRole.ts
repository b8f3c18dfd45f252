import type { PermissionTree } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseJsonOption, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { permissionSummary } from "../permissionSummary.js";
import { readTextFile } from "../text.js";

/** A permission tree from a JSON file (Vast's --permissions FILE). */
export function treeFromFile(path: string): PermissionTree {
  return parseJsonOption(
    `--permissions ${path}`,
    readTextFile(path, "--permissions"),
  ) as PermissionTree;
}

async function createTeamRole(
  ctx: Context,
  options: { name?: string; permissions?: string },
): Promise<number> {
  if (options.name === undefined || options.permissions === undefined) {
    throw new UsageError(
      "--name and --permissions FILE are required",
      "latchkey create team-role --name ci --permissions ci.json",
    );
  }
  const role = await (await ctx.client()).createRole({
    name: options.name,
    permissions: treeFromFile(options.permissions),
  });
  ctx.show(role, () =>
    ctx.print(
      `Created role ${role.id} "${role.name}" with ${permissionSummary(role.permissions)}.\n`,
    ),
  );
  return ExitCode.ok;
}

export function createTeamRoleCommand(app: App): Command {
  return new Command("team-role")
    .description("create a team role: a name and a permission tree (within your own rights)")
    .option("--name <name>", "2 to 50 characters, unique in the team")
    .option("--permissions <file>", "a JSON file with the tree, as for keys")
    .addHelpText(
      "after",
      examples([
        "latchkey create team-role --name ci --permissions ci.json",
        'ci.json: {"api": {"instance_read": {}}}',
      ]),
    )
    .action(
      app.action((ctx, command) =>
        createTeamRole(ctx, command.opts<{ name?: string; permissions?: string }>()),
      ),
    );
}
