import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("reset with a grace window", () => {
  let server: TestServer;
  let session: string;
  let clock = Date.now();
  beforeAll(async () => {
    server = await startTestServer({}, { now: () => new Date(clock) });
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  const me = (key: string) => call(server.url, "GET", "/api/v0/users/current/", { key });

  it("keeps the old secret working for grace_seconds, with the same id, name and permissions", async () => {
    const readOnly = { api: { user_read: {} } };
    const { key: old, id } = await createKey(server.url, session, {
      name: "deploy",
      permissions: readOnly,
    });
    expect((await me(old)).status).toBe(200);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 3600 },
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ id, name: "deploy", permissions: readOnly });
    const fresh = String(reset.body.key);
    expect(reset.body.previous_expires_at).toBe(new Date(clock + 3600_000).toISOString());

    // Both work during the window, as the same key.
    expect((await me(old)).body).toMatchObject({ key_id: id });
    expect((await me(fresh)).body).toMatchObject({ key_id: id });
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect(shown.body.previous_expires_at).toBe(reset.body.previous_expires_at);

    // After the window the old secret is refused; the new one goes on.
    clock += 3601_000;
    expect((await me(old)).status).toBe(401);
    expect((await me(fresh)).status).toBe(200);
    const after = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect(after.body.previous_expires_at).toBeNull();
  });

  it("can be ended early: the old secret is refused from that answer on", async () => {
    const { key: old, id } = await createKey(server.url, session);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 600 },
    });
    expect((await me(old)).status).toBe(200);
    const ended = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/previous/`, {
      key: session,
    });
    expect(ended.status).toBe(200);
    expect(ended.body.previous_expires_at).toBeNull();
    expect((await me(old)).status).toBe(401);
    expect((await me(String(reset.body.key))).status).toBe(200);
  });

  it("without grace_seconds, or with 0, the old secret dies at once", async () => {
    for (const body of [undefined, {}, { grace_seconds: 0 }]) {
      const { key: old, id } = await createKey(server.url, session);
      const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
        key: session,
        body,
      });
      expect(reset.status).toBe(200);
      expect(reset.body.previous_expires_at).toBeNull();
      expect((await me(old)).status).toBe(401);
    }
  });

  it("a second reset ends the first one's window unless it has its own", async () => {
    const { key: first, id } = await createKey(server.url, session);
    const r1 = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 600 },
    });
    const second = String(r1.body.key);
    await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, { key: session });
    expect((await me(first)).status).toBe(401);
    expect((await me(second)).status).toBe(401);
  });

  it("deleting the key kills both secrets", async () => {
    const { key: old, id } = await createKey(server.url, session);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 600 },
    });
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect((await me(old)).status).toBe(401);
    expect((await me(String(reset.body.key))).status).toBe(401);
  });

  it("caps the window at 7 days and refuses nonsense", async () => {
    const { id } = await createKey(server.url, session);
    for (const grace of [604_801, -1, 1.5, "60"]) {
      const answer = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
        key: session,
        body: { grace_seconds: grace },
      });
      expect(answer.status, String(grace)).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
    }
    const max = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 604_800 },
    });
    expect(max.status).toBe(200);
  });
});
