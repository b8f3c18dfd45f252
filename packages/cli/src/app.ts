import type { Command } from "commander";
import { Context } from "./context.js";
import { reportFailure } from "./failure.js";
import { globalOptions } from "./globals.js";
import type { Io } from "./io.js";
import { checkCommandLine, checkedInput } from "./text.js";

/** A command's body: it returns its exit status and writes only through the context. */
export type Handler = (ctx: Context, command: Command) => Promise<number>;

/**
 * Turns handlers into commander actions: builds each run's context from the global options and
 * keeps the exit status (failures are reported here, in one place) for the entry to exit with.
 */
export class App {
  exitCode = 0;
  /** The injected I/O, its answers checked to be text (see text.ts). */
  readonly io: Io;

  constructor(
    io: Io,
    readonly now: () => Date = () => new Date(),
  ) {
    this.io = { ...io, input: checkedInput(io.input) };
  }

  action(handler: Handler): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx = new Context(this.io, globalOptions(command), this.now);
      try {
        // Before the command runs, so nothing that is not text is ever sent or saved.
        checkCommandLine(command);
        this.exitCode = await handler(ctx, command);
      } catch (err) {
        this.exitCode = reportFailure(err, ctx);
      }
    };
  }
}
