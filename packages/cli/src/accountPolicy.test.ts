import { call, createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exitCodes.js";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

interface Policy {
  max_key_lifetime_days: number | null;
  expiry_reminder_days: number | null;
  revoke_unused_after_days: number | null;
}

const DAY = 86_400_000;

let session: string;
let admin: string;

const t = cliTestServer();

beforeAll(async () => {
  session = t.account.session;
  admin = (await createKey(t.server.url, session, { name: "admin" })).key;
});

const cli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: admin } });
const policyOnServer = async () =>
  (await call<Policy>(t.server.url, "GET", "/api/v0/users/current/policy/", { key: session })).body;

describe("show policy and set policy", () => {
  it("every rule is off to begin with", async () => {
    const human = await cli(["show", "policy"]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Maximum key lifetime:\s+off/m);
    expect(human.stdout).toMatch(/^Expiry reminder:\s+off$/m);
    expect(human.stdout).toMatch(/^Revoke unused keys:\s+off$/m);
    expect(parseJson<Policy>(await cli(["show", "policy", "--raw"]))).toEqual({
      max_key_lifetime_days: null,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
  });

  it("set policy changes the rules given and answers the whole policy", async () => {
    const result = await cli([
      "set",
      "policy",
      "--max-lifetime",
      "30",
      "--expiry-reminder",
      "7d",
      "--raw",
    ]);
    expect(result.code, result.stderr).toBe(0);
    const expected = {
      max_key_lifetime_days: 30,
      expiry_reminder_days: 7,
      revoke_unused_after_days: null,
    };
    expect(parseJson<Policy>(result)).toEqual(expected);
    expect(await policyOnServer()).toEqual(expected);
    const human = await cli(["show", "policy"]);
    expect(human.stdout).toMatch(/^Maximum key lifetime:\s+30 days \(new keys expire within it/m);
    expect(human.stdout).toMatch(/^Expiry reminder:\s+7 days before a key expires/m);
  });

  it("a key created without an expiry gets one within the maximum lifetime", async () => {
    const before = Date.now();
    const created = parseJson<{ expires_at: string | null }>(
      await cli(["create", "api-key", "--name", "bounded", "--raw"]),
    );
    const after = Date.now();
    const expires = Date.parse(created.expires_at ?? "");
    expect(expires).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
    expect(expires).toBeLessThanOrEqual(after + 30 * DAY + 1000);
    // The human answer says so too (30 days read as a month).
    const human = await cli(["create", "api-key", "--name", "bounded too"]);
    expect(human.stdout).toMatch(/expiring \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in (29 days|1 month)\)/);
  });

  it("an expiry beyond the maximum lifetime is refused by the server (exit 1, its message)", async () => {
    const result = await cli(["create", "api-key", "--name", "too long", "--expires-at", "60d"]);
    expect(result.code).toBe(ExitCode.failure);
    expect(result.stderr).toContain("maximum key lifetime of 30 days");
    expect(result.stdout).toBe("");
  });

  it("'off' turns one rule off and leaves the others", async () => {
    const result = await cli(["set", "policy", "--max-lifetime", "off", "--revoke-unused", "180"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Maximum key lifetime:\s+off/m);
    expect(result.stdout).toMatch(/^Revoke unused keys:\s+after 180 days without a request/m);
    expect(await policyOnServer()).toEqual({
      max_key_lifetime_days: null,
      expiry_reminder_days: 7,
      revoke_unused_after_days: 180,
    });
    const created = parseJson<{ expires_at: string | null }>(
      await cli(["create", "api-key", "--name", "unbounded", "--raw"]),
    );
    expect(created.expires_at).toBeNull();
  });

  it("bad values are usage errors (exit 2) that change nothing", async () => {
    const before = await policyOnServer();
    for (const [args, message] of [
      [["--max-lifetime", "0"], "--max-lifetime must be a whole number of days from 1 to 3650"],
      [["--max-lifetime", "3651"], "from 1 to 3650"],
      [
        ["--expiry-reminder", "366"],
        "--expiry-reminder must be a whole number of days from 1 to 365",
      ],
      [["--revoke-unused", "never"], "or 'off'; got 'never'"],
      [["--revoke-unused", "1.5"], "--revoke-unused must be"],
      [[], "nothing to set"],
    ] as const) {
      const result = await cli(["set", "policy", ...args]);
      expect(result.code, args.join(" ")).toBe(ExitCode.usage);
      expect(result.stderr, args.join(" ")).toContain(message);
      expect(result.stdout, args.join(" ")).toBe("");
    }
    expect(await policyOnServer()).toEqual(before);
  });

  it("a key without user_write cannot change the policy (exit 3)", async () => {
    const reader = await createKey(t.server.url, session, {
      name: "reader",
      permissions: { api: { user_read: {} } },
    });
    const result = await runCli(["set", "policy", "--max-lifetime", "1"], {
      env: t.env({ LATCHKEY_API_KEY: reader.key }),
    });
    expect(result.code).toBe(ExitCode.auth);
    expect((await policyOnServer()).max_key_lifetime_days).toBeNull();
  });
});
