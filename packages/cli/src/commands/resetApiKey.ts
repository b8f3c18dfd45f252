import { MAX_GRACE_SECONDS } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { describeSeconds, durationSeconds } from "../duration.js";
import { parseId, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeKeyFile } from "../keyFile.js";
import { examples } from "../output/examples.js";
import { formatTime } from "../output/time.js";
import { warnIfEnvOverrides } from "./setApiKey.js";

interface ResetOptions {
  save?: boolean;
  grace?: string;
}

/**
 * --grace as seconds: plain seconds or a number with a unit, at most the server's 7 days (checked
 * here too, for a usage error up front).
 */
export function graceSeconds(raw: string): number {
  const seconds = durationSeconds(raw);
  if (seconds === undefined) {
    throw new UsageError(
      `--grace: '${raw}' is not a duration`,
      `give seconds (3600) or a number with a unit (90m, 24h, 7d), at most ${describeSeconds(MAX_GRACE_SECONDS)}`,
    );
  }
  if (seconds > MAX_GRACE_SECONDS) {
    throw new UsageError(
      `--grace: ${raw} is ${describeSeconds(seconds)}, longer than the longest grace window of ${describeSeconds(MAX_GRACE_SECONDS)} (${MAX_GRACE_SECONDS} seconds)`,
      "use at most --grace 7d; a longer overlap is what a second key is for",
    );
  }
  return seconds;
}

/** Whether to write the new secret to the key file: --save, or yes at the prompt. */
async function shouldSave(ctx: Context, options: ResetOptions, question: string): Promise<boolean> {
  if (options.save === true) return true;
  if (!ctx.io.input.isTTY) return false;
  const answer = await ctx.io.input.readLine(question);
  return answer !== null && /^(y(es)?)?$/i.test(answer.trim());
}

interface Outcome {
  /** The reset key is the one this command ran with. */
  inUse: boolean;
  /** The answer as the server gave it, for --raw. */
  result: unknown;
  secret: string;
  id: number;
  /** Until when the old secret still works; null when it was refused at once. */
  oldUntil: string | null;
}

async function reset(ctx: Context, id: number | undefined, grace: number): Promise<Outcome> {
  const creds = await ctx.credentials();
  const client = await ctx.client();
  if (id === undefined && grace === 0) {
    const answer = await client.resetCurrentApiKey();
    return {
      inUse: true,
      result: answer,
      secret: answer.new_api_key,
      id: answer.id,
      oldUntil: null,
    };
  }
  let target = id;
  let inUse = false;
  if (target === undefined) {
    // Vast's {"client_id": "me"} form has no grace window, so name the key in use by its id.
    const user = await client.currentUser();
    if (user.key_kind !== "api") {
      throw new UsageError("the credential in use is a session, not an API key: give the key's ID");
    }
    [target, inUse] = [user.key_id, true];
  } else if (creds.source === "file") {
    // Only the key in use can be saved over the key file, so ask the server which one that is.
    inUse = (await client.currentUser()).key_id === target;
  }
  const answer = await client.resetApiKey(target, grace > 0 ? { grace_seconds: grace } : {});
  return {
    inUse,
    result: answer,
    secret: answer.key,
    id: answer.id,
    oldUntil: answer.previous_expires_at,
  };
}

async function resetApiKey(
  ctx: Context,
  rawId: string | undefined,
  options: ResetOptions,
): Promise<number> {
  const id = rawId === undefined ? undefined : parseId(rawId);
  const grace = options.grace === undefined ? 0 : graceSeconds(options.grace);
  const creds = await ctx.credentials();
  const outcome = await reset(ctx, id, grace);
  const until = outcome.oldUntil === null ? null : formatTime(outcome.oldUntil, ctx.now());
  ctx.show(outcome.result, () => {
    const { bold, green, yellow } = ctx.out;
    const old =
      until === null
        ? "the old secret no longer works"
        : `the old secret keeps working until ${until}, then it is refused ` +
          `(end that sooner with 'latchkey end grace-window ${outcome.id}')`;
    ctx.print(
      `Reset API key ${outcome.id}: ${old}. The new one:\n\n` +
        `    ${bold(green(outcome.secret))}\n\n` +
        `${yellow("This is the only time the key is shown: it cannot be retrieved later.")}\n`,
    );
  });
  const oldState = until === null ? "which no longer works" : `which works until ${until}`;
  const oldFromFile = outcome.inUse && creds.source === "file";
  const question = `The key file ${creds.keyFile} holds the old key, ${oldState}. Save the new one there? [Y/n] `;
  if (options.save === true || (oldFromFile && (await shouldSave(ctx, options, question)))) {
    writeKeyFile(creds.keyFile, outcome.secret);
    ctx.note(`Saved the new key to ${creds.keyFile}.`);
    warnIfEnvOverrides(ctx);
  } else if (oldFromFile) {
    ctx.warn(
      `${creds.keyFile} still holds the old key, ${oldState}; save the new one with 'latchkey set api-key' (or pass --save next time).`,
    );
  } else if (outcome.inUse && creds.source === "env") {
    ctx.warn(
      `LATCHKEY_API_KEY holds the old key, ${oldState}; update it${until === null ? "" : " before then"}.`,
    );
  }
  return ExitCode.ok;
}

export function resetApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description(
      "give an API key a new secret (same id, name and permissions); the old secret is refused at once, or with --grace at the end of a grace window",
    )
    .argument("[ID]", "the key's id; omit it to reset the key this command runs with")
    .option("--save", "write the new key to the key file without asking")
    .option(
      "--grace <duration>",
      `keep the old secret working this long, at most ${describeSeconds(MAX_GRACE_SECONDS)}: seconds (3600) or 90m, 24h, 7d`,
    )
    .addHelpText(
      "after",
      `
Without --grace the old secret is refused from the moment the new one is shown: anything still
using it gets 401 at once. With --grace both the old and the new secret work until the time
shown, so deployments can switch over; then the old one is refused on every node. End the
window sooner with 'latchkey end grace-window ID'; 'show api-key ID' shows a pending old secret.
With --raw the answer is the key with its new secret in "key" and the window's end in
"previous_expires_at" (without ID and --grace it is Vast's {"new_api_key": …} form).
${examples(
  ["latchkey reset api-key", "reset the key in use (offers to save the new one)"],
  ["latchkey reset api-key --save", "and save it to the key file"],
  ["latchkey reset api-key 12 --raw | jq -r .key", "reset key 12 in a script"],
  ["latchkey reset api-key 12 --grace 24h", "the old secret of key 12 keeps working for a day"],
  ["latchkey reset api-key --grace 90m --save", "rotate the key in use with 90 minutes' overlap"],
)}`,
    )
    .action(
      app.action((ctx, command) => resetApiKey(ctx, command.args[0], command.opts<ResetOptions>())),
    );
}
