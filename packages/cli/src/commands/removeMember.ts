import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function removeMember(ctx: Context, rawId: string | undefined): Promise<number> {
  const id = parseId(rawId);
  const done = await (await ctx.client()).removeMember(id);
  ctx.show(done, () => ctx.print(`${done.msg}\n`));
  return ExitCode.ok;
}

export function removeMemberCommand(app: App): Command {
  return new Command("member")
    .description("remove a member: all their team keys and sessions stop working at once")
    .argument("<ID>", "the member's id (see 'latchkey show members')")
    .addHelpText("after", examples(["latchkey remove member 12", "member 12 leaves the team"]))
    .action(app.action((ctx, command) => removeMember(ctx, command.args[0])));
}
