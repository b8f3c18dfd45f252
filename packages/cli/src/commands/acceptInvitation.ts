import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function acceptInvitation(ctx: Context, token: string): Promise<number> {
  const done = await (await ctx.client()).acceptInvitation(token);
  ctx.show(done, () => {
    ctx.print(`${done.msg}\n`);
    ctx.print(
      `Make a team key with: latchkey create api-key --name NAME --team ${done.team.id} --permissions '{"api": {...}}'\n`,
    );
  });
  return ExitCode.ok;
}

export function acceptInvitationCommand(app: App): Command {
  return new Command("invitation")
    .description("join a team you were invited to (with your personal key; your email must match)")
    .argument("<TOKEN>", "the invitation's token, or its id from 'latchkey show invitations'")
    .addHelpText("after", examples(["latchkey accept invitation 7", "accept invitation 7"]))
    .action(app.action((ctx, command) => acceptInvitation(ctx, command.args[0] ?? "")));
}
