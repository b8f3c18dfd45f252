import { call, signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestInfo } from "./latchkey.js";
import { Latchkey } from "./latchkey.js";
import { LatchkeyError } from "./latchkeyError.js";

let server: TestServer;
/**
 * A client that must never read the developer's own key file or environment. It reaches the
 * in-process server through the fetch it is given, as an app would with its own fetch.
 */
const client = (apiKey?: string, extra: Record<string, unknown> = {}) =>
  new Latchkey({
    url: server.url,
    fetch: server.fetch,
    env: {},
    retries: 0,
    ...(apiKey ? { apiKey } : {}),
    ...extra,
  });

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function caught(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LatchkeyError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("accounts and sessions", () => {
  it("signs up, logs in, shows the user, lists and ends sessions, logs out", async () => {
    const email = `sdk-${Date.now()}@example.com`;
    const password = "correct horse battery staple";
    const anonymous = client();
    const signed = await anonymous.signUp({ email, password });
    expect(signed).toMatchObject({ success: true, email });
    expect(signed.id).toBeGreaterThan(0);

    const first = await anonymous.login({ email, password });
    expect(first.user_id).toBe(signed.id);
    expect(first.session_key).toMatch(/^[a-z0-9]+_/);
    const second = await anonymous.login({ email, password });
    const session = client(first.session_key);

    const me = await session.currentUser();
    expect(me).toMatchObject({
      id: signed.id,
      email,
      key_id: first.session_id,
      key_kind: "session",
    });

    const sessions = await session.listSessions();
    expect(sessions.map((s) => s.id).sort()).toEqual([first.session_id, second.session_id].sort());
    expect(sessions.find((s) => s.current)?.id).toBe(first.session_id);

    const third = await anonymous.login({ email, password });
    expect(await session.endSession(second.session_id)).toMatchObject({ success: true });
    expect((await session.listSessions()).map((s) => s.id)).not.toContain(second.session_id);
    expect(await session.endOtherSessions()).toMatchObject({ success: true, ended: 1 });
    expect((await session.listSessions()).map((s) => s.id)).toEqual([first.session_id]);
    expect((await caught(client(third.session_key).currentUser())).status).toBe(401);

    expect(await session.logout()).toMatchObject({ success: true });
    const after = await caught(session.currentUser());
    expect(after).toMatchObject({ status: 401, code: "session_expired" });
  });

  it("login with set_cookie leaves the session key out of the answer", async () => {
    const { email, password } = await signUpAndLogIn(server.url);
    const answer = await client().login({ email, password, set_cookie: true });
    expect(answer.session_key).toBeUndefined();
    expect(answer.user_id).toBeGreaterThan(0);
  });
});

describe("API keys", () => {
  it("pages the key list: the pages together are the one-shot list", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    for (let i = 0; i < 5; i++) await owner.createApiKey({ name: `paged ${i}` });
    const all = await owner.listApiKeys();
    const first = await owner.listApiKeysPage({ limit: 2 });
    expect(first.apikeys).toEqual(all.slice(0, 2));
    expect(first.next_after).toBe(all[1]?.id);
    const paged = [];
    for (let after: number | null = 0; after !== null; ) {
      const page = await owner.listApiKeysPage({ limit: 2, after });
      paged.push(...page.apikeys);
      after = page.next_after;
    }
    expect(paged).toEqual(all);
    // No options: one page of the default size, starting at the first key.
    expect(await owner.listApiKeysPage()).toEqual({ apikeys: all, next_after: null });
    const bad = await caught(owner.listApiKeysPage({ limit: 0 }));
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
    expect(bad.message).toContain("limit");
  });

  it("creates, lists, shows, resets (both forms) and deletes keys", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    const permissions = { api: { instance_read: {}, user_read: {} } };
    const created = await owner.createApiKey({
      name: "dashboard",
      permissions,
      key_params: JSON.stringify({ ip_whitelist: ["127.0.0.1"] }),
    });
    expect(created).toMatchObject({ success: true, name: "dashboard", permissions });
    expect(created.key_params).toEqual({ ip_whitelist: ["127.0.0.1"] });
    expect(created.key.endsWith(created.last4)).toBe(true);

    const listed = await owner.listApiKeys();
    expect(listed.map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(await owner.getApiKey(created.id)).toMatchObject({ id: created.id, name: "dashboard" });

    const reset = await owner.resetApiKey(created.id);
    expect(reset).toMatchObject({ id: created.id, name: "dashboard", permissions });
    expect(reset.key).not.toBe(created.key);
    expect((await caught(client(created.key).currentUser())).code).toBe("invalid_api_key");

    // Vast's form resets the calling key; the client carries on with the new secret.
    const full = await owner.createApiKey({ name: "ci" });
    expect(full.permissions).toBeNull();
    const self = client(full.key);
    const rotated = await self.resetCurrentApiKey();
    expect(rotated).toMatchObject({ success: true, id: full.id });
    expect((await self.resolved()).apiKey).toBe(rotated.new_api_key);
    expect((await self.currentUser()).key_id).toBe(full.id);
    expect((await caught(client(full.key).currentUser())).status).toBe(401);

    expect(await owner.deleteApiKey(created.id)).toEqual({
      success: true,
      msg: "Successfully Deleted API Key",
    });
    expect((await caught(client(reset.key).currentUser())).code).toBe("invalid_api_key");
    expect((await caught(owner.getApiKey(created.id))).status).toBe(404);
  });

  it("reads the audit log with filters", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    const a = await owner.createApiKey({ name: "a" });
    const b = await owner.createApiKey({ name: "b" });
    await owner.deleteApiKey(a.id);
    const all = await owner.auditLogs();
    const keyEvents = all.filter((r) => r.action.startsWith("api_key."));
    expect(keyEvents.map((r) => r.action)).toEqual([
      "api_key.delete",
      "api_key.create",
      "api_key.create",
    ]);
    // api_key_id is the key that acted: b creates c.
    const c = await client(b.key).createApiKey({ name: "c" });
    const byB = await owner.auditLogs({ api_key_id: b.id });
    expect(byB.map((r) => [r.action, r.api_key_id, (r.args as { id: number }).id])).toEqual([
      ["api_key.create", b.id, c.id],
    ]);
    const limited = await owner.auditLogs({ action: "api_key.create", limit: 1 });
    expect(limited).toHaveLength(1);
    expect(JSON.stringify(all)).not.toContain(a.key);
  });

  it("reads the permission catalogue without a credential", async () => {
    const catalogue = await client().permissionCatalogue();
    const instanceRead = catalogue.categories.find((c) => c.name === "instance_read");
    expect(instanceRead?.routes.map((r) => r.name)).toContain("api.instance.show");
    expect(catalogue.presets.find((p) => p.name === "read-only")?.permissions).toEqual({
      api: { instance_read: {}, user_read: {} },
    });
  });
});

