import { redactKey } from "@latchkey/core/keyFormat";
import { keyFilePath } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { ExitCode } from "../exitCodes.js";
import { writeKeyFile } from "../keyFile.js";
import { examples } from "../output/examples.js";
import { warnIfEnvOverrides } from "./setApiKey.js";

interface LoginOptions {
  email?: string;
  name?: string;
}

async function login(ctx: Context, options: LoginOptions): Promise<number> {
  const email = (options.email ?? (await ctx.io.input.readLine("Email: ")))?.trim();
  if (email === undefined || email === "") throw new UsageError("no email given");
  const password = await ctx.io.input.readSecret("Password: ");
  if (password === null || password === "") throw new UsageError("no password given");

  const anonymous = await ctx.client({ source: "none", apiKey: undefined });
  const session = await anonymous.login({ email, password });
  // The session only serves to make the CLI's own key; it is ended whatever happens next, so
  // no week-long session is left behind on this machine.
  const client = await ctx.client({ source: "session", apiKey: session.session_key });
  // node:os only here: the other commands, bundled with this one, need not load it.
  const name = options.name ?? `latchkey CLI on ${(await import("node:os")).hostname()}`;
  let created: Awaited<ReturnType<typeof client.createApiKey>>;
  try {
    created = await client.createApiKey({ name });
  } finally {
    await client.logout().catch(() => {
      ctx.warn(
        "could not end the login session; end it with 'latchkey show sessions' and the console",
      );
    });
  }
  const path = keyFilePath(ctx.io.env);
  writeKeyFile(path, created.key);
  ctx.show(
    {
      user_id: session.user_id,
      email,
      key_file: path,
      api_key: {
        id: created.id,
        name: created.name,
        prefix: created.prefix,
        last4: created.last4,
      },
    },
    () =>
      ctx.print(
        `Logged in as ${email}. Saved a new full-access API key "${created.name}" ` +
          `(id ${created.id}, ${redactKey(created.key)}) to ${path}.\n` +
          "'latchkey logout' deletes it again.\n",
      ),
  );
  warnIfEnvOverrides(ctx);
  return ExitCode.ok;
}

export function loginCommand(app: App): Command {
  return new Command("login")
    .description(
      "log in with email and password, create an API key named after this host and save it to the key file",
    )
    .option("--email <email>", "the account's email (otherwise asked)")
    .option("--name <name>", "name of the new key (default: 'latchkey CLI on <host>')")
    .addHelpText(
      "after",
      `
The password is asked for at a hidden prompt, or read as the next line of stdin when stdin is
not a terminal (never from an option, which would show in the process list).
${examples(
  ["latchkey login", "asks for email and password"],
  [
    'printf "%s\\n%s\\n" "$EMAIL" "$PASSWORD" | latchkey login',
    "in a script: email, then password, on stdin",
  ],
)}`,
    )
    .action(app.action((ctx, command) => login(ctx, command.opts<LoginOptions>())));
}
