import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { App } from "./app.js";
import { backupCommand } from "./commands/backup.js";
import { createApiKeyCommand } from "./commands/createApiKey.js";
import { createWebhookCommand } from "./commands/createWebhook.js";
import { deleteApiKeyCommand } from "./commands/deleteApiKey.js";
import { deleteWebhookCommand } from "./commands/deleteWebhook.js";
import { endGraceWindowCommand } from "./commands/endGraceWindow.js";
import { endSessionCommand } from "./commands/endSession.js";
import { endSessionsCommand } from "./commands/endSessions.js";
import { loginCommand } from "./commands/login.js";
import { logoutCommand } from "./commands/logout.js";
import { redeliverWebhookCommand } from "./commands/redeliverWebhook.js";
import { resetApiKeyCommand } from "./commands/resetApiKey.js";
import { restoreCommand } from "./commands/restore.js";
import { scanCommand } from "./commands/scan.js";
import { serveCommand } from "./commands/serve.js";
import { setApiKeyCommand } from "./commands/setApiKey.js";
import { setPolicyCommand } from "./commands/setPolicy.js";
import { showApiKeyCommand } from "./commands/showApiKey.js";
import { showApiKeysCommand } from "./commands/showApiKeys.js";
import { showAuditLogsCommand } from "./commands/showAuditLogs.js";
import { showPermissionsCommand } from "./commands/showPermissions.js";
import { showPolicyCommand } from "./commands/showPolicy.js";
import { showSessionsCommand } from "./commands/showSessions.js";
import { showUsageCommand } from "./commands/showUsage.js";
import { showUserCommand } from "./commands/showUser.js";
import { showWebhookCommand } from "./commands/showWebhook.js";
import { showWebhooksCommand } from "./commands/showWebhooks.js";
import { testWebhookCommand } from "./commands/testWebhook.js";
import { exitCodeHelp } from "./exitCodes.js";
import { addGlobalOptions } from "./globals.js";
import { examples } from "./output/examples.js";

const { version } = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
) as { version: string };

/** A first word (`show`, `create`…) grouping the second words, as Vast's CLI does. */
function group(name: string, description: string, children: readonly Command[]): Command {
  const command = new Command(name).description(description);
  for (const child of children) command.addCommand(child);
  command.addHelpText(
    "after",
    examples(
      ...children.map((c): [string, string] => [
        `latchkey ${name} ${c.name()} --help`,
        `help on '${name} ${c.name()}'`,
      ]),
    ),
  );
  return command;
}

const rootHelp = `
Credentials: --api-key, then LATCHKEY_API_KEY, then the key file
$XDG_CONFIG_HOME/latchkey/api_key (default ~/.config/latchkey/api_key; written by 'login' and
'set api-key' with mode 0600). Server: --url, then LATCHKEY_URL, then http://127.0.0.1:8080.
Global options may stand before or after the command. NO_COLOR turns colour off.

${exitCodeHelp}
${examples(
  ["latchkey login", "log in and save a key for this machine"],
  ["latchkey create api-key --name ci --preset instances", "a key for CI"],
  ["latchkey show api-keys", "your keys"],
  ["latchkey reset api-key 12", "a new secret for key 12"],
  ["latchkey reset api-key 12 --grace 24h", "…with the old one working for another day"],
  ["latchkey show usage 12", "key 12's verified and denied requests"],
  ["latchkey delete api-key 12 --yes", "delete it"],
  ["latchkey show api-keys --explain --url https://keys.example.com", "see the HTTP calls"],
  ["latchkey scan --install-hook", "refuse commits that contain a key"],
  ["latchkey create webhook --endpoint https://example.com/hooks/latchkey", "key events, signed"],
  ["latchkey backup /var/backups/latchkey.db", "a copy of the running server's database"],
)}`;

/**
 * Commander's exits become exceptions and its output goes to the injected streams, on every
 * command: commands built with `new Command` inherit nothing from their parent.
 */
function routeOutput(command: Command, app: App): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => app.io.stdout.write(text),
      writeErr: (text) => app.io.stderr.write(text),
    })
    .showHelpAfterError("(add --help for usage and examples)");
  for (const child of command.commands) routeOutput(child, app);
}

/** The whole command tree. */
export function buildProgram(app: App): Command {
  const program = new Command("latchkey")
    .description(
      "Create, scope, reset and delete Latchkey API keys; scan for leaked keys; run the server.",
    )
    .version(version, "-V, --version", "print the version")
    .addHelpText("after", rootHelp);
  addGlobalOptions(program);
  program.addCommand(
    group("set", "save the API key, or set the account's key policy", [
      setApiKeyCommand(app),
      setPolicyCommand(app),
    ]),
  );
  program.addCommand(
    group("create", "create an API key or a webhook", [
      createApiKeyCommand(app),
      createWebhookCommand(app),
    ]),
  );
  program.addCommand(
    group(
      "show",
      "show keys, usage, the account, policy, audit logs, permissions, sessions, webhooks",
      [
        showApiKeysCommand(app),
        showApiKeyCommand(app),
        showUsageCommand(app),
        showUserCommand(app),
        showPolicyCommand(app),
        showAuditLogsCommand(app),
        showPermissionsCommand(app),
        showSessionsCommand(app),
        showWebhooksCommand(app),
        showWebhookCommand(app),
      ],
    ),
  );
  program.addCommand(
    group("delete", "delete an API key or a webhook", [
      deleteApiKeyCommand(app),
      deleteWebhookCommand(app),
    ]),
  );
  program.addCommand(group("reset", "give an API key a new secret", [resetApiKeyCommand(app)]));
  program.addCommand(
    group("redeliver", "send a webhook delivery again", [redeliverWebhookCommand(app)]),
  );
  program.addCommand(group("test", "send a ping to a webhook", [testWebhookCommand(app)]));
  program.addCommand(
    group("end", "end a reset's grace window early, or login sessions", [
      endGraceWindowCommand(app),
      endSessionCommand(app),
      endSessionsCommand(app),
    ]),
  );
  program.addCommand(loginCommand(app));
  program.addCommand(logoutCommand(app));
  program.addCommand(scanCommand(app));
  program.addCommand(serveCommand(app));
  program.addCommand(backupCommand(app));
  program.addCommand(restoreCommand(app));
  routeOutput(program, app);
  return program;
}
