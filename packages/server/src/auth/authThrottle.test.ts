import { randomUUID } from "node:crypto";
import { generateKey } from "@latchkey/core";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cacheKeyOf } from "./keyCache.js";

/**
 * The failed-authentication throttle judges credentials, not addresses: one client behind a
 * NAT presenting its deleted key must not lock out its neighbours' valid keys and sessions,
 * while guessing from that address is still refused without database reads. Run with both
 * limiters; X-Forwarded-For (from a trusted proxy, 127.0.0.1) stands for different addresses.
 */
const limiters = {
  memory: () => ({}),
  redis: () => ({
    LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379",
    LATCHKEY_REDIS_PREFIX: `latchkey-test-${randomUUID()}:`,
  }),
};

describe.each(Object.entries(limiters))("failed-authentication throttle (%s limiter)", (_, env) => {
  let server: TestServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
  });

  async function start(settings: Record<string, string>) {
    server = await startTestServer({ LATCHKEY_TRUST_PROXY: "127.0.0.1", ...env(), ...settings });
    return server;
  }

  /** GET /users/current/ with `key`, as seen from `ip`. */
  const from = (url: string, ip: string, key: string) =>
    call(url, "GET", "/api/v0/users/current/", { key, headers: { "x-forwarded-for": ip } });
  const login = (url: string, ip: string, email: string, password: string) =>
    call(url, "POST", "/api/v0/auth/login/", {
      body: { email, password },
      headers: { "x-forwarded-for": ip },
    });

  it("lets valid keys and sessions through from an address a deleted key throttled, and refuses guesses there without a look-up", async () => {
    const { url, deps } = await start({
      LATCHKEY_FAILED_AUTH_LIMIT: "5",
      LATCHKEY_THROTTLED_LOOKUP_LIMIT: "3",
    });
    // Real reads of the real store, counted on their way through.
    const keyReads = vi.spyOn(deps.store, "findKeyByHash");
    const { session, email, password } = await signUpAndLogIn(url);
    const live = await createKey(url, session);
    const spare = await createKey(url, session);
    const stale = await createKey(url, session);
    expect(
      (await call(url, "DELETE", `/api/v0/auth/apikeys/${stale.id}/`, { key: session })).status,
    ).toBe(200);
    const nat = "198.51.100.10";
    expect((await from(url, nat, live.key)).status).toBe(200);

    // The stale CI job: five 401s, then the address is throttled for it.
    for (let i = 0; i < 5; i++) {
      const answer = await from(url, nat, stale.key);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("invalid_api_key");
    }
    let reads = keyReads.mock.calls.length;
    for (let i = 0; i < 10; i++) {
      const answer = await from(url, nat, stale.key);
      expect(answer.status).toBe(429);
      expect(answer.body.error).toBe("rate_limited");
      expect(String(answer.body.msg)).toContain("failed authentications");
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    expect(keyReads.mock.calls.length).toBe(reads);

    // Its neighbours' verified key and session still work, and cost no read.
    expect((await from(url, nat, live.key)).status).toBe(200);
    expect((await from(url, nat, session)).status).toBe(200);
    expect(keyReads.mock.calls.length).toBe(reads);
    // A valid key this node has not cached yet is looked up once, gets in, and is cached.
    expect(deps.cache.get(cacheKeyOf(spare.key))).toBeUndefined();
    expect((await from(url, nat, spare.key)).status).toBe(200);
    expect(keyReads.mock.calls.length).toBe(reads + 1);
    expect((await from(url, nat, spare.key)).status).toBe(200);
    expect(keyReads.mock.calls.length).toBe(reads + 1);

    // Guesses: fresh unknown keys get 429. The allowance of three look-ups is intact (the
    // spare key's look-up was taken back); after it, no guess reaches the database.
    reads = keyReads.mock.calls.length;
    for (let i = 0; i < 3; i++) expect((await from(url, nat, generateKey("lk"))).status).toBe(429);
    expect(keyReads.mock.calls.length).toBe(reads + 3);
    for (let i = 0; i < 10; i++) expect((await from(url, nat, generateKey("lk"))).status).toBe(429);
    expect((await from(url, nat, "lk_not-even-a-key")).status).toBe(429);
    expect(keyReads.mock.calls.length).toBe(reads + 3);

    // The valid credentials are still accepted after all that, and a password login too: a
    // dead key does not count against the address's logins.
    expect((await from(url, nat, live.key)).status).toBe(200);
    expect((await from(url, nat, spare.key)).status).toBe(200);
    expect((await from(url, nat, session)).status).toBe(200);
    expect((await login(url, nat, email, password)).status).toBe(200);
    // The throttle is per address: elsewhere the stale key still gets its plain 401.
    expect((await from(url, "198.51.100.11", stale.key)).status).toBe(401);
  });

  it("refuses password guesses from an address after the limit, without reading the account", async () => {
    const { url, deps } = await start({ LATCHKEY_FAILED_AUTH_LIMIT: "3" });
    const { session, email, password } = await signUpAndLogIn(url);
    const userReads = vi.spyOn(deps.store, "findUserByEmail");
    const guesser = "203.0.113.50";
    for (let i = 0; i < 3; i++) {
      expect((await login(url, guesser, email, `wrong password ${i}`)).status).toBe(401);
    }
    const reads = userReads.mock.calls.length;
    for (const attempt of ["wrong password 9", password]) {
      const refused = await login(url, guesser, email, attempt);
      expect(refused.status).toBe(429);
      expect(String(refused.body.msg)).toContain("failed logins from this address");
    }
    expect(userReads.mock.calls.length).toBe(reads);
    // The account's session keeps working from there; its owner logs in from elsewhere.
    expect((await from(url, guesser, session)).status).toBe(200);
    expect((await login(url, "203.0.113.51", email, password)).status).toBe(200);
  });

  it("holds a per-account limit on failed logins across addresses, also for concurrent guesses", async () => {
    const { url, deps } = await start({
      LATCHKEY_FAILED_AUTH_LIMIT: "20",
      LATCHKEY_LOGIN_FAILURE_LIMIT: "3",
    });
    const victim = await signUpAndLogIn(url);
    const other = await signUpAndLogIn(url);
    const userReads = vi.spyOn(deps.store, "findUserByEmail");
    // One guess from each of three addresses uses the account's allowance up.
    for (let i = 0; i < 3; i++) {
      expect((await login(url, `192.0.2.${i + 1}`, victim.email, "not the password")).status).toBe(
        401,
      );
    }
    const reads = userReads.mock.calls.length;
    // From fresh addresses, guesses and even the right password wait; nothing is read.
    for (const [ip, attempt] of [
      ["192.0.2.20", "still not it"],
      ["192.0.2.21", victim.password],
    ] as const) {
      const refused = await login(url, ip, ` ${victim.email.toUpperCase()} `, attempt);
      expect(refused.status).toBe(429);
      expect(String(refused.body.msg)).toContain("for this account");
    }
    expect(userReads.mock.calls.length).toBe(reads);
    // The account's session still works; another account logs in from the same addresses.
    expect((await from(url, "192.0.2.20", victim.session)).status).toBe(200);
    expect((await login(url, "192.0.2.1", other.email, other.password)).status).toBe(200);
    // Successful logins use none of the allowance.
    for (let i = 0; i < 4; i++) {
      expect((await login(url, "192.0.2.2", other.email, other.password)).status).toBe(200);
    }

    // An address that is no account is limited the same way (the answer tells nothing), and
    // twelve concurrent guesses from twelve addresses get exactly three looks at the password.
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        login(url, `198.18.0.${i + 1}`, "nobody@example.com", `guess ${i}`).then((a) => a.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });
});
