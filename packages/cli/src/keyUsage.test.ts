import { call, createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exitCodes.js";
import { parseJson } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

interface Usage {
  key_id: number;
  from: string;
  to: string;
  totals: { verified: number; denied: number };
  hours: { hour: string; verified: number; denied: number }[];
}

let session: string;
let admin: string;
/** A read-only key that made 4 allowed and 2 refused requests. */
let watched: { id: number; key: string };

const t = cliTestServer();

beforeAll(async () => {
  session = t.account.session;
  admin = (await createKey(t.server.url, session, { name: "admin" })).key;
  watched = await createKey(t.server.url, session, {
    name: "dashboard",
    permissions: { api: { user_read: {} } },
  });
  for (let i = 0; i < 4; i++) {
    const ok = await call(t.server.url, "GET", "/api/v0/users/current/", { key: watched.key });
    expect(ok.status).toBe(200);
  }
  for (let i = 0; i < 2; i++) {
    const denied = await call(t.server.url, "POST", "/api/v0/auth/apikeys/", {
      key: watched.key,
      body: { name: "escalate" },
    });
    expect(denied.status).toBe(403);
  }
});

const cli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: admin } });

describe("show usage", () => {
  it("--raw is the server's answer: the counts match the requests made and the API", async () => {
    const result = await cli(["show", "usage", String(watched.id), "--raw"]);
    expect(result.code, result.stderr).toBe(0);
    const usage = parseJson<Usage>(result);
    expect(usage.key_id).toBe(watched.id);
    expect(usage.totals).toEqual({ verified: 4, denied: 2 });
    const sum = usage.hours.reduce(
      (n, h) => ({ verified: n.verified + h.verified, denied: n.denied + h.denied }),
      { verified: 0, denied: 0 },
    );
    expect(sum).toEqual(usage.totals);
    // The same as the API answers (asked with the session, so the watched key's counts stay).
    const api = await call<Usage>(
      t.server.url,
      "GET",
      `/api/v0/auth/apikeys/${watched.id}/usage/`,
      {
        key: session,
      },
    );
    expect(api.body.totals).toEqual(usage.totals);
    expect(api.body.hours).toEqual(usage.hours);
  });

  it("for people: totals, a sparkline per outcome and a table of the busy days", async () => {
    const result = await cli(["show", "usage", String(watched.id)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`API key ${watched.id}, the last 7 days`);
    expect(result.stdout).toContain("4 verified, 2 denied (33%)");
    // A week is charted per day: 7 or 8 marks (the window starts mid-day), newest right; the
    // requests fell on the last day (or the last two, had the test run across midnight UTC).
    for (const [label, most] of [
      ["verified", 4],
      ["denied", 2],
    ] as const) {
      const line = new RegExp(`^ {2}${label} +([·▁▂▃▄▅▆▇█]{7,8}) {2}max (\\d)/day$`, "m");
      const [, marks = "", max = ""] = line.exec(result.stdout) ?? [];
      expect(marks, result.stdout).not.toBe("");
      expect(marks.endsWith("·")).toBe(false);
      expect(marks.slice(0, -2)).toMatch(/^·+$/);
      expect(Number(max)).toBeGreaterThan(most / 2 - 1);
      expect(Number(max)).toBeLessThanOrEqual(most);
    }
    const rows = result.stdout.split("\n");
    const header = rows.findIndex((line) => /^DAY \(UTC\)\s+VERIFIED\s+DENIED$/.test(line));
    expect(header).toBeGreaterThan(0);
    // One day had requests (two when the test ran across midnight UTC).
    const days = rows.slice(header + 1).filter((line) => line !== "");
    const counted = days.map((line) => line.trim().split(/\s+/).slice(1).map(Number));
    expect(counted.reduce((n, [v = 0]) => n + v, 0)).toBe(4);
    expect(counted.reduce((n, [, d = 0]) => n + d, 0)).toBe(2);
    expect(days[0]).toMatch(/^\d{4}-\d\d-\d\d\s+\d+\s+\d+$/);
  });

  it("--hours 24 charts per hour; the table lists hours", async () => {
    const result = await cli(["show", "usage", String(watched.id), "--hours", "24"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("the last 24 hours");
    expect(result.stdout).toMatch(/^ {2}verified {2}[·▁▂▃▄▅▆▇█]{24} {2}max \d\/hour$/m);
    expect(result.stdout).toMatch(/^HOUR \(UTC\)\s+VERIFIED\s+DENIED$/m);
    expect(result.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:00\s+\d+\s+\d+$/m);
  });

  it("a key without requests says so", async () => {
    const idle = await createKey(t.server.url, session, { name: "idle" });
    const result = await cli(["show", "usage", String(idle.id)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("0 verified, 0 denied");
    expect(result.stdout).toContain("No requests with this key in that time.");
  });

  it("bad --hours or ID is a usage error (exit 2); a missing key exits 4", async () => {
    for (const args of [
      ["show", "usage", String(watched.id), "--hours", "0"],
      ["show", "usage", String(watched.id), "--hours", "2161"],
      ["show", "usage", String(watched.id), "--hours", "a day"],
      ["show", "usage", "twelve"],
      ["show", "usage"],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(ExitCode.usage);
      expect(result.stdout, args.join(" ")).toBe("");
    }
    const hours = await cli(["show", "usage", String(watched.id), "--hours", "0"]);
    expect(hours.stderr).toContain("--hours must be a whole number from 1 to 2160");
    expect((await cli(["show", "usage", "987654"])).code).toBe(ExitCode.notFound);
  });
});
