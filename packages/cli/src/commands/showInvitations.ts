import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { invitationsTable } from "../output/teamViews.js";

async function showInvitations(ctx: Context): Promise<number> {
  const client = await ctx.client();
  // A team key sees its team's pending invitations; a personal one, those sent to you.
  const me = await client.currentUser();
  const team = me.account_kind === "team";
  const invitations = team ? await client.listInvitations() : await client.myInvitations();
  ctx.show({ invitations }, () => {
    if (invitations.length > 0) ctx.print(invitationsTable(ctx, invitations));
    else if (team) ctx.print("No pending invitations. Invite with 'latchkey invite member'.\n");
    else ctx.print("No invitations to you.\n");
  });
  return ExitCode.ok;
}

export function showInvitationsCommand(app: App): Command {
  return new Command("invitations")
    .description("pending invitations: the team's (team key) or those sent to you (personal key)")
    .addHelpText(
      "after",
      examples(["latchkey show invitations", "then 'latchkey accept invitation ID'"]),
    )
    .action(app.action((ctx) => showInvitations(ctx)));
}
