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
 * second, which every other command would pay at start for nothing: only `serve` loads it,
 * when it runs or shows its help (see program.ts).
 */
export async function loadServer(): Promise<ServerModule> {
  return await import("@latchkey/server");
}

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

async function serve(ctx: Context, command: Command, server: ServerModule): Promise<number> {
  return server.main(ctx.io.env, overrides(command, server));
}

export function serveCommand(app: App, server: ServerModule): Command {
  const command = new Command("serve").description(
    "run the Latchkey server (as 'npm start'); each flag overrides its environment variable",
  );
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
    .action(app.action((ctx, cmd) => serve(ctx, cmd, server)));
}
