import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { CommandFailure, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { serverData } from "../serverData.js";
import { postgresAdvice } from "./backup.js";

interface RestoreOptions {
  dataDir?: string;
  yes?: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

async function restore(ctx: Context, file: string | undefined, options: RestoreOptions) {
  if (file === undefined || file === "") throw new UsageError("give the backup FILE to restore");
  const data = await serverData(ctx, options.dataDir);
  if (data.databaseUrl !== undefined) throw postgresAdvice(data, "restore");
  const { resolve } = await import("node:path");
  const backup = resolve(ctx.io.cwd, file);
  // It replaces the live database (kept aside, but still): a script must say --yes.
  if (options.yes !== true) {
    if (!ctx.io.input.isTTY) {
      throw new UsageError(
        `refusing to replace the database in ${data.dataDir} without confirmation: stdin is not a terminal`,
        "pass --yes to restore",
      );
    }
    const answer = await ctx.io.input.readLine(
      `Replace the database in ${data.dataDir} with ${backup}? The current one is kept beside it. [y/N] `,
    );
    if (answer === null || !/^y(es)?$/i.test(answer.trim())) {
      ctx.note("Not restored.");
      return ExitCode.failure;
    }
  }
  const { restoreSqlite, SqliteFileError } = await import("@latchkey/store");
  let done: ReturnType<typeof restoreSqlite>;
  try {
    done = restoreSqlite(data.dataDir, backup, ctx.now());
  } catch (err) {
    if (!(err instanceof SqliteFileError)) throw err;
    const hint =
      err.problem === "in_use"
        ? "stop the server (or whatever has the database open) first, then restore"
        : undefined;
    throw new CommandFailure(`${err.message}; nothing was changed`, ExitCode.failure, hint);
  }
  ctx.show(
    {
      database: done.database,
      from: backup,
      previous: done.previous ?? null,
      reapplied: done.reapplied,
      deletions: done.deletions,
      resets: done.resets,
      lost_keys: done.lostKeys,
      lost_sessions: done.lostSessions,
    },
    () => {
      ctx.print(`Restored ${done.database} from ${backup}.\n`);
      if (done.previous !== undefined)
        ctx.print(`The database it replaced is kept at ${done.previous}.\n`);
      if (done.reapplied) {
        ctx.print(
          `Applied again from it: ${plural(done.deletions, "deletion")} and ${plural(done.resets, "reset")} made since the backup, so those secrets stay refused.\n`,
        );
        if (done.lostKeys > 0) {
          ctx.warn(
            `${plural(done.lostKeys, "key was", "keys were")} created after the backup and ${done.lostKeys === 1 ? "is" : "are"} not in it: ${done.lostKeys === 1 ? "its owner needs" : "their owners need"} a new one.`,
          );
        }
        if (done.lostSessions > 0) {
          ctx.print(
            `${plural(done.lostSessions, "login session")} since the backup ${done.lostSessions === 1 ? "is" : "are"} not in it: ${done.lostSessions === 1 ? "that user logs" : "those users log"} in again.\n`,
          );
        }
      } else {
        ctx.warn(
          done.previous === undefined
            ? "there was no database to take later deletes and resets from: keys deleted or reset after the backup was taken work again. Delete or reset them again (docs/deploy.md#restoring-resurrects)."
            : "the replaced database could not be read: keys deleted or reset after the backup was taken work again. Delete or reset them again (docs/deploy.md#restoring-resurrects).",
        );
      }
      ctx.print(
        `Start the server with the same pepper (${data.pepperFromEnv ? "LATCHKEY_PEPPER" : data.pepperFile}).\n`,
      );
    },
  );
  return ExitCode.ok;
}

export function restoreCommand(app: App): Command {
  return new Command("restore")
    .description(
      "put a backup in place of the server's SQLite database (server stopped), keeping deletes and resets made since",
    )
    .argument("<FILE>", "a backup made by 'latchkey backup'")
    .option(
      "--data-dir <dir>",
      "the server's data directory (default: LATCHKEY_DATA_DIR, then ./data, as the server)",
    )
    .option("-y, --yes", "do not ask; required when stdin is not a terminal")
    .addHelpText(
      "after",
      `
Refused while a server has the database open. The database it replaces is kept beside it
(latchkey.db.before-restore-<time>), and the keys deleted or reset since the backup are
deleted or given their newer secret again from it, so no revoked secret comes back. Keys
created after the backup are not in it. The server needs the same pepper as before.
${examples(
  [
    "latchkey restore /var/backups/latchkey-2026-11-26.db --data-dir /var/lib/latchkey",
    "asks, then restores",
  ],
  ["latchkey restore latchkey.db --yes", "in a script (data in ./data)"],
)}`,
    )
    .action(
      app.action((ctx, command) => restore(ctx, command.args[0], command.opts<RestoreOptions>())),
    );
}
