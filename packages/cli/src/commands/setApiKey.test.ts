import { chmodSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { generateKey } from "@latchkey/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliHome, cliHome, runCli } from "../testing/cliProcess.js";

let home: CliHome;
beforeEach(() => {
  home = cliHome();
});
afterEach(() => home.remove());

const mode = (path: string) => statSync(path).mode & 0o777;

describe("set api-key", () => {
  it("writes exactly the key's bytes, mode 0600, in a directory of mode 0700", async () => {
    const key = generateKey();
    const result = await runCli(["set", "api-key", key], { env: home.env });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(home.keyFile)).toEqual(Buffer.from(key, "utf8"));
    expect(mode(home.keyFile)).toBe(0o600);
    expect(mode(dirname(home.keyFile))).toBe(0o700);
    // The confirmation names the file and only the key's ends.
    expect(result.stdout).toContain(home.keyFile);
    expect(result.stdout).toContain(`…${key.slice(-4)}`);
    expect(result.stdout + result.stderr).not.toContain(key);
  });

  it("defaults to ~/.config/latchkey/api_key without XDG_CONFIG_HOME", async () => {
    const key = generateKey();
    const result = await runCli(["set", "api-key", key], { env: { HOME: home.env.HOME } });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(`${home.env.HOME}/.config/latchkey/api_key`, "utf8")).toBe(key);
  });

  it("tightens a looser existing directory and replaces the previous key", async () => {
    mkdirSync(dirname(home.keyFile), { recursive: true });
    chmodSync(dirname(home.keyFile), 0o755);
    await runCli(["set", "api-key", generateKey()], { env: home.env });
    const second = generateKey();
    const result = await runCli(["set", "api-key", second], { env: home.env });
    expect(result.code).toBe(0);
    expect(readFileSync(home.keyFile, "utf8")).toBe(second);
    expect(mode(dirname(home.keyFile))).toBe(0o700);
    expect(mode(home.keyFile)).toBe(0o600);
  });

  it("reads the key from stdin when given no KEY, so it stays out of argv", async () => {
    const key = generateKey();
    const result = await runCli(["set", "api-key"], { env: home.env, input: `${key}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(home.keyFile, "utf8")).toBe(key);
  });

  it("warns when LATCHKEY_API_KEY is set, since it overrides the file", async () => {
    const result = await runCli(["set", "api-key", generateKey()], {
      env: { ...home.env, LATCHKEY_API_KEY: generateKey() },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: LATCHKEY_API_KEY is set and takes precedence/);
    const quiet = await runCli(["set", "api-key", generateKey()], { env: home.env });
    expect(quiet.stderr).toBe("");
  });

  it("refuses a key whose checksum is wrong (exit 2) and writes nothing", async () => {
    const key = generateKey();
    const broken = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
    const result = await runCli(["set", "api-key", broken], { env: home.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("checksum");
    expect(() => statSync(home.keyFile)).toThrow();
  });
});
