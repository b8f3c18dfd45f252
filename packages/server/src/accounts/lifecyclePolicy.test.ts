import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const DAY = 86_400_000;

describe("account lifecycle policy", () => {
  let server: TestServer;
  let clock = Date.parse("2027-01-01T00:00:00Z");
  beforeAll(async () => {
    server = await startTestServer(
      { LATCHKEY_LIFECYCLE_SWEEP_SECONDS: "0" },
      { now: () => new Date(clock) },
    );
  });
  afterAll(() => server.close());

  const policy = (session: string, body?: object) =>
    call(server.url, "PUT", "/api/v0/users/current/policy/", { key: session, body });
  const events = async (userId: number) =>
    (await server.deps.store.listEvents(userId, 0, 100)).map((e) => ({
      type: e.type,
      keyId: e.apiKeyId,
    }));

  it("is off by default, and can be set, shown and partly changed", async () => {
    const { session } = await signUpAndLogIn(server.url);
    const shown = await call(server.url, "GET", "/api/v0/users/current/policy/", { key: session });
    expect(shown.body).toEqual({
      max_key_lifetime_days: null,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    const set = await policy(session, { max_key_lifetime_days: 90, expiry_reminder_days: 7 });
    expect(set.body).toEqual({
      max_key_lifetime_days: 90,
      expiry_reminder_days: 7,
      revoke_unused_after_days: null,
    });
    const changed = await policy(session, { expiry_reminder_days: null });
    expect(changed.body).toEqual({
      max_key_lifetime_days: 90,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    for (const bad of [
      { max_key_lifetime_days: 0 },
      { expiry_reminder_days: 400 },
      { unknown: 1 },
      { max_key_lifetime_days: "9" },
    ]) {
      expect((await policy(session, bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });

  it("caps the lifetime of new keys and gives keys without expires_at the maximum", async () => {
    const { session } = await signUpAndLogIn(server.url);
    await policy(session, { max_key_lifetime_days: 30 });
    const defaulted = await createKey(server.url, session);
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${defaulted.id}/`, {
      key: session,
    });
    expect(shown.body.expires_at).toBe(new Date(clock + 30 * DAY).toISOString());
    const tooLong = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      key: session,
      body: { name: "x", expires_at: new Date(clock + 31 * DAY).toISOString() },
    });
    expect(tooLong.status).toBe(400);
    expect(String(tooLong.body.msg)).toContain("maximum key lifetime of 30 days");
    const within = await createKey(server.url, session, {
      expires_at: new Date(clock + 10 * DAY).toISOString(),
    });
    expect(within.id).toBeGreaterThan(0);
  });

  it("reminds once before expiry and announces the expiry once", async () => {
    const user = await signUpAndLogIn(server.url);
    await policy(user.session, { expiry_reminder_days: 3 });
    const soon = await createKey(server.url, user.session, {
      expires_at: new Date(clock + 2 * DAY).toISOString(),
    });
    const later = await createKey(server.url, user.session, {
      expires_at: new Date(clock + 10 * DAY).toISOString(),
    });
    await server.deps.lifecycle.sweep();
    await server.deps.lifecycle.sweep();
    const reminders = (await events(user.userId)).filter((e) => e.type === "key.expiring");
    expect(reminders).toEqual([{ type: "key.expiring", keyId: soon.id }]);

    clock += 3 * DAY;
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: soon.key })).status,
    ).toBe(401);
    await server.deps.lifecycle.sweep();
    await server.deps.lifecycle.sweep();
    const all = await events(user.userId);
    expect(all.filter((e) => e.type === "key.expired")).toEqual([
      { type: "key.expired", keyId: soon.id },
    ]);
    expect(all.filter((e) => e.type === "key.expiring").map((e) => e.keyId)).not.toContain(
      later.id,
    );
    const log = await call<{ audit_logs: { action: string }[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/",
      {
        key: user.session,
      },
    );
    expect(log.body.audit_logs.map((r) => r.action)).toEqual(
      expect.arrayContaining(["api_key.expiring", "api_key.expired"]),
    );
  });

  it("revokes keys unused for N days (off by default), keeping keys in use", async () => {
    const idle = await signUpAndLogIn(server.url);
    const idleKey = await createKey(server.url, idle.session);
    const bystander = await signUpAndLogIn(server.url);
    const bystanderKey = await createKey(server.url, bystander.session);

    const user = await signUpAndLogIn(server.url);
    await policy(user.session, { revoke_unused_after_days: 5 });
    const unused = await createKey(server.url, user.session, { name: "forgotten" });
    const busy = await createKey(server.url, user.session, { name: "busy" });
    clock += 4 * DAY;
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: busy.key })).status,
    ).toBe(200);
    clock += 2 * DAY;
    const result = await server.deps.lifecycle.sweep();
    expect(result.revokedUnused).toBeGreaterThanOrEqual(1);

    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: unused.key })).status,
    ).toBe(401);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: busy.key })).status,
    ).toBe(200);
    expect((await events(user.userId)).filter((e) => e.type === "key.unused")).toEqual([
      { type: "key.unused", keyId: unused.id },
    ]);
    // Accounts without the rule keep their idle keys.
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: idleKey.key })).status,
    ).toBe(200);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: bystanderKey.key })).status,
    ).toBe(200);
  });

  it("records key.created, key.reset and key.deleted in the event outbox, without secrets", async () => {
    const user = await signUpAndLogIn(server.url);
    const key = await createKey(server.url, user.session);
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${key.id}/reset/`, {
      key: user.session,
    });
    await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, { key: user.session });
    const rows = await server.deps.store.listEvents(user.userId, 0, 100);
    expect(rows.map((r) => r.type)).toEqual(["key.created", "key.reset", "key.deleted"]);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(key.key);
    expect(text).not.toContain(String(reset.body.key));
    expect(rows[0]?.payload).toMatchObject({
      key: { id: key.id, last4: key.key.slice(-4) },
    });
  });
});
