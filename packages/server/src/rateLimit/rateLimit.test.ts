import { randomUUID } from "node:crypto";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";

const REDIS = "redis://127.0.0.1:6379";

describe("rate limits", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  async function start(env: Record<string, string>) {
    const server = await startTestServer(env);
    servers.push(server);
    return server;
  }
  const login = (url: string, email: string, password: string) =>
    call(url, "POST", "/api/v0/auth/login/", { body: { email, password } });

  it("limits each caller per route with 429, Retry-After and the catalogued body", async () => {
    const server = await start({ LATCHKEY_RATE_LIMIT: "5" });
    const { session } = await signUpAndLogIn(server.url);
    const { key } = await createKey(server.url, session);
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await call(server.url, "GET", "/api/v0/users/current/", { key }));
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[0]?.headers.get("ratelimit-limit")).toBe("5");
    expect(answers[4]?.headers.get("ratelimit-remaining")).toBe("0");
    const refused = answers[5];
    expect(refused?.status).toBe(429);
    expect(refused?.body).toMatchObject({ success: false, error: "rate_limited" });
    const retryAfter = Number(refused?.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another route, and another caller, have their own allowance.
    expect((await call(server.url, "GET", "/api/v0/auth/apikeys/", { key })).status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: session })).status).toBe(
      200,
    );
  });

  it("limits nothing when both limits are 0, with one limit still at work when only it is on", async () => {
    const off = await start({ LATCHKEY_RATE_LIMIT: "0", LATCHKEY_SENSITIVE_RATE_LIMIT: "0" });
    const password = "long enough password";
    const signUps = [];
    for (let i = 0; i < 15; i++) {
      signUps.push(
        await call(off.url, "POST", "/api/v0/users/", {
          body: { email: `off${i}@example.com`, password },
        }),
      );
    }
    // Past the default sensitive limit (10 a minute), and no limit's headers at all.
    expect(signUps.map((a) => a.status)).toEqual(Array(15).fill(200));
    expect(signUps.some((a) => a.headers.get("ratelimit-limit") !== null)).toBe(false);
    // The route limit off, the sensitive one on: the hooks still run for it.
    const half = await start({ LATCHKEY_RATE_LIMIT: "0", LATCHKEY_SENSITIVE_RATE_LIMIT: "2" });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (
          await call(half.url, "POST", "/api/v0/users/", {
            body: { email: `half${i}@example.com`, password },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("is stricter on login, sign-up and key creation", async () => {
    const server = await start({ LATCHKEY_SENSITIVE_RATE_LIMIT: "3" });
    const password = "long enough password";
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const answer = await call(server.url, "POST", "/api/v0/users/", {
        body: { email: `s${i}@example.com`, password },
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const logins = [];
    for (let i = 0; i < 4; i++)
      logins.push((await login(server.url, "s0@example.com", password)).status);
    expect(logins).toEqual([200, 200, 200, 429]);
  });

  it("shares counters across nodes through Redis", async () => {
    const prefix = `latchkey-test-${randomUUID()}:`;
    const env = {
      LATCHKEY_REDIS_URL: REDIS,
      LATCHKEY_REDIS_PREFIX: prefix,
      LATCHKEY_SENSITIVE_RATE_LIMIT: "3",
    };
    const a = await start(env);
    const b = await start(env);
    const password = "long enough password";
    // Each node has its own database here; the account exists on both.
    for (const node of [a, b]) {
      await call(node.url, "POST", "/api/v0/users/", {
        body: { email: "r@example.com", password },
      });
    }
    // Three logins from this address, spread over both nodes, use up the shared allowance.
    expect((await login(a.url, "r@example.com", password)).status).toBe(200);
    expect((await login(b.url, "r@example.com", password)).status).toBe(200);
    expect((await login(a.url, "r@example.com", password)).status).toBe(200);
    expect((await login(b.url, "r@example.com", password)).status).toBe(429);
    expect((await login(a.url, "r@example.com", password)).status).toBe(429);
  });

  it("falls back to per-node counters when Redis cannot be reached, and keeps serving", async () => {
    const server = await start({
      LATCHKEY_REDIS_URL: "redis://127.0.0.1:1",
      LATCHKEY_SENSITIVE_RATE_LIMIT: "2",
    });
    const password = "long enough password";
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push(
        (
          await call(server.url, "POST", "/api/v0/users/", {
            body: { email: `f${i}@example.com`, password },
          })
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});
