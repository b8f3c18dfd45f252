import { Command, Option } from "commander";
import type { App } from "./app.js";
import { exitCodeHelp } from "./exitCodes.js";
import { addGlobalOptions } from "./globals.js";
import { version } from "./installed.js";
import type { Io } from "./io.js";
import { examples } from "./output/examples.js";

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
function routeOutput(command: Command, io: Io): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError("(add --help for usage and examples)");
  for (const child of command.commands) routeOutput(child, io);
}

/** Builds a top-level command, given the App its actions run in. */
export type CommandFactory = (app: App) => Command;

/**
 * A first word of the command line. Its code (and what that imports: the SDK, the server for
 * `serve`) is loaded only when a command line is about it: starting takes most of its time in
 * loading modules, and `--version` or `--help` need none of them.
 */
interface TopLevel {
  name: string;
  /** As the root help lists it; for a single command, the same as its module's. */
  description: string;
  /** For that listing: whether the command has options, and its arguments. */
  options?: true;
  args?: string;
  load(): Promise<CommandFactory>;
}

type Factories = Promise<readonly ((app: App) => Command)[]>;

/**
 * A group of second words (see group), with its children's modules loaded together: imported
 * side by side, since one after another the module loader's file reads add up.
 */
function lazyGroup(name: string, description: string, children: () => Factories): TopLevel {
  return {
    name,
    description,
    load: async () => {
      const factories = await children();
      return (app) =>
        group(
          name,
          description,
          factories.map((f) => f(app)),
        );
    },
  };
}

const TOP_LEVEL: readonly TopLevel[] = [
  lazyGroup("set", "save the API key, or set the account's key policy", () =>
    Promise.all([
      import("./commands/setApiKey.js").then((m) => m.setApiKeyCommand),
      import("./commands/setPolicy.js").then((m) => m.setPolicyCommand),
    ]),
  ),
  lazyGroup("create", "create an API key, a webhook, a team or a team role", () =>
    Promise.all([
      import("./commands/createApiKey.js").then((m) => m.createApiKeyCommand),
      import("./commands/createWebhook.js").then((m) => m.createWebhookCommand),
      import("./commands/createTeam.js").then((m) => m.createTeamCommand),
      import("./commands/createTeamRole.js").then((m) => m.createTeamRoleCommand),
    ]),
  ),
  lazyGroup(
    "show",
    "show keys, usage, the account, policy, audit logs, permissions, sessions, webhooks, team members, roles and invitations",
    () =>
      Promise.all([
        import("./commands/showApiKeys.js").then((m) => m.showApiKeysCommand),
        import("./commands/showApiKey.js").then((m) => m.showApiKeyCommand),
        import("./commands/showUsage.js").then((m) => m.showUsageCommand),
        import("./commands/showUser.js").then((m) => m.showUserCommand),
        import("./commands/showPolicy.js").then((m) => m.showPolicyCommand),
        import("./commands/showAuditLogs.js").then((m) => m.showAuditLogsCommand),
        import("./commands/showPermissions.js").then((m) => m.showPermissionsCommand),
        import("./commands/showSessions.js").then((m) => m.showSessionsCommand),
        import("./commands/showWebhooks.js").then((m) => m.showWebhooksCommand),
        import("./commands/showWebhook.js").then((m) => m.showWebhookCommand),
        import("./commands/showMembers.js").then((m) => m.showMembersCommand),
        import("./commands/showTeamRole.js").then((m) => m.showTeamRoleCommand),
        import("./commands/showTeamRoles.js").then((m) => m.showTeamRolesCommand),
        import("./commands/showInvitations.js").then((m) => m.showInvitationsCommand),
      ]),
  ),
  lazyGroup("delete", "delete an API key or a webhook", () =>
    Promise.all([
      import("./commands/deleteApiKey.js").then((m) => m.deleteApiKeyCommand),
      import("./commands/deleteWebhook.js").then((m) => m.deleteWebhookCommand),
    ]),
  ),
  lazyGroup("reset", "give an API key a new secret", () =>
    Promise.all([import("./commands/resetApiKey.js").then((m) => m.resetApiKeyCommand)]),
  ),
  lazyGroup("destroy", "destroy the team (owner only)", () =>
    Promise.all([import("./commands/destroyTeam.js").then((m) => m.destroyTeamCommand)]),
  ),
  lazyGroup("invite", "invite a person to the team", () =>
    Promise.all([import("./commands/inviteMember.js").then((m) => m.inviteMemberCommand)]),
  ),
  lazyGroup("remove", "remove a team member or a team role", () =>
    Promise.all([
      import("./commands/removeMember.js").then((m) => m.removeMemberCommand),
      import("./commands/removeTeamRole.js").then((m) => m.removeTeamRoleCommand),
    ]),
  ),
  lazyGroup("update", "rename a team role or change its permissions", () =>
    Promise.all([import("./commands/updateTeamRole.js").then((m) => m.updateTeamRoleCommand)]),
  ),
  lazyGroup("accept", "join a team you were invited to", () =>
    Promise.all([import("./commands/acceptInvitation.js").then((m) => m.acceptInvitationCommand)]),
  ),
  lazyGroup("transfer", "make a manager the team's owner", () =>
    Promise.all([import("./commands/transferTeam.js").then((m) => m.transferTeamCommand)]),
  ),
  lazyGroup("redeliver", "send a webhook delivery again", () =>
    Promise.all([import("./commands/redeliverWebhook.js").then((m) => m.redeliverWebhookCommand)]),
  ),
  lazyGroup("test", "send a ping to a webhook", () =>
    Promise.all([import("./commands/testWebhook.js").then((m) => m.testWebhookCommand)]),
  ),
  lazyGroup("end", "end a reset's grace window early, or login sessions", () =>
    Promise.all([
      import("./commands/endGraceWindow.js").then((m) => m.endGraceWindowCommand),
      import("./commands/endSession.js").then((m) => m.endSessionCommand),
      import("./commands/endSessions.js").then((m) => m.endSessionsCommand),
    ]),
  ),
  {
    name: "login",
    description:
      "log in with email and password, create an API key named after this host and save it to the key file",
    options: true,
    load: async () => (await import("./commands/login.js")).loginCommand,
  },
  {
    name: "logout",
    description: "delete the saved API key on the server and remove the key file",
    load: async () => (await import("./commands/logout.js")).logoutCommand,
  },
  {
    name: "scan",
    description:
      "find Latchkey keys (any prefix, valid checksum) in files or in the git index; exits 1 when any is found",
    options: true,
    args: "[PATH...]",
    load: async () => (await import("./commands/scan.js")).scanCommand,
  },
  {
    name: "backup",
    description:
      "copy the server's SQLite database to FILE while the server runs (consistent, mode 0600), and print how to restore it",
    options: true,
    args: "<FILE>",
    load: async () => (await import("./commands/backup.js")).backupCommand,
  },
  {
    name: "restore",
    description:
      "put a backup in place of the server's SQLite database (server stopped), keeping deletes and resets made since",
    options: true,
    args: "<FILE>",
    load: async () => (await import("./commands/restore.js")).restoreCommand,
  },
  {
    name: "serve",
    description:
      "run the Latchkey server (as 'npm start'); each flag overrides its environment variable",
    options: true,
    load: async () => {
      const { loadServer, serveCommand } = await import("./commands/serve.js");
      const server = await loadServer();
      return (app) => serveCommand(app, server);
    },
  },
];

