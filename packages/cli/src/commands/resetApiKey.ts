import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { parseId } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeKeyFile } from "../keyFile.js";
import { examples } from "../output/examples.js";
import { warnIfEnvOverrides } from "./setApiKey.js";

interface ResetOptions {
  save?: boolean;
}

/** Whether to write the new secret to the key file: --save, or yes at the prompt. */
async function shouldSave(ctx: Context, options: ResetOptions, path: string): Promise<boolean> {
  if (options.save === true) return true;
  if (!ctx.io.input.isTTY) return false;
  const answer = await ctx.io.input.readLine(
    `The key file ${path} holds the old key, which no longer works. Save the new one there? [Y/n] `,
  );
  return answer !== null && /^(y(es)?)?$/i.test(answer.trim());
}

async function resetApiKey(
  ctx: Context,
  rawId: string | undefined,
  options: ResetOptions,
): Promise<number> {
  const id = rawId === undefined ? undefined : parseId(rawId);
  const creds = await ctx.credentials();
  const client = await ctx.client();
  let inUse: boolean;
  let result: unknown;
  let secret: string;
  let resetId: number;
  if (id === undefined) {
    const answer = await client.resetCurrentApiKey();
    [inUse, result, secret, resetId] = [true, answer, answer.new_api_key, answer.id];
  } else {
    // Only the key in use can be saved over the key file, so ask the server which one that is.
    inUse = creds.source === "file" && (await client.currentUser()).key_id === id;
    const answer = await client.resetApiKey(id);
    [result, secret, resetId] = [answer, answer.key, answer.id];
  }
  ctx.show(result, () => {
    const { bold, green, yellow } = ctx.out;
    ctx.print(
      `Reset API key ${resetId}: the old secret no longer works. The new one:\n\n` +
        `    ${bold(green(secret))}\n\n` +
        `${yellow("This is the only time the key is shown: it cannot be retrieved later.")}\n`,
    );
  });
  const oldFromFile = inUse && creds.source === "file";
  if (options.save === true || (oldFromFile && (await shouldSave(ctx, options, creds.keyFile)))) {
    writeKeyFile(creds.keyFile, secret);
    ctx.note(`Saved the new key to ${creds.keyFile}.`);
    warnIfEnvOverrides(ctx);
  } else if (oldFromFile) {
    ctx.warn(
      `${creds.keyFile} still holds the old key, which no longer works; save the new one with 'latchkey set api-key' (or pass --save next time).`,
    );
  } else if (inUse && creds.source === "env") {
    ctx.warn("LATCHKEY_API_KEY holds the old key, which no longer works; update it.");
  }
  return ExitCode.ok;
}

export function resetApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description(
      "give an API key a new secret (same id, name and permissions); the old secret is refused at once",
    )
    .argument("[ID]", "the key's id; omit it to reset the key this command runs with")
    .option("--save", "write the new key to the key file without asking")
    .addHelpText(
      "after",
      examples(
        ["latchkey reset api-key", "reset the key in use (offers to save the new one)"],
        ["latchkey reset api-key --save", "and save it to the key file"],
        ["latchkey reset api-key 12 --raw | jq -r .key", "reset key 12 in a script"],
      ),
    )
    .action(
      app.action((ctx, command) => resetApiKey(ctx, command.args[0], command.opts<ResetOptions>())),
    );
}
