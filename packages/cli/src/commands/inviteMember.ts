import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function inviteMember(
  ctx: Context,
  options: { email?: string; role?: string },
): Promise<number> {
  if (options.email === undefined || options.role === undefined) {
    throw new UsageError(
      "--email and --role are required",
      "latchkey invite member --email ana@example.com --role member",
    );
  }
  const client = await ctx.client();
  const invited = await client.inviteMember({ email: options.email, role: options.role });
  ctx.show(invited, () => {
    ctx.print(`${invited.msg}\n`);
    ctx.print(
      `They accept it after signing in (latchkey accept invitation ${invited.invitation.id}), or with this token: ${invited.token}\n`,
    );
  });
  return ExitCode.ok;
}

export function inviteMemberCommand(app: App): Command {
  return new Command("member")
    .description("invite a person to the team with a role (within your own rights); lasts 4 hours")
    .option("--email <email>", "whom to invite")
    .option("--role <name>", "the role they get (see 'latchkey show team-roles')")
    .addHelpText(
      "after",
      examples(["latchkey invite member --email ana@example.com --role member", "instances only"]),
    )
    .action(
      app.action((ctx, command) =>
        inviteMember(ctx, command.opts<{ email?: string; role?: string }>()),
      ),
    );
}
