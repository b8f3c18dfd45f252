import type { main, settings } from "@latchkey/server";
import { Command, Option } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { examples } from "../output/examples.js";

/** What `serve` uses of the server package; only `serve` loads it (see loadServer). */
export interface ServerModule {
  main: typeof main;
  settings: typeof settings;
}

/**
 * Importing the server (Fastify, the stores' drivers, the console's assets) takes most of a
 * second, which every other command would pay at start for nothing: only `serve` loads it.
 */
export async function loadServer(): Promise<ServerModule> {
  return await import("@latchkey/server");
}

/**
 * Thrown while parsing a command line that needs `serve`'s real command (to run it or show its
 * help) when the program was built without the server: runCli then loads the server and
 * parses the same command line again. Nothing is written or done before it is thrown.
 */
export class ServerNeeded extends Error {
  constructor() {
    super("the serve command needs the server package loaded");
  }
}

const DESCRIPTION =
  "run the Latchkey server (as 'npm start'); each flag overrides its environment variable";

/** Each server setting as a flag; given flags override the environment, keyed by its name. */
function overrides(command: Command, server: ServerModule): Record<string, string> {
  const given: Record<string, string> = {};
  for (const setting of server.settings) {
    const option = command.options.find((o) => o.long === setting.flag);
    const value = option === undefined ? undefined : command.getOptionValue(option.attributeName());
    if (typeof value === "string") given[setting.env] = value;
  }
  return given;
}

/**
 * `serve`, with a flag per server setting when `server` is given. Without it, a stand-in that
 * lists the command in the root help and throws ServerNeeded as soon as the command line turns
 * out to be about it: dispatched to (`serve …`, through `hookServe`) or asked for its help
 * (`help serve`).
 */
export function serveCommand(app: App, server: ServerModule | undefined): Command {
  const command = new Command("serve").description(DESCRIPTION);
  if (server === undefined) {
    // Hidden: it only keeps the root help's "serve [options]" as it is with the real command.
    command.addOption(new Option("--port <value>").hideHelp());
    command.help = () => {
      throw new ServerNeeded();
    };
    return command;
  }
  for (const setting of server.settings) {
    const fallback = setting.default === undefined ? "unset" : String(setting.default);
    command.addOption(
      new Option(
        `${setting.flag} <value>`,
        `${setting.description} (env ${setting.env}, default: ${fallback})`,
      ),
    );
  }
  return command
    .addHelpText(
      "after",
      `
Prefer the environment for secrets such as --pepper and --database-url: flags are visible to
other local users in the process list.
${examples(
  ["latchkey serve", "API and console on http://127.0.0.1:8080, data in ./data"],
  ["latchkey serve --port 9000 --data-dir /var/lib/latchkey", "another port and data directory"],
  [
    "LATCHKEY_PEPPER=v1:$(openssl rand -hex 32) latchkey serve --database-url postgres://127.0.0.1/latchkey",
    "the scale-out mode on PostgreSQL",
  ],
)}`,
    )
    .action(app.action((ctx: Context, cmd) => server.main(ctx.io.env, overrides(cmd, server))));
}

/** Makes dispatching to the stand-in `serve` (see serveCommand) throw ServerNeeded. */
export function hookServe(program: Command, serve: Command, server: ServerModule | undefined) {
  if (server !== undefined) return;
  program.hook("preSubcommand", (_program, subcommand) => {
    if (subcommand === serve) throw new ServerNeeded();
  });
}
