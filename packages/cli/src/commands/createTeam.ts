import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function createTeam(
  ctx: Context,
  options: { team_name?: string; transfer_credit?: string },
): Promise<number> {
  if (options.team_name === undefined || options.team_name.trim() === "") {
    throw new UsageError("--team-name is required", "latchkey create team --team-name Acme");
  }
  const client = await ctx.client();
  const team = await client.createTeam({
    team_name: options.team_name,
    ...(options.transfer_credit === undefined
      ? {}
      : { transfer_credit: Number(options.transfer_credit) }),
  });
  ctx.show(team, () => {
    ctx.print(`Created team ${team.id} "${team.team_name}"; you are its owner.\n`);
    ctx.note(
      "If this CLI uses an API key, that key now acts on the team (as with Vast); a login session stays personal.",
    );
  });
  return ExitCode.ok;
}

export function createTeamCommand(app: App): Command {
  return new Command("team")
    .description("create a team you own; the calling API key becomes your team key (Vast's rule)")
    .option("--team-name <name>", "the team's name")
    .option("--transfer-credit <amount>", "Vast's; Latchkey holds no credit, so only 0 is accepted")
    .addHelpText(
      "after",
      examples(
        [
          "latchkey create team --team-name Acme",
          "a team with the roles owner, manager and member",
        ],
        ["latchkey show members", "then: the team's members (you, the owner)"],
      ),
    )
    .action(
      app.action((ctx, command) =>
        createTeam(ctx, {
          team_name: command.opts<{ teamName?: string }>().teamName,
          transfer_credit: command.opts<{ transferCredit?: string }>().transferCredit,
        }),
      ),
    );
}
