import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The story over plain HTTP: sign up, log in, create a scoped key, use it, reset it, delete
 * it — each step as Vast's "Manage API keys" page describes, against a real server on SQLite.
 */
describe("key lifecycle", () => {
  let server: TestServer;
  let session: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  const readOnly = { api: { instance_read: {}, user_read: {} } };

  it("creates a key, shown once, with Vast's fields", async () => {
    const created = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key: session,
      body: { name: "dashboard", permissions: readOnly },
    });
    expect(created.status).toBe(200);
    const body = created.body as Record<string, unknown>;
    expect(body).toMatchObject({
      success: true,
      name: "dashboard",
      permissions: readOnly,
      key_params: null,
    });
    expect(body.key).toMatch(/^lk_[0-9A-Za-z]{46}$/);
    expect(body.prefix).toBe(String(body.key).slice(0, 7));
    expect(body.last4).toBe(String(body.key).slice(-4));

    const listed = await call<{ apikeys: Record<string, unknown>[] }>(
      server.url,
      "GET",
      "/api/v0/auth/apikeys/",
      {
        key: session,
      },
    );
    expect(listed.status).toBe(200);
    const row = listed.body.apikeys.find((k) => k.id === body.id);
    expect(row).toMatchObject({ name: "dashboard", permissions: readOnly, last4: body.last4 });
    expect(JSON.stringify(listed.body)).not.toContain(String(body.key));
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${body.id}/`, {
      key: session,
    });
    expect(shown.body).toMatchObject({ id: body.id, name: "dashboard" });
    expect(shown.body).not.toHaveProperty("key");
  });

  it("uses the key as a Bearer token: 200 on an allowed route, 403 on a denied one", async () => {
    const { key, id } = await createKey(server.url, session, { name: "ro", permissions: readOnly });
    const me = await call(server.url, "GET", "/api/v0/users/current/", { key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ key_id: id, key_kind: "api" });
    const denied = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key,
      body: { name: "x" },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      success: false,
      error: "permission_denied",
      required: { category: "user_write" },
    });
    expect(String(denied.body.msg)).toContain("user_write");
  });

  it("accepts paths with and without the trailing slash (Vast's CLI omits it)", async () => {
    const { key } = await createKey(server.url, session);
    expect((await call(server.url, "GET", "/api/v0/users/current", { key })).status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/auth/apikeys", { key })).status).toBe(200);
  });

  it("resets by id: new secret works at once with the same id, name and permissions; the old gets 401", async () => {
    const { key: old, id } = await createKey(server.url, session, {
      name: "ci",
      permissions: readOnly,
    });
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: old })).status).toBe(
      200,
    );
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ success: true, id, name: "ci", permissions: readOnly });
    const fresh = String(reset.body.key);
    expect(fresh).not.toBe(old);
    const refused = await call(server.url, "GET", "/api/v0/users/current/", { key: old });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ success: false, error: "invalid_api_key" });
    const me = await call(server.url, "GET", "/api/v0/users/current/", { key: fresh });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ key_id: id });
    expect(
      (await call(server.url, "POST", "/api/v0/auth/apikeys/", { key: fresh, body: { name: "x" } }))
        .status,
    ).toBe(403);
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect(shown.body).toMatchObject({ last4: fresh.slice(-4), prefix: fresh.slice(0, 7) });
  });

  it("resets the calling key with Vast's PUT /commands/reset_apikey/ {client_id: me}", async () => {
    const { key: old, id } = await createKey(server.url, session, { name: "self" });
    const reset = await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
      key: old,
      body: { client_id: "me" },
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ success: true, id });
    const fresh = String(reset.body.new_api_key);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: old })).status).toBe(
      401,
    );
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: fresh })).body,
    ).toMatchObject({ key_id: id });
  });

  it("resets key N with {id: N}, and explains client_id me from a session", async () => {
    const { key: old, id } = await createKey(server.url, session);
    const reset = await call(server.url, "PUT", "/api/v0/commands/reset_apikey", {
      key: session,
      body: { id },
    });
    expect(reset.status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: old })).status).toBe(
      401,
    );
    expect(
      (
        await call(server.url, "GET", "/api/v0/users/current/", {
          key: String(reset.body.new_api_key),
        })
      ).status,
    ).toBe(200);
    const fromSession = await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
      key: session,
      body: { client_id: "me" },
    });
    expect(fromSession.status).toBe(400);
    expect(String(fromSession.body.msg)).toContain('{"id": N}');
  });

  it("deletes a key: the very next request gets 401, and it is gone from the list", async () => {
    const { key, id } = await createKey(server.url, session, { name: "doomed" });
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    // Vast's CLI sends an empty JSON body with DELETE.
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, {
      key: session,
      body: {},
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, msg: "Successfully Deleted API Key" });
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key })).status).toBe(401);
    const listed = await call<{ apikeys: { id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/auth/apikeys/",
      { key: session },
    );
    expect(listed.body.apikeys.map((k) => k.id)).not.toContain(id);
    expect(
      (await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: session })).status,
    ).toBe(404);
    expect(
      (await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, { key: session }))
        .status,
    ).toBe(404);
  });

  it("a key may delete itself; its next request is refused", async () => {
    const { key, id } = await createKey(server.url, session);
    expect((await call(server.url, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key })).status).toBe(
      200,
    );
    expect((await call(server.url, "GET", "/api/v0/auth/apikeys/", { key })).status).toBe(401);
  });

  it("takes key_params as an object or as the JSON string Vast's CLI sends", async () => {
    const asObject = await createKey(server.url, session, {
      key_params: { ip_whitelist: ["127.0.0.1", "10.0.0.0/8"] },
    });
    const asString = await createKey(server.url, session, {
      key_params: JSON.stringify({ ip_whitelist: ["::1/128"] }),
    });
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${asObject.id}/`, {
      key: session,
    });
    expect(shown.body.key_params).toEqual({ ip_whitelist: ["127.0.0.1", "10.0.0.0/8"] });
    const shown2 = await call(server.url, "GET", `/api/v0/auth/apikeys/${asString.id}/`, {
      key: session,
    });
    expect(shown2.body.key_params).toEqual({ ip_whitelist: ["::1/128"] });
  });

  it("enforces ip_whitelist: 403 from elsewhere, 200 from an allowed address", async () => {
    const elsewhere = await createKey(server.url, session, {
      key_params: { ip_whitelist: ["203.0.113.0/24"] },
    });
    const refused = await call(server.url, "GET", "/api/v0/users/current/", { key: elsewhere.key });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("ip_not_allowed");
    const here = await createKey(server.url, session, {
      key_params: { ip_whitelist: ["127.0.0.0/8"] },
    });
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: here.key })).status,
    ).toBe(200);
  });

  it("records last use without a write per request, and shows it at once", async () => {
    const { key, id } = await createKey(server.url, session);
    const before = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect(before.body.last_used_at).toBeNull();
    await call(server.url, "GET", "/api/v0/users/current/", { key });
    const after = await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: session });
    expect(after.body.last_used_at).toEqual(expect.any(String));
    expect(after.body.last_used_ip).toBe("127.0.0.1");
    const row = await server.deps.store.findKey(after.body.user_id as number, id, "api");
    expect(row?.lastUsedAt).toBeNull();
    await server.deps.usage.flush();
    const flushed = await server.deps.store.findKey(after.body.user_id as number, id, "api");
    expect(flushed?.lastUsedAt).toBe(after.body.last_used_at);
  });

  it("expires keys: 401 with a message that says so", async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const { key } = await createKey(server.url, session, { expires_at: soon });
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const expired = await call(server.url, "GET", "/api/v0/users/current/", { key });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe("api_key_expired");
    expect(String(expired.body.msg)).toContain("expired");
  });
});
