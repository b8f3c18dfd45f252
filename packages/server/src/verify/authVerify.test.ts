import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKey } from "@latchkey/core";
import { openStore } from "@latchkey/store";
import { tempDir } from "@latchkey/testkit";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { type ConfigSource, parseConfig } from "../config.js";
import { createDeps } from "../deps.js";
import { loadPepper } from "../pepper.js";

/** An in-process app with a clock the test moves; requests go through `app.inject`. */
async function harness(env: ConfigSource = {}) {
  const dir = tempDir("latchkey-verify");
  const config = parseConfig({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_LOG_LEVEL: "silent", ...env });
  const store = await openStore({ kind: "sqlite", dataDir: dir.path });
  let clock = new Date("2030-01-01T00:00:00Z").getTime();
  const deps = createDeps({
    config,
    store,
    peppers: loadPepper(config),
    logger: pino({ level: "silent" }),
    now: () => new Date(clock),
  });
  const app = await buildApp(deps, { consoleDir: null });
  const h = {
    app,
    dir: dir.path,
    advance: (ms: number) => {
      clock += ms;
    },
    async inject(
      method: "GET" | "POST" | "DELETE",
      url: string,
      opts: { key?: string; body?: unknown; ip?: string } = {},
    ) {
      const res = await app.inject({
        method,
        url,
        ...(opts.body === undefined ? {} : { payload: opts.body as object }),
        headers: opts.key ? { authorization: `Bearer ${opts.key}` } : {},
        remoteAddress: opts.ip ?? "127.0.0.1",
      });
      return { status: res.statusCode, headers: res.headers, body: res.json() };
    },
    verify: (body: Record<string, unknown>, ip?: string) =>
      h.inject("POST", "/api/v0/auth/verify/", { body, ...(ip ? { ip } : {}) }),
    async account() {
      const email = `v${Math.random()}@example.com`;
      const password = "correct horse battery staple";
      await h.inject("POST", "/api/v0/users/", { body: { email, password } });
      const login = await h.inject("POST", "/api/v0/auth/login/", { body: { email, password } });
      return { session: String(login.body.session_key), userId: Number(login.body.user_id) };
    },
    async key(session: string, body: Record<string, unknown> = {}) {
      const res = await h.inject("POST", "/api/v0/auth/apikeys/", {
        key: session,
        body: { name: "k", ...body },
      });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      return { id: Number(res.body.id), key: String(res.body.key) };
    },
    async close() {
      await app.close();
      await deps.close();
      await store.close();
      dir.remove();
    },
  };
  return h;
}

let open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const h of open) await h.close();
  open = [];
});
async function start(env: ConfigSource = {}) {
  const h = await harness(env);
  open.push(h);
  return h;
}

const oneInstance = {
  api: {
    instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } },
    instance_write: { "api.instance.reboot": { constraints: { id: { eq: 1227 } } } },
  },
};

