import { generateKey } from "@latchkey/core";
import { createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exitCodes.js";
import { runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

let full: string;
let readOnly: string;

const t = cliTestServer();

beforeAll(async () => {
  const { session } = t.account;
  full = (await createKey(t.server.url, session)).key;
  readOnly = (await createKey(t.server.url, session, { permissions: { api: { user_read: {} } } }))
    .key;
});

const run = (args: string[], env: Record<string, string> = {}) => t.cli(args, { env });

describe("exit codes, one per class of failure, each with a message and a hint on stderr", () => {
  it("0 on success", async () => {
    expect((await run(["show", "user"], { LATCHKEY_API_KEY: full })).code).toBe(ExitCode.ok);
  });

  it("2 on usage errors: unknown option or command, missing argument, bad JSON, bad id", async () => {
    for (const args of [
      ["show", "api-keys", "--bogus"],
      ["frobnicate"],
      ["show", "api-key"],
      ["create", "api-key"],
      ["create", "api-key", "--name", "x", "--permissions", "{not json"],
      ["create", "api-key", "--name", "x", "--preset", "read-only", "--permissions", "{}"],
      ["create", "api-key", "--name", "x", "--preset", "no-such-preset"],
      ["create", "api-key", "--name", "x", "--expires-at", "someday"],
      ["show", "api-key", "twelve"],
      ["show", "user", "--retry", "many"],
    ]) {
      const result = await run(args, { LATCHKEY_API_KEY: full });
      expect(result.code, args.join(" ")).toBe(ExitCode.usage);
      expect(result.stderr, args.join(" ")).toMatch(/error/);
      expect(result.stdout, args.join(" ")).toBe("");
    }
  });

  it("2 when a command word is missing, with the group's help on stderr", async () => {
    const result = await run(["show"]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("Usage: latchkey show");
    expect(result.stdout).toBe("");
  });

  it("3 on 401, naming the credential's source and last four characters", async () => {
    const unknown = generateKey();
    const last4 = unknown.slice(-4);
    const byFlag = await run(["show", "user", "--api-key", unknown]);
    expect(byFlag.code).toBe(ExitCode.auth);
    expect(byFlag.stderr).toContain("--api-key option");
    expect(byFlag.stderr).toContain(`…${last4}`);

    const byEnv = await run(["show", "user"], { LATCHKEY_API_KEY: unknown });
    expect(byEnv.code).toBe(ExitCode.auth);
    expect(byEnv.stderr).toContain("LATCHKEY_API_KEY");
    expect(byEnv.stderr).toContain(`…${last4}`);

    await run(["set", "api-key", unknown]);
    const byFile = await run(["show", "user"]);
    expect(byFile.code).toBe(ExitCode.auth);
    expect(byFile.stderr).toContain(t.home.keyFile);
    expect(byFile.stderr).toContain(`…${last4}`);
    expect(byFile.stderr).toContain("hint:");
    for (const result of [byFlag, byEnv, byFile]) expect(result.stderr).not.toContain(unknown);
  });

  it("3 when no key is found at all, saying where it looked", async () => {
    const result = await runCli(["show", "api-keys"], {
      env: {
        HOME: t.home.env.HOME,
        XDG_CONFIG_HOME: `${t.home.env.HOME}/empty`,
        LATCHKEY_URL: t.server.url,
      },
    });
    expect(result.code).toBe(ExitCode.auth);
    expect(result.stderr).toContain("No API key was found");
    expect(result.stderr).toContain("latchkey login");
  });

  it("3 on 403, with the server's message", async () => {
    const result = await run(["create", "api-key", "--name", "x"], { LATCHKEY_API_KEY: readOnly });
    expect(result.code).toBe(ExitCode.auth);
    expect(result.stderr).toMatch(/error: .+/);
    expect(result.stderr).toContain("hint:");
  });

  it("4 on 404", async () => {
    const result = await run(["delete", "api-key", "987654", "--yes"], { LATCHKEY_API_KEY: full });
    expect(result.code).toBe(ExitCode.notFound);
  });

  it("1 when the server refuses the input (400), with its message", async () => {
    const result = await run(
      ["create", "api-key", "--name", "x", "--permissions", '{"api": {"no_such_category": {}}}'],
      { LATCHKEY_API_KEY: full },
    );
    expect(result.code).toBe(ExitCode.failure);
    expect(result.stderr).toContain("no_such_category");
  });

  it("5 when the server cannot be reached", async () => {
    const result = await runCli(["show", "user", "--retry", "0"], {
      env: { ...t.home.env, LATCHKEY_URL: "http://127.0.0.1:9", LATCHKEY_API_KEY: full },
    });
    expect(result.code).toBe(ExitCode.server);
    expect(result.stderr).toContain("Could not reach the server");
  });

  it("--raw keeps stdout empty on failure; the error goes to stderr", async () => {
    const result = await run(["show", "api-key", "987654", "--raw"], { LATCHKEY_API_KEY: full });
    expect(result.code).toBe(ExitCode.notFound);
    expect(result.stdout).toBe("");
    expect(result.stderr).not.toBe("");
  });
});
