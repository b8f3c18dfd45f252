import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * After a reset with a grace window the previous secret keeps the key's permissions for using
 * the API, but it may be the leaked one: it must not take the key over (reset it again and get
 * a secret of its own) or mint, re-scope or end any credential.
 */
describe("a superseded secret in its grace window", () => {
  let server: TestServer;
  let session: string;
  let id: number;
  let old: string;
  let fresh: string;

  beforeAll(async () => {
    server = await startTestServer();
    ({ session } = await signUpAndLogIn(server.url));
    ({ key: old, id } = await createKey(server.url, session, { name: "full access" }));
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${id}/reset/`, {
      key: session,
      body: { grace_seconds: 3600 },
    });
    expect(reset.status).toBe(200);
    fresh = String(reset.body.key);
  });
  afterAll(() => server.close());

  const refusedFor = async (method: string, path: string, body?: unknown) => {
    const answer = await call(server.url, method, path, { key: old, body });
    expect(answer.status, `${method} ${path}`).toBe(403);
    expect(answer.body.error, `${method} ${path}`).toBe("superseded_secret");
    expect(String(answer.body.msg)).toContain("new secret");
  };

  it("still uses the key's own permissions", async () => {
    const me = await call(server.url, "GET", "/api/v0/users/current/", { key: old });
    expect(me.status).toBe(200);
    expect(me.body.key_id).toBe(id);
    expect((await call(server.url, "GET", "/api/v0/auth/apikeys/", { key: old })).status).toBe(200);
  });

  it("cannot reset its own key, in either form, nor end or stretch the grace window", async () => {
    await refusedFor("POST", `/api/v0/auth/apikeys/${id}/reset/`, { grace_seconds: 604800 });
    await refusedFor("POST", `/api/v0/auth/apikeys/${id}/reset/`);
    await refusedFor("PUT", "/api/v0/commands/reset_apikey/", { client_id: "me" });
    await refusedFor("PUT", "/api/v0/commands/reset_apikey/", { id });
    await refusedFor("DELETE", `/api/v0/auth/apikeys/${id}/previous/`);
    // Nothing changed: both secrets still work as the same key, and no reset was audited.
    for (const secret of [old, fresh]) {
      const me = await call(server.url, "GET", "/api/v0/users/current/", { key: secret });
      expect(me.body.key_id).toBe(id);
    }
    const audit = await call<{ audit_logs: unknown[] }>(
      server.url,
      "GET",
      "/api/v0/audit_logs/?action=api_key.reset",
      { key: session },
    );
    expect(audit.body.audit_logs).toHaveLength(1);
  });

  it("cannot mint, delete or scope keys, or touch sessions, webhooks or the policy", async () => {
    const before = await call<{ apikeys: unknown[] }>(server.url, "GET", "/api/v0/auth/apikeys/", {
      key: session,
    });
    await refusedFor("POST", "/api/v0/auth/apikeys/", { name: "minted by the old secret" });
    const other = await createKey(server.url, session, { name: "other" });
    await refusedFor("DELETE", `/api/v0/auth/apikeys/${other.id}/`);
    await refusedFor("POST", `/api/v0/auth/apikeys/${other.id}/reset/`);
    await refusedFor("DELETE", "/api/v0/auth/sessions/");
    await refusedFor("PUT", "/api/v0/users/current/policy/", { max_key_lifetime_days: 3650 });
    await refusedFor("POST", "/api/v0/webhooks/", {
      url: "https://hooks.example.com/latchkey",
    });
    const after = await call<{ apikeys: unknown[] }>(server.url, "GET", "/api/v0/auth/apikeys/", {
      key: session,
    });
    expect(after.body.apikeys).toHaveLength(before.body.apikeys.length + 1);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: other.key })).status,
    ).toBe(200);
  });

  it("the new secret manages its key as before", async () => {
    const reset = await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
      key: fresh,
      body: { client_id: "me" },
    });
    expect(reset.status).toBe(200);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: old })).status).toBe(
      401,
    );
  });
});
