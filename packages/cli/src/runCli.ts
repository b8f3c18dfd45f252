import { CommanderError } from "commander";
import { App } from "./app.js";
import { ExitCode } from "./exitCodes.js";
import type { Io } from "./io.js";
import { buildProgram } from "./program.js";

/** Runs one command line (without `node` and the script) and returns the exit status. */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const app = new App(io);
  const program = buildProgram(app);
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
