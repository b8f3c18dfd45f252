import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { renderTable } from "../output/table.js";
import { formatTime } from "../output/time.js";

async function showSessions(ctx: Context): Promise<number> {
  const sessions = await (await ctx.client()).listSessions();
  ctx.show({ sessions }, () => {
    if (sessions.length === 0) return ctx.print("No active sessions.\n");
    const now = ctx.now();
    ctx.print(
      renderTable(
        ["ID", "DEVICE", "CREATED", "LAST USED", "FROM", "EXPIRES"],
        sessions.map((session) => [
          `${session.id}${session.current ? " (this)" : ""}`,
          session.name,
          formatTime(session.created_at, now),
          formatTime(session.last_used_at, now, "never"),
          session.last_used_ip ?? "—",
          formatTime(session.expires_at, now, "never"),
        ]),
        ctx.out.bold,
      ),
    );
  });
  return ExitCode.ok;
}

export function showSessionsCommand(app: App): Command {
  return new Command("sessions")
    .description("list the account's login sessions (console and other devices)")
    .addHelpText(
      "after",
      examples(
        ["latchkey show sessions", "where the account is signed in"],
        ["latchkey show sessions --raw", "as JSON"],
      ),
    )
    .action(app.action((ctx) => showSessions(ctx)));
}
