import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("usage per key", () => {
  let server: TestServer;
  let session: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  it("counts verified and denied requests per hour, before and after the batched write", async () => {
    const { key, id } = await createKey(server.url, session, {
      permissions: { api: { user_read: {} } },
    });
    for (let i = 0; i < 3; i++) await call(server.url, "GET", "/api/v0/users/current/", { key });
    for (let i = 0; i < 2; i++) await call(server.url, "GET", "/api/v0/audit_logs/", { key });
    const read = async () =>
      (
        await call<{
          totals: { verified: number; denied: number };
          hours: { hour: string; verified: number }[];
        }>(server.url, "GET", `/api/v0/auth/apikeys/${id}/usage/`, { key: session })
      ).body;
    const before = await read();
    expect(before.totals).toEqual({ verified: 3, denied: 2 });
    expect(before.hours).toHaveLength(1);
    expect(before.hours[0]?.hour).toMatch(/T\d\d:00:00\.000Z$/);

    await server.deps.usage.flush();
    const stored = await server.deps.store.listUsage(
      id,
      "2000-01-01T00:00:00.000Z",
      "2999-01-01T00:00:00.000Z",
    );
    expect(stored.map((r) => [r.verified, r.denied])).toEqual([[3, 2]]);
    await call(server.url, "GET", "/api/v0/users/current/", { key });
    expect((await read()).totals).toEqual({ verified: 4, denied: 2 });
    await server.deps.usage.flush();
    expect((await read()).totals).toEqual({ verified: 4, denied: 2 });
  });

  it("is 404 for another account's key and refuses a bad window", async () => {
    const other = await signUpAndLogIn(server.url);
    const theirs = await createKey(server.url, other.session);
    expect(
      (await call(server.url, "GET", `/api/v0/auth/apikeys/${theirs.id}/usage/`, { key: session }))
        .status,
    ).toBe(404);
    const mine = await createKey(server.url, session);
    expect(
      (
        await call(server.url, "GET", `/api/v0/auth/apikeys/${mine.id}/usage/?hours=0`, {
          key: session,
        })
      ).status,
    ).toBe(400);
  });
});

describe("usage through the verify API", () => {
  it("counts VALID verdicts as verified and FORBIDDEN ones as denied", async () => {
    const server = await startTestServer();
    try {
      const { session } = await signUpAndLogIn(server.url);
      const { key, id } = await createKey(server.url, session, {
        permissions: { api: { instance_read: {} } },
      });
      const verify = (category: string) =>
        call(server.url, "POST", "/api/v0/auth/verify/", { body: { key, category } });
      expect((await verify("instance_read")).body.code).toBe("VALID");
      expect((await verify("instance_read")).body.code).toBe("VALID");
      expect((await verify("billing_write")).body.code).toBe("FORBIDDEN");
      const usage = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/usage/`, {
        key: session,
      });
      expect(usage.body.totals).toEqual({ verified: 2, denied: 1 });
    } finally {
      await server.close();
    }
  });
});
