import { readFileSync } from "node:fs";
import { parseKey } from "@latchkey/core";
import { call, createKey } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";
import { runInTerminal } from "./testing/terminal.js";

const t = cliTestServer();

const env = () => t.env();
const statusWith = async (key: string) =>
  (await call(t.server.url, "GET", "/api/v0/users/current/", { key })).status;

describe("on a terminal", () => {
  it("login asks for email and password, and never echoes the password", async () => {
    const { code, screen } = await runInTerminal(["login"], {
      env: env(),
      steps: [
        { waitFor: /Email: /, send: `${t.account.email}\r` },
        { waitFor: /Password: /, send: `${t.account.password}\r` },
      ],
    });
    expect(code, screen).toBe(0);
    expect(screen).toContain(t.account.email);
    expect(screen).not.toContain(t.account.password);
    expect(parseKey(readFileSync(t.home.keyFile, "utf8"))).not.toBeNull();
  });

  it("delete api-key asks first: no keeps the key, yes deletes it", async () => {
    const { id, key } = await createKey(t.server.url, t.account.session, { name: "doomed" });
    const kept = await runInTerminal(["delete", "api-key", String(id)], {
      env: env(),
      steps: [{ waitFor: /"doomed".*\[y\/N\] /, send: "n\r" }],
    });
    expect(kept.code, kept.screen).toBe(1);
    expect(kept.screen).toContain("Not deleted.");
    expect(await statusWith(key)).toBe(200);

    const gone = await runInTerminal(["delete", "api-key", String(id)], {
      env: env(),
      steps: [{ waitFor: /\[y\/N\] /, send: "y\r" }],
    });
    expect(gone.code, gone.screen).toBe(0);
    expect(await statusWith(key)).toBe(401);
  });

  it("reset api-key of the key file's key offers to save the new key there", async () => {
    const old = readFileSync(t.home.keyFile, "utf8");
    const { code, screen } = await runInTerminal(["reset", "api-key"], {
      env: env(),
      steps: [{ waitFor: /Save the new one there\? \[Y\/n\] /, send: "\r" }],
    });
    expect(code, screen).toBe(0);
    const now = readFileSync(t.home.keyFile, "utf8");
    expect(now).not.toBe(old);
    expect(await statusWith(old)).toBe(401);
    expect(await statusWith(now)).toBe(200);
  });

  it("tables are coloured on a terminal, but not with NO_COLOR or --no-color", async () => {
    const bold = "\u001b[1m";
    const coloured = await runInTerminal(["show", "api-keys"], { env: env() });
    expect(coloured.code, coloured.screen).toBe(0);
    expect(coloured.screen).toContain(`${bold}ID`);
    const noColor = await runInTerminal(["show", "api-keys"], { env: { ...env(), NO_COLOR: "1" } });
    expect(noColor.screen).not.toContain("\u001b[");
    const flag = await runInTerminal(["show", "api-keys", "--no-color"], { env: env() });
    expect(flag.screen).not.toContain("\u001b[");
    // And never through a pipe.
    const piped = await runCli(["show", "api-keys"], { env: env() });
    expect(piped.stdout).not.toContain("\u001b[");
  });
});