describe("POST /api/v0/auth/verify/", () => {
  it("needs no credential and says VALID with the key's identity and tree", async () => {
    const h = await start();
    const { session, userId } = await h.account();
    const k = await h.key(session, { permissions: oneInstance });
    const res = await h.verify({ key: k.key, route: "api.instance.show", params: { id: 1227 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      code: "VALID",
      key_id: k.id,
      user_id: userId,
      account_kind: "person",
      member_id: null,
      role: null,
      permissions: oneInstance,
      expires_at: null,
    });
    // No category or route: only whether the key is live.
    expect((await h.verify({ key: k.key })).body.code).toBe("VALID");
  });

  it("evaluates categories, named routes and constraints (FORBIDDEN names what is missing)", async () => {
    const h = await start();
    const { session } = await h.account();
    const scoped = await h.key(session, { permissions: oneInstance });
    const readOnly = await h.key(session, {
      permissions: { api: { instance_read: {}, user_read: {} } },
    });
    const full = await h.key(session);
    const cases: [string, Record<string, unknown>, string, unknown?][] = [
      [full.key, { category: "billing_write" }, "VALID"],
      [readOnly.key, { category: "instance_read" }, "VALID"],
      [readOnly.key, { route: "api.instance.list" }, "VALID"],
      [
        readOnly.key,
        { route: "api.instance.destroy" },
        "FORBIDDEN",
        { category: "instance_write" },
      ],
      [scoped.key, { route: "api.instance.reboot", params: { id: "1227" } }, "VALID"],
      [
        scoped.key,
        { route: "api.instance.reboot", params: { id: 1228 } },
        "FORBIDDEN",
        { category: "instance_write", route: "api.instance.reboot", param: "id" },
      ],
      [
        scoped.key,
        { route: "api.instance.show" },
        "FORBIDDEN",
        { category: "instance_read", route: "api.instance.show", param: "id" },
      ],
      [
        scoped.key,
        { route: "api.instance.destroy", params: { id: 1227 } },
        "FORBIDDEN",
        { category: "instance_write", route: "api.instance.destroy" },
      ],
      [
        scoped.key,
        { category: "instance_read", route: "api.instance.list" },
        "FORBIDDEN",
        { category: "instance_read", route: "api.instance.list" },
      ],
    ];
    for (const [key, ask, code, required] of cases) {
      const res = await h.verify({ key, ...ask });
      expect(res.status, JSON.stringify(ask)).toBe(200);
      expect(res.body.code, JSON.stringify(ask)).toBe(code);
      expect(res.body.valid).toBe(code === "VALID");
      if (required) expect(res.body.required, JSON.stringify(ask)).toEqual(required);
    }
  });

  it("says NOT_FOUND, REVOKED and EXPIRED without identifying the key", async () => {
    // A reset replaces the stored hash, so the old secret is simply unknown: NOT_FOUND.
    const h = await start();
    const { session } = await h.account();
    const deleted = await h.key(session);
    const reset = await h.key(session);
    const expiring = await h.key(session, { expires_at: "2030-01-01T01:00:00Z" });
    await h.inject("DELETE", `/api/v0/auth/apikeys/${deleted.id}/`, { key: session });
    await h.inject("POST", `/api/v0/auth/apikeys/${reset.id}/reset/`, { key: session });
    const unknown = generateKey();
    expect((await h.verify({ key: expiring.key })).body.code).toBe("VALID");
    h.advance(2 * 3600_000);
    const verdicts = {
      malformed: await h.verify({ key: "lk_definitely-not-a-key" }),
      unknown: await h.verify({ key: unknown }),
      deleted: await h.verify({ key: deleted.key }),
      reset: await h.verify({ key: reset.key }),
      expired: await h.verify({ key: expiring.key }),
    };
    expect(Object.values(verdicts).map((v) => v.body.code)).toEqual([
      "NOT_FOUND",
      "NOT_FOUND",
      "REVOKED",
      "NOT_FOUND",
      "EXPIRED",
    ]);
    for (const v of Object.values(verdicts)) {
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({
        valid: false,
        key_id: null,
        user_id: null,
        permissions: null,
      });
    }
  });

  it("does not accept console session keys", async () => {
    const h = await start();
    const { session } = await h.account();
    expect((await h.verify({ key: session })).body.code).toBe("NOT_FOUND");
  });

  it("checks the key's IP allow-list against `ip`, and needs `ip` when there is a list", async () => {
    const h = await start();
    const { session } = await h.account();
    const listed = await h.key(session, { key_params: { ip_whitelist: ["10.1.0.0/16", "::1"] } });
    const open = await h.key(session);
    expect((await h.verify({ key: listed.key, ip: "10.1.2.3" })).body.code).toBe("VALID");
    expect((await h.verify({ key: listed.key, ip: "::1" })).body.code).toBe("VALID");
    const outside = await h.verify({ key: listed.key, ip: "10.2.0.1" });
    expect(outside.body).toMatchObject({ valid: false, code: "IP_NOT_ALLOWED", key_id: null });
    // The calling service's own address (127.0.0.1 here) must not stand in for the client's.
    const listedLocal = await h.key(session, { key_params: { ip_whitelist: ["127.0.0.1"] } });
    expect((await h.verify({ key: listedLocal.key })).body.code).toBe("IP_NOT_ALLOWED");
    expect((await h.verify({ key: open.key, ip: "203.0.113.9" })).body.code).toBe("VALID");
  });

  it("records denied uses in the owner's audit log, without the secret", async () => {
    const h = await start();
    const { session } = await h.account();
    const scoped = await h.key(session, { permissions: oneInstance });
    await h.verify({ key: scoped.key, route: "api.instance.destroy", params: { id: 1227 } });
    const log = await h.inject("GET", "/api/v0/audit_logs/?action=api_key.denied", {
      key: session,
    });
    expect(log.body.audit_logs).toHaveLength(1);
    expect(log.body.audit_logs[0]).toMatchObject({
      api_key_id: scoped.id,
      api_route: "POST /api/v0/auth/verify/",
      args: { via: "verify", required: { category: "instance_write" } },
    });
    expect(JSON.stringify(log.body)).not.toContain(scoped.key);
  });

  it("answers RATE_LIMITED per caller IP once the minute's limit is used up", async () => {
    const h = await start({ LATCHKEY_VERIFY_RATE_LIMIT: "3" });
    const { session } = await h.account();
    const k = await h.key(session);
    for (let i = 0; i < 3; i++) expect((await h.verify({ key: k.key })).body.code).toBe("VALID");
    const limited = await h.verify({ key: k.key });
    expect(limited.status).toBe(200);
    expect(limited.body).toMatchObject({ valid: false, code: "RATE_LIMITED", key_id: null });
    expect(limited.body.retry_after).toBeGreaterThan(0);
    expect(limited.headers["retry-after"]).toBe(String(limited.body.retry_after));
    // Another caller has its own budget; the next window starts afresh.
    expect((await h.verify({ key: k.key }, "192.0.2.7")).body.code).toBe("VALID");
    h.advance(60_000);
    expect((await h.verify({ key: k.key })).body.code).toBe("VALID");
  });

  it("answers 400 to a malformed request: unknown route or category, mismatch, bad ip", async () => {
    const h = await start();
    const { session } = await h.account();
    const k = await h.key(session);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ key: k.key, route: "api.instance.explode" }, /^route: 'api.instance.explode' is not in/],
      [
        { key: k.key, category: "instance_write", route: "api.instance.show" },
        /is in the 'instance_read' category, not 'instance_write'/,
      ],
      [{ key: k.key, category: "instances" }, /^category/],
      [{ key: k.key, ip: "10.0.0.300" }, /^ip: not an IPv4 or IPv6 address/],
      [{ key: k.key, extra: 1 }, /unknown field 'extra'/],
      [{ route: "api.instance.show" }, /key/],
      [{ key: "" }, /^key/],
    ];
    for (const [body, msg] of bad) {
      const res = await h.verify(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe("invalid_request");
      expect(res.body.msg).toMatch(msg);
      expect(JSON.stringify(res.body)).not.toContain(k.key);
    }
  });
});

