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
    // --help and --version end parsing the same way errors do; they are not failures.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") {
      return ExitCode.ok;
    }
    return ExitCode.usage;
  }
}
