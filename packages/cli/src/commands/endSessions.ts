import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";

async function endSessions(ctx: Context, options: { others?: boolean }): Promise<number> {
  // Spelled out so that no one signs every device out by a typo of 'end session ID'.
  if (options.others !== true) {
    throw new UsageError(
      "say which sessions: --others ends every session but the one this command runs with",
      "latchkey end sessions --others, or 'latchkey end session ID' for one",
    );
  }
  const answer = await (await ctx.client()).endOtherSessions();
  ctx.show(answer, () =>
    ctx.print(
      `Ended ${answer.ended} session${answer.ended === 1 ? "" : "s"}. API keys are not sessions and keep working.\n`,
    ),
  );
  return ExitCode.ok;
}

export function endSessionsCommand(app: App): Command {
  return new Command("sessions")
    .description("end every login session but the one this command runs with (--others)")
    .option(
      "--others",
      "required: every session except the calling one; run with an API key (as usual), that is every session",
    )
    .addHelpText(
      "after",
      examples(
        ["latchkey end sessions --others", "sign every console and device out"],
        ["latchkey end sessions --others --raw | jq .ended", "how many were ended"],
      ),
    )
    .action(app.action((ctx, command) => endSessions(ctx, command.opts<{ others?: boolean }>())));
}
