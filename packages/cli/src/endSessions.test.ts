import { call, createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "./exitCodes.js";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

let admin: string;

const t = cliTestServer();

beforeAll(async () => {
  admin = (await createKey(t.server.url, t.account.session, { name: "admin" })).key;
});

const cli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: admin } });
const statusWith = async (key: string) =>
  (await call(t.server.url, "GET", "/api/v0/users/current/", { key })).status;

/** A fresh login session of the account: its id and key. */
async function logIn(): Promise<{ id: number; key: string }> {
  const login = await call<{ session_key: string; session_id: number }>(
    t.server.url,
    "POST",
    "/api/v0/auth/login/",
    { body: { email: t.account.email, password: t.account.password } },
  );
  expect(login.status).toBe(200);
  return { id: login.body.session_id, key: login.body.session_key };
}

describe("end session and end sessions --others", () => {
  it("end session ID signs that session out, and only it", async () => {
    const [one, two] = [await logIn(), await logIn()];
    const result = await cli(["end", "session", String(one.id)]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Ended session ${one.id}`);
    expect(await statusWith(one.key)).toBe(401);
    expect(await statusWith(two.key)).toBe(200);
    const listed = parseJson<{ sessions: { id: number }[] }>(
      await cli(["show", "sessions", "--raw"]),
    ).sessions;
    expect(listed.map((s) => s.id)).not.toContain(one.id);
    expect(listed.map((s) => s.id)).toContain(two.id);
  });

  it("an unknown session exits 4 with a hint at 'show sessions'", async () => {
    const result = await cli(["end", "session", "987654"]);
    expect(result.code).toBe(ExitCode.notFound);
    expect(result.stderr).toContain("latchkey show sessions");
  });

  it("end sessions needs --others (exit 2) and ends nothing without it", async () => {
    const result = await cli(["end", "sessions"]);
    expect(result.code).toBe(ExitCode.usage);
    expect(result.stderr).toContain("--others");
    expect(await statusWith(t.account.session)).toBe(200);
  });

  it("end sessions --others, run with an API key, ends every session; keys keep working", async () => {
    const extra = await logIn();
    const result = await cli(["end", "sessions", "--others", "--raw"]);
    expect(result.code, result.stderr).toBe(0);
    const answer = parseJson<{ ended: number }>(result);
    // signUpAndLogIn's session, the one left from the first test, and this one.
    expect(answer.ended).toBe(3);
    expect(await statusWith(t.account.session)).toBe(401);
    expect(await statusWith(extra.key)).toBe(401);
    expect(await statusWith(admin)).toBe(200);
    expect(parseJson<unknown>(await cli(["show", "sessions", "--raw"]))).toEqual({ sessions: [] });
  });

  it("run with a session, --others keeps that session", async () => {
    const [mine, other] = [await logIn(), await logIn()];
    const result = await runCli(["end", "sessions", "--others"], {
      env: t.env({ LATCHKEY_API_KEY: mine.key }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("Ended 1 session.");
    expect(await statusWith(mine.key)).toBe(200);
    expect(await statusWith(other.key)).toBe(401);
  });
});
