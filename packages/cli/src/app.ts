import type { Command } from "commander";
import { Context } from "./context.js";
import { reportFailure } from "./failure.js";
import { globalOptions } from "./globals.js";
import type { Io } from "./io.js";

/** A command's body: it returns its exit status and writes only through the context. */
export type Handler = (ctx: Context, command: Command) => Promise<number>;

/**
 * Turns handlers into commander actions: builds each run's context from the global options and
 * keeps the exit status (failures are reported here, in one place) for the entry to exit with.
 */
export class App {
  exitCode = 0;

  constructor(
    readonly io: Io,
    readonly now: () => Date = () => new Date(),
  ) {}

  action(handler: Handler): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx = new Context(this.io, globalOptions(command), this.now);
      try {
        this.exitCode = await handler(ctx, command);
      } catch (err) {
        this.exitCode = reportFailure(err, ctx);
      }
    };
  }
}