/** The names of the top-level commands, in the root help's order. */
export const TOP_LEVEL_NAMES: readonly string[] = TOP_LEVEL.map((t) => t.name);

/**
 * Thrown while parsing when the command line turns out to be about a top-level command that
 * is not loaded (dispatched to, or asked for its help with `help NAME`): runCli loads it and
 * parses the same command line again. Nothing has been written or done when it is thrown.
 */
export class CommandNeeded extends Error {
  constructor(readonly command: string) {
    super(`the '${command}' command is not loaded`);
  }
}

/** Loads the named top-level commands (all of them without names). */
export async function loadCommands(
  names: readonly string[] = TOP_LEVEL_NAMES,
): Promise<Map<string, CommandFactory>> {
  const wanted = TOP_LEVEL.filter((top) => names.includes(top.name));
  const factories = await Promise.all(wanted.map((top) => top.load()));
  return new Map(wanted.map((top, i) => [top.name, factories[i] as CommandFactory]));
}

/**
 * Listed in the root help as the real command is, and throws CommandNeeded as soon as the
 * command line is about it.
 */
function standIn(top: TopLevel): Command {
  const command = new Command(top.name).description(top.description);
  // Hidden: it only keeps the root help's "NAME [options]" as it is with the real command.
  if (top.options) command.addOption(new Option("--stand-in").hideHelp());
  if (top.args) command.argument(top.args);
  command.help = () => {
    throw new CommandNeeded(top.name);
  };
  return command;
}

/**
 * The whole command tree: the commands in `loaded` for real (`app` runs their actions),
 * stand-ins for the others (see standIn).
 */
export function buildProgram(
  io: Io,
  loaded: ReadonlyMap<string, CommandFactory> = new Map(),
  app?: App,
): Command {
  const program = new Command("latchkey")
    .description(
      "Create, scope, reset and delete Latchkey API keys; scan for leaked keys; run the server.",
    )
    .version(version, "-V, --version", "print the version")
    .addHelpText("after", rootHelp);
  addGlobalOptions(program);
  const standIns = new Map<Command, string>();
  for (const top of TOP_LEVEL) {
    const factory = loaded.get(top.name);
    if (factory && !app) throw new Error("loaded commands need an App");
    const command = factory && app ? factory(app) : standIn(top);
    if (!factory) standIns.set(command, top.name);
    program.addCommand(command);
  }
  program.hook("preSubcommand", (_program, subcommand) => {
    const name = standIns.get(subcommand);
    if (name !== undefined) throw new CommandNeeded(name);
  });
  routeOutput(program, io);
  return program;
}
