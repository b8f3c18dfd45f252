import { CommanderError } from "commander";
import type { App } from "./app.js";
import { ExitCode } from "./exitCodes.js";
import type { Io } from "./io.js";
import { buildProgram, type CommandFactory, CommandNeeded, loadCommands } from "./program.js";

/**
 * Runs one command line (without `node` and the script) and returns the exit status. Only
 * the top-level command the line is about is loaded: parsing starts with none, stops with
 * CommandNeeded before anything is written or done, and starts again with that one loaded.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const loaded = new Map<string, CommandFactory>();
  for (;;) {
    try {
      return await run(argv, io, loaded);
    } catch (err) {
      if (!(err instanceof CommandNeeded) || loaded.has(err.command)) throw err;
      // The App's module beside the command's, not after it: run() imports it next.
      const [commands] = await Promise.all([loadCommands([err.command]), import("./app.js")]);
      const command = commands.get(err.command);
      if (!command) throw err;
      loaded.set(err.command, command);
    }
  }
}

async function run(argv: readonly string[], io: Io, loaded: ReadonlyMap<string, CommandFactory>) {
  // The App (and the SDK it needs) only once a command that runs is loaded.
  let app: App | undefined;
  if (loaded.size > 0) app = new (await import("./app.js")).App(io);
  const program = buildProgram(io, loaded, app);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return app?.exitCode ?? ExitCode.ok;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help, `help CMD` and --version end parsing the way errors do, but with status 0; help
    // shown because a command word is missing has status 1 and is a usage error.
    const done = ["commander.helpDisplayed", "commander.version", "commander.help"];
    return done.includes(err.code) && err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
}