describe("rotation with a grace window, usage and the lifecycle policy", () => {
  it("resets with a grace window, ends it early, and leaves a plain reset immediate", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    const created = await owner.createApiKey({ name: "deploy" });
    const before = Date.now();
    const rotated = await owner.resetApiKey(created.id, { grace_seconds: 3600 });
    expect(rotated).toMatchObject({ id: created.id, name: "deploy" });
    const until = Date.parse(String(rotated.previous_expires_at));
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1000);
    // Both secrets work as the same key while the window lasts.
    expect((await client(created.key).currentUser()).key_id).toBe(created.id);
    expect((await client(rotated.key).currentUser()).key_id).toBe(created.id);
    expect((await owner.getApiKey(created.id)).previous_expires_at).toBe(
      rotated.previous_expires_at,
    );

    const ended = await owner.endGraceWindow(created.id);
    expect(ended).toMatchObject({ id: created.id, previous_expires_at: null });
    expect((await caught(client(created.key).currentUser())).status).toBe(401);
    expect((await client(rotated.key).currentUser()).key_id).toBe(created.id);

    // Without grace_seconds the old secret is refused at once, as before.
    const plain = await owner.resetApiKey(created.id);
    expect(plain.previous_expires_at).toBeNull();
    expect((await caught(client(rotated.key).currentUser())).status).toBe(401);
    const tooLong = await caught(owner.resetApiKey(created.id, { grace_seconds: 8 * 86_400 }));
    expect(tooLong).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("reads a key's usage per hour", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    const created = await owner.createApiKey({
      name: "reader",
      permissions: { api: { user_read: {} } },
    });
    const used = client(created.key);
    for (let i = 0; i < 3; i++) await used.currentUser();
    await caught(used.createApiKey({ name: "denied" }));
    const usage = await owner.apiKeyUsage(created.id, { hours: 24 });
    expect(usage.key_id).toBe(created.id);
    expect(usage.totals).toEqual({ verified: 3, denied: 1 });
    expect(usage.hours).toHaveLength(1);
    expect(usage.hours[0]).toMatchObject({ verified: 3, denied: 1 });
    expect(Date.parse(usage.to) - Date.parse(usage.from)).toBe(23 * 3_600_000);
    expect((await caught(owner.apiKeyUsage(created.id, { hours: 0 }))).status).toBe(400);
  });

  it("reads and changes the lifecycle policy; fields left out keep their value", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    expect(await owner.accountPolicy()).toEqual({
      max_key_lifetime_days: null,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    expect(
      await owner.updateAccountPolicy({ max_key_lifetime_days: 30, expiry_reminder_days: 3 }),
    ).toEqual({
      max_key_lifetime_days: 30,
      expiry_reminder_days: 3,
      revoke_unused_after_days: null,
    });
    expect(await owner.updateAccountPolicy({ expiry_reminder_days: null })).toEqual({
      max_key_lifetime_days: 30,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    const created = await owner.createApiKey({ name: "bounded" });
    const expires = Date.parse(String(created.expires_at));
    expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(60_000);
    const bad = await caught(owner.updateAccountPolicy({ max_key_lifetime_days: 0 }));
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
  });
});

describe("verify", () => {
  it("answers verdicts for a live, a scoped, a deleted and an unknown key", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const owner = client(session);
    const oneInstance = await owner.createApiKey({
      name: "1227 only",
      permissions: {
        api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } } },
      },
    });
    const service = client();
    const ok = await service.verify({
      key: oneInstance.key,
      route: "api.instance.show",
      params: { id: 1227 },
    });
    expect(ok).toMatchObject({ valid: true, code: "VALID", key_id: oneInstance.id });
    expect(ok.permissions).toEqual(oneInstance.permissions);
    const other = await service.verify({
      key: oneInstance.key,
      route: "api.instance.show",
      params: { id: "1228" },
    });
    expect(other).toMatchObject({
      valid: false,
      code: "FORBIDDEN",
      required: { category: "instance_read", route: "api.instance.show", param: "id" },
    });
    await owner.deleteApiKey(oneInstance.id);
    expect((await service.verify({ key: oneInstance.key })).code).toBe("REVOKED");
    expect((await service.verify({ key: "lk_not-a-key" })).code).toBe("NOT_FOUND");
    const bad = await caught(service.verify({ key: oneInstance.key, route: "api.nope" }));
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
  });
});

