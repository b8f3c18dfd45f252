import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { renderFields } from "../output/table.js";
import { formatTime } from "../output/time.js";

async function showUser(ctx: Context): Promise<number> {
  const user = await (await ctx.client()).currentUser();
  ctx.show(user, () => {
    const fields: [string, string][] = [
      ["ID", String(user.id)],
      ["Email", user.email],
      ["Created", formatTime(user.created_at, ctx.now())],
      ["Signed in with", `${user.key_kind === "session" ? "session" : "API key"} ${user.key_id}`],
    ];
    if (user.is_admin) fields.push(["Administrator", "yes"]);
    ctx.print(renderFields(fields, ctx.out.bold));
  });
  return ExitCode.ok;
}

export function showUserCommand(app: App): Command {
  return new Command("user")
    .description("show the account and which key this command runs with")
    .addHelpText(
      "after",
      examples(
        ["latchkey show user", "who am I, and with which key"],
        ['latchkey show user --api-key "$KEY"', "check which account a key belongs to"],
      ),
    )
    .action(app.action((ctx) => showUser(ctx)));
}
