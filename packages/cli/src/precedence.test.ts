import {
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliHome, cliHome, parseJson, runCli } from "./testing/cliProcess.js";

let server: TestServer;
let home: CliHome;
/** Three working keys of one account, told apart by their ids. */
let keys: Record<"flag" | "env" | "file", { id: number; key: string }>;

beforeAll(async () => {
  server = await startTestServer();
  home = cliHome();
  const { session } = await signUpAndLogIn(server.url);
  keys = {
    flag: await createKey(server.url, session, { name: "flag" }),
    env: await createKey(server.url, session, { name: "env" }),
    file: await createKey(server.url, session, { name: "file" }),
  };
  const saved = await runCli(["set", "api-key", keys.file.key], { env: home.env });
  expect(saved.code).toBe(0);
});

afterAll(async () => {
  await server?.close();
  home?.remove();
});

const whoAmI = async (args: string[], env: Record<string, string>) => {
  const result = await runCli(["show", "user", "--raw", ...args], { env: { ...home.env, ...env } });
  expect(result.code, result.stderr).toBe(0);
  return parseJson<{ key_id: number }>(result).key_id;
};

describe("credential and URL precedence: flag > env > file", () => {
  it("uses the key file when nothing else is given", async () => {
    expect(await whoAmI([], { LATCHKEY_URL: server.url })).toBe(keys.file.id);
  });

  it("LATCHKEY_API_KEY wins over the key file", async () => {
    expect(await whoAmI([], { LATCHKEY_URL: server.url, LATCHKEY_API_KEY: keys.env.key })).toBe(
      keys.env.id,
    );
  });

  it("--api-key wins over both, before or after the command", async () => {
    const env = { LATCHKEY_URL: server.url, LATCHKEY_API_KEY: keys.env.key };
    expect(await whoAmI(["--api-key", keys.flag.key], env)).toBe(keys.flag.id);
    const before = await runCli(["--api-key", keys.flag.key, "--raw", "show", "user"], {
      env: { ...home.env, ...env },
    });
    expect(parseJson<{ key_id: number }>(before).key_id).toBe(keys.flag.id);
  });

  it("--url wins over LATCHKEY_URL", async () => {
    // LATCHKEY_URL points at a port nothing listens on; the flag at the server.
    const env = { LATCHKEY_URL: "http://127.0.0.1:9" };
    expect(await whoAmI(["--url", server.url], env)).toBe(keys.file.id);
    const unreachable = await runCli(["show", "user", "--retry", "0"], {
      env: { ...home.env, ...env },
    });
    expect(unreachable.code).toBe(5);
  });
});
