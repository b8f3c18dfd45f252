import { readFileSync } from "node:fs";
import { parseKey } from "@latchkey/core";
import { call, createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exitCodes.js";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";
import { runInTerminal } from "./testing/terminal.js";

interface Key {
  id: number;
  key: string;
  previous_expires_at: string | null;
}

let session: string;
/** The key the CLI runs with (from LATCHKEY_API_KEY unless a test says otherwise). */
let admin: string;

const t = cliTestServer();

beforeAll(async () => {
  session = t.account.session;
  admin = (await createKey(t.server.url, session, { name: "admin" })).key;
});

const env = () => t.env({ LATCHKEY_API_KEY: admin });
const cli = (args: string[]) => runCli(args, { env: env() });
const statusWith = async (key: string) =>
  (await call(t.server.url, "GET", "/api/v0/users/current/", { key })).status;
const keyOnServer = async (id: number) =>
  (await call<Key>(t.server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session })).body;

describe("reset api-key --grace and end grace-window", () => {
  let id: number;
  let old: string;
  let fresh: string;

  it("--grace 1h keeps both secrets working and answers when the old one stops", async () => {
    ({ id, key: old } = await createKey(t.server.url, session, { name: "deploy" }));
    const before = Date.now();
    const result = await cli(["reset", "api-key", String(id), "--grace", "1h", "--raw"]);
    const after = Date.now();
    expect(result.code, result.stderr).toBe(0);
    const reset = parseJson<Key>(result);
    fresh = reset.key;
    expect(reset.id).toBe(id);
    expect(parseKey(fresh)).not.toBeNull();
    expect(fresh).not.toBe(old);
    const until = Date.parse(reset.previous_expires_at ?? "");
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(until).toBeLessThanOrEqual(after + 3_600_000 + 1000);
    expect(await statusWith(old)).toBe(200);
    expect(await statusWith(fresh)).toBe(200);
    expect((await keyOnServer(id)).previous_expires_at).toBe(reset.previous_expires_at);
  });

  it("the human answer says until when the old secret works and how to end it", async () => {
    const { id: other } = await createKey(t.server.url, session, { name: "human" });
    const result = await cli(["reset", "api-key", String(other), "--grace", "90m"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /the old secret keeps working until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 1 hour\)/,
    );
    expect(result.stdout).toContain(`latchkey end grace-window ${other}`);
    expect(result.stdout).toMatch(/only time the key is shown/);
  });

  it("show api-key and show api-keys show the pending old secret", async () => {
    const one = await cli(["show", "api-key", String(id)]);
    expect(one.code, one.stderr).toBe(0);
    // An hour's window read within its first minute is "in 1 hour", later "in 59 minutes": the
    // CLI now starts fast enough for either.
    expect(one.stdout).toMatch(
      /Old secret:\s+works until \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (\d+ minutes|1 hour)\)/,
    );
    expect(one.stdout).toContain(`latchkey end grace-window ${id}`);

    const list = await cli(["show", "api-keys"]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/EXPIRES\s+OLD SECRET$/);
    expect(lines.find((line) => line.startsWith(`${id} `))).toMatch(/works until .+ UTC \(in /);
    // A key without a grace window shows a dash there.
    expect(lines.find((line) => / admin /.test(line))).toMatch(/—$/);

    const raw = parseJson<{ apikeys: Key[] }>(await cli(["show", "api-keys", "--raw"])).apikeys;
    expect(raw.find((k) => k.id === id)?.previous_expires_at).not.toBeNull();
  });

  it("end grace-window refuses to run unasked on a pipe (exit 2) and leaves the old secret", async () => {
    const result = await cli(["end", "grace-window", String(id)]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("--yes");
    expect(result.stdout).toBe("");
    expect(await statusWith(old)).toBe(200);
  });

  it("end grace-window --yes: the old secret gets 401 at once, the new one still works", async () => {
    const result = await cli(["end", "grace-window", String(id), "--yes", "--raw"]);
    expect(result.code, result.stderr).toBe(0);
    const ended = parseJson<Key>(result);
    expect(ended.id).toBe(id);
    expect(ended.previous_expires_at).toBeNull();
    expect(await statusWith(old)).toBe(401);
    expect(await statusWith(fresh)).toBe(200);
    const shown = await cli(["show", "api-key", String(id)]);
    expect(shown.stdout).not.toContain("Old secret");
  });

  it("end grace-window on a key without one changes nothing and says so", async () => {
    const result = await cli(["end", "grace-window", String(id), "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("nothing to end");
    expect(await statusWith(fresh)).toBe(200);
    const missing = await cli(["end", "grace-window", "987654", "--yes"]);
    expect(missing.code).toBe(ExitCode.notFound);
  });

  it("reset api-key --grace without ID rotates the key in use; the key file's old key keeps working", async () => {
    const inUse = await createKey(t.server.url, session, { name: "in the key file" });
    expect((await runCli(["set", "api-key", inUse.key], { env: t.home.env })).code).toBe(0);
    const fileEnv = t.env();
    const result = await runCli(["reset", "api-key", "--grace", "2h"], { env: fileEnv });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Reset API key ${inUse.id}`);
    // On a pipe it does not save unasked, and says until when the saved key works.
    expect(result.stderr).toMatch(
      /still holds the old key, which works until .+ UTC \(in (1 hour|2 hours)\)/,
    );
    expect(readFileSync(t.home.keyFile, "utf8")).toBe(inUse.key);
    expect(await statusWith(inUse.key)).toBe(200);
    const newKey = /\b(lk_[0-9A-Za-z]{46})\b/.exec(result.stdout)?.[1] ?? "";
    expect(await statusWith(newKey)).toBe(200);

    // The old secret uses the key but manages no credential: it cannot reset the key again.
    const refused = await runCli(["reset", "api-key", "--grace", "10m", "--save", "--raw"], {
      env: fileEnv,
    });
    expect(refused.code).toBe(ExitCode.auth);
    expect(refused.stderr).toContain("superseded secret");
    expect(refused.stderr).toContain("latchkey set api-key <new key>");
    expect(readFileSync(t.home.keyFile, "utf8")).toBe(inUse.key);

    // With the new secret saved, the key in use rotates again.
    expect((await runCli(["set", "api-key", newKey], { env: t.home.env })).code).toBe(0);
    const saved = await runCli(["reset", "api-key", "--grace", "10m", "--save", "--raw"], {
      env: fileEnv,
    });
    expect(saved.code, saved.stderr).toBe(0);
    const rotated = parseJson<Key>(saved);
    expect(rotated.id).toBe(inUse.id);
    expect(readFileSync(t.home.keyFile, "utf8")).toBe(rotated.key);
    // The first reset's secret is now the old one, in the new window; both work.
    expect(await statusWith(newKey)).toBe(200);
    expect(await statusWith(rotated.key)).toBe(200);
    // A key has one previous secret at most: the one the key file held first is gone.
    expect(await statusWith(inUse.key)).toBe(401);
  });

  it("--grace longer than 7 days, or not a duration, is a usage error (exit 2) and resets nothing", async () => {
    const { id: target, key } = await createKey(t.server.url, session, { name: "untouched" });
    for (const [grace, message] of [
      ["8d", "longer than the longest grace window of 7 days"],
      ["604801", "longer than the longest grace window of 7 days"],
      ["2w", "longer than the longest grace window of 7 days"],
      ["soon", "'soon' is not a duration"],
      ["-5", "'-5' is not a duration"],
    ] as const) {
      const result = await cli(["reset", "api-key", String(target), `--grace=${grace}`]);
      expect(result.code, grace).toBe(ExitCode.usage);
      expect(result.stderr, grace).toContain(message);
      expect(result.stderr, grace).toContain("hint:");
      expect(result.stdout, grace).toBe("");
    }
    expect(await statusWith(key)).toBe(200);
    expect((await keyOnServer(target)).previous_expires_at).toBeNull();
    // Exactly 7 days is allowed.
    const longest = parseJson<Key>(
      await cli(["reset", "api-key", String(target), "--grace", "7d", "--raw"]),
    );
    expect(Date.parse(longest.previous_expires_at ?? "") - Date.now()).toBeGreaterThan(
      7 * 86_400_000 - 60_000,
    );
    expect(await statusWith(key)).toBe(200);
  });
});

describe("end grace-window on a terminal", () => {
  it("asks first: no keeps the old secret, yes ends it", async () => {
    const { id, key: old } = await createKey(t.server.url, session, { name: "asked" });
    const reset = parseJson<Key>(
      await cli(["reset", "api-key", String(id), "--grace", "3600", "--raw"]),
    );
    const kept = await runInTerminal(["end", "grace-window", String(id)], {
      env: env(),
      steps: [{ waitFor: /"asked".*works until .*\[y\/N\] /s, send: "n\r" }],
    });
    expect(kept.code, kept.screen).toBe(ExitCode.failure);
    expect(kept.screen).toContain("Not ended");
    expect(await statusWith(old)).toBe(200);

    const ended = await runInTerminal(["end", "grace-window", String(id)], {
      env: env(),
      steps: [{ waitFor: /\[y\/N\] /, send: "y\r" }],
    });
    expect(ended.code, ended.screen).toBe(0);
    expect(await statusWith(old)).toBe(401);
    expect(await statusWith(reset.key)).toBe(200);
  });
});
