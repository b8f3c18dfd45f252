import { CommanderError } from "commander";
import { App } from "./app.js";
import { loadServer, type ServerModule, ServerNeeded } from "./commands/serve.js";
import { ExitCode } from "./exitCodes.js";
import type { Io } from "./io.js";
import { buildProgram } from "./program.js";

/**
 * Runs one command line (without `node` and the script) and returns the exit status. The
 * server package is loaded only when the command line is about `serve`: parsing stops with
 * ServerNeeded before anything is written or done, and starts again with the real command.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  try {
    return await run(argv, io, undefined);
  } catch (err) {
    if (!(err instanceof ServerNeeded)) throw err;
  }
  return await run(argv, io, await loadServer());
}

async function run(argv: readonly string[], io: Io, server: ServerModule | undefined) {
  const app = new App(io);
  const program = buildProgram(app, server);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return app.exitCode;
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help, `help CMD` and --version end parsing the way errors do, but with status 0; help
    // shown because a command word is missing has status 1 and is a usage error.
    const done = ["commander.helpDisplayed", "commander.version", "commander.help"];
    return done.includes(err.code) && err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
}
