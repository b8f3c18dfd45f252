import { parseKey, redactKey } from "@latchkey/core/keyFormat";
import { keyFilePath } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeKeyFile } from "../keyFile.js";
import { examples } from "../output/examples.js";

/** Says so when LATCHKEY_API_KEY is set: it wins over the key file, so the saved key is unused. */
export function warnIfEnvOverrides(ctx: Context): void {
  const fromEnv = ctx.io.env.LATCHKEY_API_KEY;
  if (fromEnv !== undefined && fromEnv !== "") {
    ctx.warn(
      "LATCHKEY_API_KEY is set and takes precedence over the key file; unset it to use the saved key.",
    );
  }
}

async function setApiKey(ctx: Context, key: string | undefined): Promise<number> {
  let secret = key;
  if (secret === undefined || secret === "-") {
    // Read from the prompt or a pipe, so the key need not appear in shell history or `ps`.
    secret = (await ctx.io.input.readSecret("API key: "))?.trim();
  }
  if (secret === undefined || secret === "") throw new UsageError("no API key given");
  if (parseKey(secret) === null) {
    throw new UsageError(
      "that is not a Latchkey key: its format or checksum is wrong",
      "copy the whole key, as shown once when it was created or reset",
    );
  }
  const path = keyFilePath(ctx.io.env);
  writeKeyFile(path, secret);
  ctx.show({ key_file: path, key: redactKey(secret) }, () =>
    ctx.print(`Saved ${redactKey(secret)} to ${path} (readable only by you).\n`),
  );
  warnIfEnvOverrides(ctx);
  return ExitCode.ok;
}

export function setApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description(
      "save an API key to the key file ($XDG_CONFIG_HOME/latchkey/api_key, mode 0600) for later commands",
    )
    .argument("[KEY]", "the key; omit it (or give -) to type it hidden or pipe it on stdin")
    .addHelpText(
      "after",
      examples(
        ["latchkey set api-key", "type the key at a hidden prompt"],
        ["pass show latchkey | latchkey set api-key -", "read it from a password manager"],
      ),
    )
    .action(app.action((ctx, command) => setApiKey(ctx, command.args[0])));
}