describe("errors", () => {
  it("carry the status, code, message and request id of the server's answer", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const missing = await caught(client(session).getApiKey(2_000_000));
    expect(missing).toBeInstanceOf(LatchkeyError);
    expect(missing).toMatchObject({ status: 404, code: "not_found", name: "LatchkeyError" });
    expect(missing.msg).toBe("API key 2000000 not found in this account.");
    expect(missing.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(missing.message).toContain(missing.requestId);

    const readOnly = await client(session).createApiKey({
      name: "ro",
      permissions: { api: { user_read: {} } },
    });
    const denied = await caught(client(readOnly.key).createApiKey({ name: "x" }));
    expect(denied).toMatchObject({ status: 403, code: "permission_denied" });
    expect(denied.body?.required).toEqual({ category: "user_write" });
    expect(denied.message).not.toContain(readOnly.key);

    const anonymous = await caught(client().currentUser());
    expect(anonymous).toMatchObject({ status: 401, code: "auth_required" });

    const bad = await caught(client(session).createApiKey({ name: "x".repeat(300) }));
    expect(bad).toMatchObject({ status: 400, code: "invalid_request" });
  });

  it("reports an unreachable server as a network error with status 0", async () => {
    // A server that listened and stopped: its port refuses connections.
    const { url } = await startTestServer({}, { listen: true }).then(async (s) => {
      await s.close();
      return s;
    });
    const err = await caught(new Latchkey({ url, env: {}, retries: 0 }).permissionCatalogue());
    expect(err).toMatchObject({ status: 0, code: "network_error" });
  });
});

describe("onRequest", () => {
  it("shows each call with the bearer and body secrets redacted", async () => {
    const { session, email, password } = await signUpAndLogIn(server.url);
    const seen: RequestInfo[] = [];
    const observed = client(session, { onRequest: (info: RequestInfo) => seen.push(info) });
    await observed.login({ email, password });
    await observed.auditLogs({ limit: 5 });
    const created = await observed.createApiKey({ name: "watched" });
    await observed.verify({ key: created.key, category: "user_read" }).catch(() => undefined);

    const printed = JSON.stringify(seen);
    expect(printed).not.toContain(session);
    expect(printed).not.toContain(password);
    expect(printed).not.toContain(created.key);
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: `${server.url}/api/v0/auth/login/`,
      body: { email, password: "[REDACTED]" },
    });
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[1]).toMatchObject({
      method: "GET",
      url: `${server.url}/api/v0/audit_logs/?limit=5`,
    });
    const prefix = session.slice(0, session.indexOf("_") + 1);
    expect(seen[1]?.headers.authorization).toBe(`Bearer ${prefix}…${session.slice(-4)}`);
    expect(seen[3]?.body).toMatchObject({ key: `lk_…${created.key.slice(-4)}` });
  });

  it("does not send the caller's credential to public routes", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const seen: RequestInfo[] = [];
    await client(session, { onRequest: (i: RequestInfo) => seen.push(i) }).permissionCatalogue();
    expect(seen[0]?.headers.authorization).toBeUndefined();
    // The same call with the plain test helper shows the route is public.
    expect((await call(server.url, "GET", "/api/v0/permissions/")).status).toBe(200);
  });
});
