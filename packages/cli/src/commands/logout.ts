import { LatchkeyError, resolveCredentials } from "@latchkey/sdk";
import { Command } from "commander";
import type { App } from "../app.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exitCodes.js";
import { removeKeyFile } from "../keyFile.js";
import { examples } from "../output/examples.js";

async function logout(ctx: Context): Promise<number> {
  // Logout is about the key that login saved, so read the key file even when LATCHKEY_API_KEY
  // or --api-key would win for other commands (the same resolver, without those sources).
  const saved = await resolveCredentials({
    url: ctx.globals.url,
    env: { ...ctx.io.env, LATCHKEY_API_KEY: undefined },
  });
  if (saved.source !== "file" || saved.apiKey === undefined) {
    ctx.show({ logged_out: false, key_file: saved.keyFile }, () =>
      ctx.print(`Not logged in: there is no key file at ${saved.keyFile}.\n`),
    );
    return ExitCode.ok;
  }
  const client = await ctx.client({ source: "file", apiKey: saved.apiKey });
  let deletedId: number | undefined;
  try {
    const me = await client.currentUser();
    await client.deleteApiKey(me.key_id);
    deletedId = me.key_id;
  } catch (err) {
    // A key the server already refuses (deleted, reset, expired) has nothing left to delete.
    if (!(err instanceof LatchkeyError && err.status === 401)) throw err;
    ctx.note("The saved key was no longer valid on the server.");
  }
  removeKeyFile(saved.keyFile);
  ctx.show(
    { logged_out: true, deleted_api_key_id: deletedId ?? null, key_file: saved.keyFile },
    () =>
      ctx.print(
        deletedId === undefined
          ? `Logged out: removed ${saved.keyFile}.\n`
          : `Logged out: deleted API key ${deletedId} on the server and removed ${saved.keyFile}.\n`,
      ),
  );
  return ExitCode.ok;
}

export function logoutCommand(app: App): Command {
  return new Command("logout")
    .description("delete the saved API key on the server and remove the key file")
    .addHelpText("after", examples(["latchkey logout", "undo 'latchkey login'"]))
    .action(app.action((ctx) => logout(ctx)));
}
