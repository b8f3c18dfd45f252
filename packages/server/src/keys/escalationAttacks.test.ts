import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
  tempDir,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Attacks on the no-escalation rule, through the real server: keys trying to mint keys (or
 * reset keys) with more than they have, and what the results may then do.
 */

const create = (server: TestServer, key: string, body: Record<string, unknown>) =>
  call(server.url, "POST", "/api/v0/auth/apikeys/", { key, body: { name: "child", ...body } });

const verify = (server: TestServer, body: Record<string, unknown>) =>
  call<{ code: string; required?: unknown }>(server.url, "POST", "/api/v0/auth/verify/", { body });

describe("a child's constraints are compared as the evaluator compares them", () => {
  let server: TestServer;
  let session: string;
  const dir = tempDir("latchkey-catalogue");
  beforeAll(async () => {
    const catalogue = join(dir.path, "routes.json");
    writeFileSync(
      catalogue,
      JSON.stringify([
        {
          method: "GET",
          path: "/v1/instances/{id}/",
          category: "instance_read",
          name: "ops.instances.show",
        },
        { method: "GET", path: "/v1/reports/{id}/", category: "misc", name: "ops.reports.show" },
      ]),
    );
    server = await startTestServer({ LATCHKEY_CATALOGUE_FILE: catalogue });
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(async () => {
    await server.close();
    dir.remove();
  });

  it('a key that may only delete key 999999 cannot mint {"eq": "23", "gte": 0} and delete key 23, a full-access key', async () => {
    // Key 23 (the session is key 1), with full access.
    let victim = await createKey(server.url, session);
    while (victim.id < 23) victim = await createKey(server.url, session);
    expect(victim.id).toBe(23);
    const deleter = await createKey(server.url, session, {
      permissions: {
        api: {
          user_write: {
            "api.apikeys.create": {},
            "api.apikeys.delete": { constraints: { id: { eq: 999_999 } } },
          },
        },
      },
    });
    const tree = {
      api: { user_write: { "api.apikeys.delete": { constraints: { id: { eq: "23", gte: 0 } } } } },
    };
    const minted = await create(server, deleter.key, { permissions: tree });
    expect(minted.status).toBe(403);
    expect(minted.body.error).toBe("permission_escalation");

    // The same tree, given by the owner, admits the string "23" only; the path's id is the
    // number 23, so it deletes nothing either.
    const owned = await createKey(server.url, session, { permissions: tree });
    const del = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${victim.id}/`, {
      key: owned.key,
    });
    expect(del.status).toBe(403);
    expect(del.body.error).toBe("permission_denied");
    const alive = await call(server.url, "GET", "/api/v0/users/current/", { key: victim.key });
    expect(alive.status).toBe(200);
  });

  it("on operators' routes, a key limited to instance 1227 cannot mint children the verify API accepts for instances 1 and 42", async () => {
    const limited = await createKey(server.url, session, {
      permissions: {
        api: {
          user_write: { "api.apikeys.create": {} },
          instance_read: { "ops.instances.show": { constraints: { id: { eq: 1227 } } } },
        },
      },
    });
    const route = "ops.instances.show";
    for (const constraint of [
      { eq: "1", gte: 0 },
      { eq: "42", lte: 100 },
      { eq: "42", gte: 1, lte: 5000 },
    ]) {
      const minted = await create(server, limited.key, {
        permissions: { api: { instance_read: { [route]: { constraints: { id: constraint } } } } },
      });
      expect(minted.status, JSON.stringify(constraint)).toBe(403);
      expect(minted.body.error).toBe("permission_escalation");
    }
    // The numeric constraint admits the path's text "1227" (and the number), nothing else.
    for (const id of [1227, "1227"]) {
      expect((await verify(server, { key: limited.key, route, params: { id } })).body.code).toBe(
        "VALID",
      );
    }
    for (const id of [1, 42, "01227", "1227.0"]) {
      expect((await verify(server, { key: limited.key, route, params: { id } })).body.code).toBe(
        "FORBIDDEN",
      );
    }

    // Within it: children for 1227 only, in either spelling of the constraint.
    for (const constraint of [{ eq: 1227 }, { eq: "1227" }, { eq: "1227", gte: 0 }]) {
      const minted = await create(server, limited.key, {
        permissions: { api: { instance_read: { [route]: { constraints: { id: constraint } } } } },
      });
      expect(minted.status, JSON.stringify(constraint)).toBe(200);
      for (const id of [1, 42, "1", "42"]) {
        const verdict = await verify(server, {
          key: String(minted.body.key),
          route,
          params: { id },
        });
        expect(verdict.body.code).toBe("FORBIDDEN");
      }
    }
  });

  it('{"eq": "007"} allows "007" only, not "7", "07", "7.0" or 7', async () => {
    const { key } = await createKey(server.url, session, {
      permissions: {
        api: { misc: { "ops.reports.show": { constraints: { id: { eq: "007" } } } } },
      },
    });
    const route = "ops.reports.show";
    expect((await verify(server, { key, route, params: { id: "007" } })).body.code).toBe("VALID");
    for (const id of ["7", "07", "7.0", 7, " 007", "0007"]) {
      const verdict = await verify(server, { key, route, params: { id } });
      expect(verdict.body.code, JSON.stringify(id)).toBe("FORBIDDEN");
      expect(verdict.body.required).toEqual({ category: "misc", route, param: "id" });
    }
  });
});

describe("a child key is never less restricted than its parent", () => {
  let server: TestServer;
  let session: string;
  let clock = Date.now();
  const HOUR = 3_600_000;
  const rights = { api: { user_read: {}, user_write: {} } };
  beforeAll(async () => {
    server = await startTestServer({}, { now: () => new Date(clock) });
    ({ session } = await signUpAndLogIn(server.url));
  });
  afterAll(() => server.close());

  /** A key usable from this test's address only, expiring in an hour. */
  async function fencedKey() {
    const expiresAt = new Date(clock + HOUR).toISOString();
    const parent = await createKey(server.url, session, {
      permissions: rights,
      key_params: { ip_whitelist: ["127.0.0.1"] },
      expires_at: expiresAt,
    });
    return { ...parent, expiresAt };
  }

  async function keyCount(): Promise<number> {
    const list = await call<{ apikeys: unknown[] }>(server.url, "GET", "/api/v0/auth/apikeys/", {
      key: session,
    });
    return list.body.apikeys.length;
  }

  it("a key limited to one IP and expiring in an hour cannot mint an unrestricted, permanent one", async () => {
    const parent = await fencedKey();
    const minted = await create(server, parent.key, { permissions: rights });
    expect(minted.status).toBe(200);
    // Nothing asked for: the child inherits the parent's allow-list and expiry.
    expect(minted.body.key_params).toEqual({ ip_whitelist: ["127.0.0.1"] });
    expect(minted.body.expires_at).toBe(parent.expiresAt);
    const child = String(minted.body.key);
    expect((await verify(server, { key: child, ip: "203.0.113.7" })).body.code).toBe(
      "IP_NOT_ALLOWED",
    );
    expect((await verify(server, { key: child, ip: "127.0.0.1" })).body.code).toBe("VALID");
    const shown = await call(server.url, "GET", `/api/v0/auth/apikeys/${minted.body.id}/`, {
      key: session,
    });
    expect(shown.body).toMatchObject({
      key_params: { ip_whitelist: ["127.0.0.1"] },
      expires_at: parent.expiresAt,
    });

    const start = clock;
    try {
      clock += HOUR + 1000;
      expect((await verify(server, { key: child, ip: "127.0.0.1" })).body.code).toBe("EXPIRED");
    } finally {
      clock = start;
    }
  });

  it("an allow-list or an expiry beyond the parent's is refused with a 403 naming the field", async () => {
    const parent = await fencedKey();
    const before = await keyCount();
    for (const key_params of [
      { ip_whitelist: ["0.0.0.0/0"] },
      { ip_whitelist: ["127.0.0.0/8"] },
      { ip_whitelist: ["127.0.0.1", "10.0.0.1"] },
      { ip_whitelist: ["::1"] },
      { ip_whitelist: [] },
      '{"ip_whitelist": ["10.0.0.1"]}',
    ]) {
      const res = await create(server, parent.key, { permissions: rights, key_params });
      expect(res.status, JSON.stringify(key_params)).toBe(403);
      expect(res.body.error).toBe("permission_escalation");
      expect(String(res.body.msg)).toMatch(/^key_params\.ip_whitelist: /);
    }
    const later = await create(server, parent.key, {
      permissions: rights,
      expires_at: new Date(clock + 2 * HOUR).toISOString(),
    });
    expect(later.status).toBe(403);
    expect(later.body.error).toBe("permission_escalation");
    expect(String(later.body.msg)).toMatch(/^expires_at: /);
    expect(await keyCount()).toBe(before);

    const narrower = new Date(clock + HOUR / 2).toISOString();
    const within = await create(server, parent.key, {
      permissions: rights,
      key_params: { ip_whitelist: ["127.0.0.1/32"] },
      expires_at: narrower,
    });
    expect(within.status).toBe(200);
    expect(within.body).toMatchObject({
      key_params: { ip_whitelist: ["127.0.0.1/32"] },
      expires_at: narrower,
    });
  });

  it("a key may not reset a less restricted key to get its secret", async () => {
    const parent = await fencedKey();
    const open = await createKey(server.url, session, { permissions: { api: { user_read: {} } } });
    const refused = [
      await call(server.url, "POST", `/api/v0/auth/apikeys/${open.id}/reset/`, { key: parent.key }),
      await call(server.url, "PUT", "/api/v0/commands/reset_apikey/", {
        key: parent.key,
        body: { id: open.id },
      }),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("permission_escalation");
    }
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: open.key })).status,
    ).toBe(200);
    const fenced = await createKey(server.url, session, {
      permissions: { api: { user_read: {} } },
      key_params: { ip_whitelist: ["127.0.0.1"] },
    });
    const lasting = await call(server.url, "POST", `/api/v0/auth/apikeys/${fenced.id}/reset/`, {
      key: parent.key,
    });
    expect(lasting.status).toBe(403);
    expect(String(lasting.body.msg)).toContain("never expires");
    const within = await createKey(server.url, session, {
      permissions: { api: { user_read: {} } },
      key_params: { ip_whitelist: ["127.0.0.1"] },
      expires_at: new Date(clock + HOUR / 2).toISOString(),
    });
    const reset = await call(server.url, "POST", `/api/v0/auth/apikeys/${within.id}/reset/`, {
      key: parent.key,
    });
    expect(reset.status).toBe(200);
  });

  it("keys made from a console session keep exactly what was asked", async () => {
    const plain = await create(server, session, {});
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ key_params: null, expires_at: null });
    const child = await create(server, String(plain.body.key), {
      key_params: { ip_whitelist: ["203.0.113.0/24"] },
    });
    expect(child.status).toBe(200);
    expect(child.body).toMatchObject({
      key_params: { ip_whitelist: ["203.0.113.0/24"] },
      expires_at: null,
    });
  });
});
