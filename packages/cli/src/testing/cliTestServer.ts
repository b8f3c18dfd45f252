import { signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll } from "vitest";
import { type CliEnv, type CliHome, type CliResult, cliHome, runCli } from "./cliProcess.js";

/** One file's server, the CLI's temp HOME and XDG dirs, and an account signed in on it. */
export interface CliTestServer {
  readonly server: TestServer;
  readonly home: CliHome;
  readonly account: { email: string; password: string; session: string };
  /** The CLI's temp HOME and XDG dirs and LATCHKEY_URL of the server, then `extra`. */
  env(extra?: CliEnv): CliEnv;
  /** The real CLI process with env(options.env). */
  cli(
    args: readonly string[],
    options?: { env?: CliEnv; input?: string | Buffer },
  ): Promise<CliResult>;
}

/**
 * Registers the file's hooks: before all tests, start a server (SQLite in a temp dir) with
 * `serverEnv`, make the CLI's home and sign an account up; after all, close and remove them.
 * Read the fields inside tests and hooks, not at module level: they exist from beforeAll on.
 */
export function cliTestServer(serverEnv?: Record<string, string>): CliTestServer {
  let server: TestServer | undefined;
  let home: CliHome | undefined;
  let account: CliTestServer["account"] | undefined;

  beforeAll(async () => {
    // The CLI runs in a process of its own and needs a socket.
    server = await startTestServer(serverEnv, { listen: true });
    home = cliHome();
    account = await signUpAndLogIn(server.url);
  });

  afterAll(async () => {
    await server?.close();
    home?.remove();
  });

  const setup: CliTestServer = {
    get server() {
      if (!server) throw new Error("The test server is not started yet");
      return server;
    },
    get home() {
      if (!home) throw new Error("The CLI's home is not made yet");
      return home;
    },
    get account() {
      if (!account) throw new Error("The account is not signed up yet");
      return account;
    },
    env(extra = {}) {
      return { ...setup.home.env, LATCHKEY_URL: setup.server.url, ...extra };
    },
    cli(args, options = {}) {
      return runCli(args, { env: setup.env(options.env), input: options.input });
    },
  };
  return setup;
}
