import { findPreset, formatInstant, MAX_INSTANT_MS, parseInstant, presets } from "@latchkey/core";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { durationSeconds } from "../duration.js";
import { parseId, parseJsonOption, UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { examples } from "../output/examples.js";
import { formatTime } from "../output/time.js";
import { permissionSummary } from "../permissionSummary.js";
import { readTextFile } from "../text.js";

interface CreateOptions {
  name: string;
  permissions?: string;
  permission_file?: string;
  preset?: string;
  key_params?: string;
  expiresAt?: string;
  team?: string;
}

/** The permission tree the options ask for; undefined (no option) is full access. */
function permissionsFrom(options: CreateOptions): unknown {
  const given = [options.permissions, options.permission_file, options.preset].filter(
    (value) => value !== undefined,
  );
  if (given.length > 1) {
    throw new UsageError("give at most one of --permissions, --permission_file and --preset");
  }
  if (options.permissions !== undefined) {
    return parseJsonOption("--permissions", options.permissions);
  }
  if (options.permission_file !== undefined) {
    const text = readTextFile(options.permission_file, "--permission_file");
    return parseJsonOption(`--permission_file ${options.permission_file}`, text);
  }
  if (options.preset !== undefined) {
    const preset = findPreset(options.preset);
    if (preset === undefined) {
      throw new UsageError(
        `no preset named '${options.preset}'`,
        `choose one of: ${presets.map((p) => p.name).join(", ")}`,
      );
    }
    return preset.permissions;
  }
  return undefined;
}

const EXPIRY_HINT =
  "use an RFC 3339 date-time with its zone (2027-01-31T00:00:00Z, 2027-01-31T09:00:00+02:00) or a span such as 30d, 12h or 2w";

/**
 * A span from now (30d, 12h, 2w, as --grace reads them), or a date-time read as strictly as the
 * server reads it (parseInstant: zone required, real days, 1970-9999); in the stored form
 * either way.
 */
export function expiryFrom(raw: string, now: Date): string {
  const text = raw.trim();
  // A bare number is no span here: it would be read as seconds, or mistaken for a Unix time.
  const seconds = /^\d+$/.test(text) ? undefined : durationSeconds(text);
  if (seconds !== undefined) {
    const at = now.getTime() + seconds * 1000;
    if (at > MAX_INSTANT_MS) {
      throw new UsageError(`--expires-at: ${text} from now is after 9999`, EXPIRY_HINT);
    }
    return formatInstant(at);
  }
  const at = parseInstant(raw, "--expires-at");
  if (!at.ok) throw new UsageError(at.msg, EXPIRY_HINT);
  return formatInstant(at.ms);
}

async function createApiKey(ctx: Context, options: CreateOptions): Promise<number> {
  const permissions = permissionsFrom(options);
  const keyParams =
    options.key_params === undefined
      ? undefined
      : parseJsonOption("--key_params", options.key_params);
  const expiresAt =
    options.expiresAt === undefined ? undefined : expiryFrom(options.expiresAt, ctx.now());
  const teamId = options.team === undefined ? undefined : parseId(options.team, "--team");
  const client = await ctx.client();
  const created = await client.createApiKey({
    name: options.name,
    ...(teamId === undefined ? {} : { team_id: teamId }),
    ...(permissions === undefined ? {} : { permissions }),
    ...(keyParams === undefined ? {} : { key_params: keyParams }),
    ...(expiresAt === undefined ? {} : { expires_at: expiresAt }),
  } as Parameters<typeof client.createApiKey>[0]);
  ctx.show(created, () => {
    const { bold, green, yellow } = ctx.out;
    ctx.print(
      `Created API key ${created.id} "${created.name}" with ${permissionSummary(created.permissions)}` +
        `${created.expires_at ? `, expiring ${formatTime(created.expires_at, ctx.now())}` : ""}.\n\n` +
        `    ${bold(green(created.key))}\n\n` +
        `${yellow("This is the only time the key is shown: it cannot be retrieved later.")}\n` +
        "Store it now, e.g. in your secret manager or with 'latchkey set api-key'.\n",
    );
  });
  return ExitCode.ok;
}

export function createApiKeyCommand(app: App): Command {
  return new Command("api-key")
    .description("create an API key; without a permission option it has full access")
    .requiredOption("--name <name>", "a name for your eyes only, e.g. where the key is used")
    .option("--permissions <json>", `the permission tree inline, e.g. '{"api": {"user_read": {}}}'`)
    .option("--permission_file <path>", "read the permission tree from a JSON file")
    .option("--preset <name>", `a common scope: ${presets.map((p) => p.name).join(", ")}`)
    .option("--key_params <json>", `restrictions, e.g. '{"ip_whitelist": ["203.0.113.0/24"]}'`)
    .option(
      "--expires-at <date>",
      "expiry: an RFC 3339 date-time with its zone (2027-01-31T00:00:00Z), or a span such as 30d or 12h",
    )
    .option(
      "--team <id>",
      "a team key: acts on team ID, within your role there (see 'latchkey accept invitation')",
    )
    .addHelpText(
      "after",
      examples(
        ["latchkey create api-key --name laptop", "a full-access key"],
        ["latchkey create api-key --name dashboard --preset read-only", "a read-only key"],
        [
          `latchkey create api-key --name ci --permissions '{"api": {"instance_read": {}, "instance_write": {}}}'`,
          "a key limited to instance management",
        ],
        [
          "latchkey create api-key --name ci --permission_file perms.json --expires-at 90d",
          "permissions from a file, expiring in 90 days",
        ],
        [
          `latchkey create api-key --name office --key_params '{"ip_whitelist": ["203.0.113.7"]}'`,
          "usable only from one address",
        ],
      ),
    )
    .action(app.action((ctx, command) => createApiKey(ctx, command.opts<CreateOptions>())));
}
