import { createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

/** Three working keys of one account, told apart by their ids. */
let keys: Record<"flag" | "env" | "file", { id: number; key: string }>;

const t = cliTestServer();

beforeAll(async () => {
  const { session } = t.account;
  keys = {
    flag: await createKey(t.server.url, session, { name: "flag" }),
    env: await createKey(t.server.url, session, { name: "env" }),
    file: await createKey(t.server.url, session, { name: "file" }),
  };
  const saved = await runCli(["set", "api-key", keys.file.key], { env: t.home.env });
  expect(saved.code).toBe(0);
});

const whoAmI = async (args: string[], env: Record<string, string>) => {
  const result = await runCli(["show", "user", "--raw", ...args], {
    env: { ...t.home.env, ...env },
  });
  expect(result.code, result.stderr).toBe(0);
  return parseJson<{ key_id: number }>(result).key_id;
};

describe("credential and URL precedence: flag > env > file", () => {
  it("uses the key file when nothing else is given", async () => {
    expect(await whoAmI([], { LATCHKEY_URL: t.server.url })).toBe(keys.file.id);
  });

  it("LATCHKEY_API_KEY wins over the key file", async () => {
    expect(await whoAmI([], { LATCHKEY_URL: t.server.url, LATCHKEY_API_KEY: keys.env.key })).toBe(
      keys.env.id,
    );
  });

  it("--api-key wins over both, before or after the command", async () => {
    const env = { LATCHKEY_URL: t.server.url, LATCHKEY_API_KEY: keys.env.key };
    expect(await whoAmI(["--api-key", keys.flag.key], env)).toBe(keys.flag.id);
    const before = await runCli(["--api-key", keys.flag.key, "--raw", "show", "user"], {
      env: { ...t.home.env, ...env },
    });
    expect(parseJson<{ key_id: number }>(before).key_id).toBe(keys.flag.id);
  });

  it("--url wins over LATCHKEY_URL", async () => {
    // LATCHKEY_URL points at a port nothing listens on; the flag at the server.
    const env = { LATCHKEY_URL: "http://127.0.0.1:9" };
    expect(await whoAmI(["--url", t.server.url], env)).toBe(keys.file.id);
    const unreachable = await runCli(["show", "user", "--retry", "0"], {
      env: { ...t.home.env, ...env },
    });
    expect(unreachable.code).toBe(5);
  });
});