describe("operator routes (LATCHKEY_CATALOGUE_FILE)", () => {
  it("are listed, usable in trees, and enforced by verify", async () => {
    const dir = tempDir("latchkey-catalogue");
    const file = join(dir.path, "routes.json");
    writeFileSync(
      file,
      JSON.stringify([
        {
          method: "POST",
          path: "/v1/reports/",
          category: "misc",
          name: "reports.create",
          summary: "Create a report.",
        },
        { method: "get", path: "/v1/reports/{id}", category: "misc", name: "reports.show" },
      ]),
    );
    try {
      const h = await start({ LATCHKEY_CATALOGUE_FILE: file });
      const catalogue = await h.inject("GET", "/api/v0/permissions/");
      const misc = catalogue.body.categories.find((c: { name: string }) => c.name === "misc");
      expect(misc.routes).toContainEqual({
        method: "POST",
        path: "/v1/reports/",
        name: "reports.create",
        summary: "Create a report.",
        source: "operator",
      });
      const { session } = await h.account();
      const k = await h.key(session, {
        permissions: { api: { misc: { "reports.show": { constraints: { id: { lte: 10 } } } } } },
      });
      expect(
        (await h.verify({ key: k.key, route: "reports.show", params: { id: "7" } })).body.code,
      ).toBe("VALID");
      expect(
        (await h.verify({ key: k.key, route: "reports.show", params: { id: "11" } })).body.code,
      ).toBe("FORBIDDEN");
      expect((await h.verify({ key: k.key, route: "reports.create" })).body.code).toBe("FORBIDDEN");
    } finally {
      dir.remove();
    }
  });
});
