import {
  type ApiAnswer,
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config.js";

/**
 * Limits per account (issue 14, finding 6): creations per minute shared by every key and login
 * of the account, and caps on its live keys and sessions. Concurrency under the caps, on
 * SQLite and on PostgreSQL nodes, is in cluster/accountCaps.test.ts.
 */

/** A success or an error body, as the answer may be either. */
type Created = { id: number; key: string; error?: string; msg?: string };
type LoggedIn = { session_key: string; session_id: number; error?: string; msg?: string };
const create = (url: string, key: string, name = "k") =>
  call<Created>(url, "POST", "/api/v0/auth/apikeys/", { key, body: { name } });
const login = (url: string, email: string, password: string) =>
  call<LoggedIn>(url, "POST", "/api/v0/auth/login/", {
    body: { email, password },
  });
const statuses = (answers: ApiAnswer[]) => answers.map((a) => a.status);
const count = (answers: ApiAnswer[], status: number) =>
  answers.filter((a) => a.status === status).length;

describe("limits per account", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  async function start(env: Record<string, string>, options: { now?: () => Date } = {}) {
    const server = await startTestServer({ LATCHKEY_LOG_LEVEL: "warn", ...env }, options);
    servers.push(server);
    return server;
  }

  it("stops one login whose keys each create more keys: the budget is the account's", async () => {
    // The finding: with only the per-caller limit (10 a minute), one login made 110 keys in a
    // fraction of a second, 10 by its session and 10 by each of those, each new key bringing a
    // budget of its own.
    const server = await start({
      LATCHKEY_SENSITIVE_RATE_LIMIT: "10",
      LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "20",
    });
    const { session } = await signUpAndLogIn(server.url);
    const first = await Promise.all(Array.from({ length: 10 }, () => create(server.url, session)));
    const children = first.filter((a) => a.status === 200).map((a) => a.body.key);
    const second = await Promise.all(
      children.flatMap((key) => Array.from({ length: 10 }, () => create(server.url, key))),
    );
    const all = [...first, ...second];
    // The login spent one of the 20; keys get the other 19, whichever key asks.
    expect(count(all, 200)).toBe(19);
    expect(count(all, 429)).toBe(all.length - 19);
    const refused = all.find((a) => a.status === 429);
    expect(refused?.body).toMatchObject({ success: false, error: "rate_limited" });
    expect(String(refused?.body.msg)).toContain("20 API keys and sessions a minute");
    expect(String(refused?.body.msg)).toContain("this account");
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const listed = await call<{ apikeys: unknown[] }>(server.url, "GET", "/api/v0/auth/apikeys/", {
      key: session,
    });
    expect(listed.body.apikeys).toHaveLength(19);
  });

  it("counts logins against the same budget, and leaves other accounts alone", async () => {
    const server = await start({ LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "4" });
    const { email, password, session } = await signUpAndLogIn(server.url);
    // Wrong passwords spend nothing: an outsider cannot use up the owner's budget.
    for (let i = 0; i < 5; i++) {
      expect((await login(server.url, email, "wrong password!")).status).toBe(401);
    }
    // One session made; two more logins and one key use the rest of the minute's four.
    expect((await login(server.url, email, password)).status).toBe(200);
    expect((await login(server.url, email, password)).status).toBe(200);
    expect((await create(server.url, session)).status).toBe(200);
    const key = await create(server.url, session);
    expect(key.status).toBe(429);
    expect(key.body.error).toBe("rate_limited");
    const refusedLogin = await login(server.url, email, password);
    expect(refusedLogin.status).toBe(429);
    expect(String(refusedLogin.body.msg)).toContain("API keys and sessions a minute");
    expect(refusedLogin.body).not.toHaveProperty("session_key");
    const sessions = await call<{ sessions: unknown[] }>(
      server.url,
      "GET",
      "/api/v0/auth/sessions/",
      { key: session },
    );
    expect(sessions.body.sessions).toHaveLength(3);
    const other = await signUpAndLogIn(server.url);
    expect((await create(server.url, other.session)).status).toBe(200);
  });

  it("gives the budget back after a minute", async () => {
    let now = Date.UTC(2030, 0, 1);
    const server = await start(
      { LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "2" },
      { now: () => new Date(now) },
    );
    const { session } = await signUpAndLogIn(server.url);
    expect((await create(server.url, session)).status).toBe(200);
    expect((await create(server.url, session)).status).toBe(429);
    now += 61_000;
    expect((await create(server.url, session)).status).toBe(200);
  });

  it("caps the account's live API keys with a 409 naming the cap", async () => {
    let now = Date.UTC(2030, 0, 1);
    const server = await start({ LATCHKEY_ACCOUNT_MAX_KEYS: "3" }, { now: () => new Date(now) });
    const { session } = await signUpAndLogIn(server.url);
    const soon = new Date(now + 3_600_000).toISOString();
    const expiring = await createKey(server.url, session, { expires_at: soon });
    const kept = await createKey(server.url, session);
    const third = await createKey(server.url, session);
    const refused = await create(server.url, kept.key);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      success: false,
      error: "api_key_limit_reached",
      limit: 3,
    });
    expect(String(refused.body.msg)).toContain("already has 3 live API keys");
    expect(String(refused.body.msg)).toContain("LATCHKEY_ACCOUNT_MAX_KEYS");
    // Nothing of the refused create was written: no fourth key, no audit row.
    const audit = await call<{ audit_logs: unknown[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?action=api_key.create",
      { key: session },
    );
    expect(audit.body.audit_logs).toHaveLength(3);
    // A deleted key makes room; so does an expired one.
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${third.id}/`, { key: session });
    expect((await create(server.url, session)).status).toBe(200);
    expect((await create(server.url, session)).status).toBe(409);
    now += 2 * 3_600_000;
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: expiring.key })).status,
    ).toBe(401);
    expect((await create(server.url, session)).status).toBe(200);
    expect((await create(server.url, session)).status).toBe(409);
    // Sessions are capped on their own: the keys' cap does not stop a login.
    expect((await signUpAndLogIn(server.url)).session).toBeTruthy();
  });

  it("caps the account's live sessions: a login beyond it gets a 409 naming the cap", async () => {
    const server = await start({ LATCHKEY_ACCOUNT_MAX_SESSIONS: "2" });
    const { email, password, session } = await signUpAndLogIn(server.url);
    const second = await login(server.url, email, password);
    expect(second.status).toBe(200);
    const refused = await login(server.url, email, password);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      success: false,
      error: "session_limit_reached",
      limit: 2,
    });
    expect(String(refused.body.msg)).toContain("already has 2 live sessions");
    expect(String(refused.body.msg)).toContain("LATCHKEY_ACCOUNT_MAX_SESSIONS");
    expect(refused.body).not.toHaveProperty("session_key");
    // API keys are not sessions: creating one is still allowed.
    const { key } = await createKey(server.url, session);
    // Any key of the account may end a session, which makes room for a login.
    const ended = await call(
      server.url,
      "DELETE",
      `/api/v0/auth/sessions/${second.body.session_id}/`,
      { key },
    );
    expect(ended.status).toBe(200);
    expect((await login(server.url, email, password)).status).toBe(200);
    expect(statuses([await login(server.url, email, password)])).toEqual([409]);
  });

  it("has defaults: 20 creations a minute, 1000 keys and 100 sessions per account", () => {
    const defaults = parseConfig({});
    expect(defaults.accountKeyRateLimit).toBe(20);
    expect(defaults.accountMaxKeys).toBe(1000);
    expect(defaults.accountMaxSessions).toBe(100);
    expect(() => parseConfig({ LATCHKEY_ACCOUNT_MAX_KEYS: "-1" })).toThrow(
      "LATCHKEY_ACCOUNT_MAX_KEYS",
    );
  });
});
