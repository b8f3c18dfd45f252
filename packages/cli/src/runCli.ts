import { CommanderError } from "commander";
import type { App } from "./app.js";
import { ExitCode } from "./exitCodes.js";
import type { Io } from "./io.js";
import {
  buildProgram,
  type CommandFactory,
  CommandNeeded,
  loadCommands,
  TOP_LEVEL_NAMES,
} from "./program.js";

/**
 * Runs one command line (without `node` and the script) and returns the exit status. Only
 * the top-level command the line is about is loaded: parsing stops with CommandNeeded before
 * anything is written or done when it needs one that is not, and starts again with it loaded.
 * The first word that names a command is loaded before the first parse, so a usual line
 * (`latchkey show api-keys`) is parsed once; a wrong guess (a word that was an option's
 * value) costs only its loading. Not `serve`, whose loading is the whole server.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const loaded = new Map<string, CommandFactory>();
  const named = argv.find((word) => word !== "serve" && TOP_LEVEL_NAMES.includes(word));
  if (named !== undefined) await load(named, loaded);
  for (;;) {
    try {
      return await run(argv, io, loaded);
    } catch (err) {
      if (!(err instanceof CommandNeeded) || loaded.has(err.command)) throw err;
      if (!(await load(err.command, loaded))) throw err;
    }
  }
}

/** Loads a top-level command into `loaded`; false when there is none of that name. */
async function load(name: string, loaded: Map<string, CommandFactory>): Promise<boolean> {
  // The App's module beside the command's, not after it: run() imports it next.
  const [commands] = await Promise.all([loadCommands([name]), import("./app.js")]);
  const command = commands.get(name);
  if (command) loaded.set(name, command);
  return command !== undefined;
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
