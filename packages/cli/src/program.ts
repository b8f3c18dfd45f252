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
 * A first word of the command line. The commands' code (and what it imports: the SDK; the
 * server for `serve`) is loaded only when a command line is about one of them: starting takes
 * most of its time in loading modules, and `--version` or `--help` need none of them.
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

/** The commands' module (all but `serve`), imported once a command line names one. */
type Commands = typeof import("./commands/index.js");
const commandModules = (): Promise<Commands> => import("./commands/index.js");

/** A group of second words (see group): its children, picked from the commands' module. */
function lazyGroup(
  name: string,
  description: string,
  children: (commands: Commands) => readonly CommandFactory[],
): TopLevel {
  return {
    name,
    description,
    load: async () => {
      const factories = children(await commandModules());
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
  lazyGroup("set", "save the API key, or set the account's key policy", (c) => [
    c.setApiKeyCommand,
    c.setPolicyCommand,
  ]),
  lazyGroup("create", "create an API key, a webhook, a team or a team role", (c) => [
    c.createApiKeyCommand,
    c.createWebhookCommand,
    c.createTeamCommand,
    c.createTeamRoleCommand,
  ]),
  lazyGroup(
    "show",
    "show keys, usage, the account, policy, audit logs, permissions, sessions, webhooks, team members, roles and invitations",
    (c) => [
      c.showApiKeysCommand,
      c.showApiKeyCommand,
      c.showUsageCommand,
      c.showUserCommand,
      c.showPolicyCommand,
      c.showAuditLogsCommand,
      c.showPermissionsCommand,
      c.showSessionsCommand,
      c.showWebhooksCommand,
      c.showWebhookCommand,
      c.showMembersCommand,
      c.showTeamRoleCommand,
      c.showTeamRolesCommand,
      c.showInvitationsCommand,
    ],
  ),
  lazyGroup("delete", "delete an API key or a webhook", (c) => [
    c.deleteApiKeyCommand,
    c.deleteWebhookCommand,
  ]),
  lazyGroup("reset", "give an API key a new secret", (c) => [c.resetApiKeyCommand]),
  lazyGroup("destroy", "destroy the team (owner only)", (c) => [c.destroyTeamCommand]),
  lazyGroup("invite", "invite a person to the team", (c) => [c.inviteMemberCommand]),
  lazyGroup("remove", "remove a team member or a team role", (c) => [
    c.removeMemberCommand,
    c.removeTeamRoleCommand,
  ]),
  lazyGroup("update", "rename a team role or change its permissions", (c) => [
    c.updateTeamRoleCommand,
  ]),
  lazyGroup("accept", "join a team you were invited to", (c) => [c.acceptInvitationCommand]),
  lazyGroup("transfer", "make a manager the team's owner", (c) => [c.transferTeamCommand]),
  lazyGroup("redeliver", "send a webhook delivery again", (c) => [c.redeliverWebhookCommand]),
  lazyGroup("test", "send a ping to a webhook", (c) => [c.testWebhookCommand]),
  lazyGroup("end", "end a reset's grace window early, or login sessions", (c) => [
    c.endGraceWindowCommand,
    c.endSessionCommand,
    c.endSessionsCommand,
  ]),
  {
    name: "login",
    description:
      "log in with email and password, create an API key named after this host and save it to the key file",
    options: true,
    load: async () => (await commandModules()).loginCommand,
  },
  {
    name: "logout",
    description: "delete the saved API key on the server and remove the key file",
    load: async () => (await commandModules()).logoutCommand,
  },
  {
    name: "scan",
    description:
      "find Latchkey keys (any prefix, valid checksum) in files or in the git index; exits 1 when any is found",
    options: true,
    args: "[PATH...]",
    load: async () => (await commandModules()).scanCommand,
  },
  {
    name: "backup",
    description:
      "copy the server's SQLite database to FILE while the server runs (consistent, mode 0600), and print how to restore it",
    options: true,
    args: "<FILE>",
    load: async () => (await commandModules()).backupCommand,
  },
  {
    name: "restore",
    description:
      "put a backup in place of the server's SQLite database (server stopped), keeping deletes and resets made since",
    options: true,
    args: "<FILE>",
    load: async () => (await commandModules()).restoreCommand,
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
