import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { CommandFailure, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { type ServerData, serverData, shellWord } from "../serverData.js";

interface BackupOptions {
  dataDir?: string;
  force?: boolean;
}

/** PostgreSQL has its own tools; this command does not pretend to replace them. */
export function postgresAdvice(data: ServerData, action: "backup" | "restore"): CommandFailure {
  const schema = data.databaseSchema === undefined ? "" : ` --schema=${data.databaseSchema}`;
  const how =
    action === "backup"
      ? `back it up with PostgreSQL's tools, e.g.\n  pg_dump --format=custom${schema} "$LATCHKEY_DATABASE_URL" > latchkey.dump\nor with your database's continuous archiving`
      : `restore it with PostgreSQL's tools, e.g.\n  pg_restore --clean --if-exists --dbname="$LATCHKEY_DATABASE_URL" latchkey.dump`;
  return new CommandFailure(
    `the server keeps its data in PostgreSQL (LATCHKEY_DATABASE_URL), not in a file this command can ${action === "backup" ? "back up" : "restore"}: ${how}`,
    ExitCode.failure,
    "the pepper (LATCHKEY_PEPPER) is not in the database: keep it in your secret store, apart from the dumps (docs/deploy.md#backup-and-restore)",
  );
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

async function backup(ctx: Context, file: string | undefined, options: BackupOptions) {
  if (file === undefined || file === "")
    throw new UsageError("give the FILE to write the backup to");
  const data = await serverData(ctx, options.dataDir);
  if (data.databaseUrl !== undefined) throw postgresAdvice(data, "backup");
  const { backupSqlite, SqliteFileError } = await import("@latchkey/store");
  const { resolve } = await import("node:path");
  let made: Awaited<ReturnType<typeof backupSqlite>>;
  try {
    made = await backupSqlite(data.dataDir, resolve(ctx.io.cwd, file), {
      force: options.force === true,
    });
  } catch (err) {
    if (!(err instanceof SqliteFileError)) throw err;
    if (err.problem === "exists") {
      throw new UsageError(`${err.message}; nothing was written`, "pass --force to replace it");
    }
    const hint =
      err.problem === "missing"
        ? "point --data-dir or LATCHKEY_DATA_DIR at the server's data directory (for PostgreSQL, set LATCHKEY_DATABASE_URL)"
        : undefined;
    throw new CommandFailure(err.message, ExitCode.failure, hint);
  }
  const pepper = data.pepperFromEnv ? "LATCHKEY_PEPPER" : data.pepperFile;
  ctx.show(
    { file: made.file, source: made.source, bytes: made.bytes, live_keys: made.liveKeys },
    () =>
      ctx.print(
        `Backed up ${made.source} to ${made.file} (${size(made.bytes)}, ${made.liveKeys} live API key${made.liveKeys === 1 ? "" : "s"}; integrity checked, mode 0600).\n` +
          `The pepper is not in it: keep ${pepper} apart from the backup, as safely. Without it no key in the backup verifies; with it, a stolen backup lets guesses be tested.\n` +
          "To restore: stop the server, then run\n" +
          `  latchkey restore ${shellWord(made.file)} --data-dir ${shellWord(data.dataDir)}\n` +
          "and start it again with the same pepper. Keys deleted or reset after this backup stay revoked: restore applies those changes again from the database it replaces.\n",
      ),
  );
  return ExitCode.ok;
}

export function backupCommand(app: App): Command {
  return new Command("backup")
    .description(
      "copy the server's SQLite database to FILE while the server runs (consistent, mode 0600), and print how to restore it",
    )
    .argument("<FILE>", "where to write the copy (refused if it exists, unless --force)")
    .option(
      "--data-dir <dir>",
      "the server's data directory (default: LATCHKEY_DATA_DIR, then ./data, as the server)",
    )
    .option("--force", "replace FILE if it exists")
    .addHelpText(
      "after",
      `
The copy is taken with SQLite's online backup while the server keeps serving, checked with
PRAGMA integrity_check, and holds everything committed when it started. The pepper (the data
dir's 'pepper' file, or LATCHKEY_PEPPER) is not in it: keep the two apart. With
LATCHKEY_DATABASE_URL set, the data is in PostgreSQL: use pg_dump (the command says how).
${examples(
  [
    "latchkey backup /var/backups/latchkey-$(date +%F).db --data-dir /var/lib/latchkey",
    "a dated copy",
  ],
  ["latchkey backup latchkey.db --force", "replace yesterday's copy (data in ./data)"],
)}`,
    )
    .action(
      app.action((ctx, command) => backup(ctx, command.args[0], command.opts<BackupOptions>())),
    );
}
