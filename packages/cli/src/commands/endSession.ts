import { LatchkeyError } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { CommandFailure, parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function endSession(ctx: Context, rawId: string | undefined): Promise<number> {
  const id = parseId(rawId);
  const client = await ctx.client();
  const answer = await client.endSession(id).catch((err: unknown) => {
    // The usual 404 hint points at the key list; a session id comes from the session list.
    if (err instanceof LatchkeyError && err.status === 404) {
      throw new CommandFailure(
        err.msg,
        ExitCode.notFound,
        "check the id: 'latchkey show sessions' lists the sessions",
      );
    }
    throw err;
  });
  ctx.show(answer, () =>
    ctx.print(`Ended session ${id}: the device signed in with it is signed out.\n`),
  );
  return ExitCode.ok;
}

export function endSessionCommand(app: App): Command {
  return new Command("session")
    .description("end one login session (sign a console or other device out)")
    .argument("<ID>", "the session's id (see 'latchkey show sessions')")
    .addHelpText(
      "after",
      examples(
        ["latchkey show sessions", "find the session's id"],
        ["latchkey end session 17", "sign session 17 out"],
      ),
    )
    .action(app.action((ctx, command) => endSession(ctx, command.args[0])));
}
