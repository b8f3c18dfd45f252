import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { errorCatalogue } from "@latchkey/core";
import { signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Latchkey } from "../latchkey.js";
import { Verifier } from "../verifier/verifier.js";
import { denialCatalogue } from "./denial.js";
import { requireKey as expressRequireKey } from "./express.js";
import { requireKey as fastifyRequireKey } from "./fastify.js";
import { requireKey as honoRequireKey, type LatchkeyEnv } from "./hono.js";
import type { RequireKeyOptions } from "./requireKey.js";
import { VerdictCache } from "./verdictCache.js";

/**
 * One battery for the three frameworks: each serves the same two routes behind `requireKey`
 * and answers with the verified key, against a real Latchkey server.
 */
interface Protected {
  url: string;
  close(): Promise<void>;
}

/**
 * What each test app serves, behind requireKey with `base` (a client, with or without a
 * cache, or a verifier). `/instances/:id` takes its params from the path; `/fragile` from a
 * params function that throws.
 */
type Mount = (
  base: Pick<RequireKeyOptions<unknown>, "client" | "cache" | "verifier">,
) => Promise<Protected>;

const throwingParams = (): Record<string, unknown> => {
  throw new Error("params could not be read");
};

const frameworks: Record<string, Mount> = {
  express: async (base) => {
    const app = express();
    app.get(
      "/instances/:id",
      expressRequireKey({
        ...base,
        route: "api.instance.show",
        params: (req) => ({ id: req.params.id }),
      }),
      (req, res) => {
        res.json({ latchkey: req.latchkey });
      },
    );
    app.get("/account", expressRequireKey({ ...base, category: "user_read" }), (req, res) => {
      res.json({ latchkey: req.latchkey });
    });
    app.get(
      "/fragile",
      expressRequireKey({ ...base, category: "user_read", params: throwingParams }),
      (_req, res) => {
        res.json({});
      },
    );
    app.get("/misconfigured", expressRequireKey({ ...base, route: "api.nope" }), (_req, res) => {
      res.json({});
    });
    const server = app.listen(0, "127.0.0.1");
    await new Promise((done) => server.once("listening", done));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((done) => server.close(() => done())),
    };
  },
  fastify: async (base) => {
    const app = Fastify();
    app.get(
      "/instances/:id",
      {
        preHandler: fastifyRequireKey({
          ...base,
          route: "api.instance.show",
          params: (req) => ({ id: (req.params as { id: string }).id }),
        }),
      },
      async (request) => ({ latchkey: request.latchkey }),
    );
    app.get(
      "/account",
      { preHandler: fastifyRequireKey({ ...base, category: "user_read" }) },
      async (request) => ({ latchkey: request.latchkey }),
    );
    app.get(
      "/fragile",
      {
        preHandler: fastifyRequireKey({ ...base, category: "user_read", params: throwingParams }),
      },
      async () => ({}),
    );
    app.get(
      "/misconfigured",
      { preHandler: fastifyRequireKey({ ...base, route: "api.nope" }) },
      async () => ({}),
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      close: () => app.close(),
    };
  },
  hono: async (base) => {
    const app = new Hono<LatchkeyEnv>();
    app.get(
      "/instances/:id",
      honoRequireKey({
        ...base,
        route: "api.instance.show",
        params: (c) => ({ id: c.req.param("id") }),
      }),
      (c) => c.json({ latchkey: c.get("latchkey") }),
    );
    app.get("/account", honoRequireKey({ ...base, category: "user_read" }), (c) =>
      c.json({ latchkey: c.get("latchkey") }),
    );
    app.get(
      "/fragile",
      honoRequireKey({ ...base, category: "user_read", params: throwingParams }),
      (c) => c.json({}),
    );
    app.get("/misconfigured", honoRequireKey({ ...base, route: "api.nope" }), (c) => c.json({}));
    app.onError((_err, c) => c.json({ error: "misconfigured" }, 500));
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((done) => server.once("listening", done));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((done) => server.close(() => done(undefined))),
    };
  },
};

let latchkey: TestServer;
let owner: Latchkey;
let userId: number;
/** The protected apps listen; their client reaches the in-process Latchkey through its fetch. */
const service = () =>
  new Latchkey({ url: latchkey.url, fetch: latchkey.fetch, env: {}, retries: 0 });

beforeAll(async () => {
  latchkey = await startTestServer();
  const account = await signUpAndLogIn(latchkey.url);
  owner = new Latchkey({
    url: latchkey.url,
    fetch: latchkey.fetch,
    apiKey: account.session,
    env: {},
  });
  userId = account.userId;
});
afterAll(() => latchkey.close());

async function get(url: string, key?: string) {
  const res = await fetch(url, key === undefined ? {} : { headers: { authorization: key } });
  const text = await res.text();
  // Frameworks' own 500 pages may be HTML.
  const body = (text.startsWith("{") ? JSON.parse(text) : { text }) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body };
}

const catalogued = (code: keyof typeof denialCatalogue) => ({
  success: false,
  error: code,
  msg: denialCatalogue[code].msg,
});

it("answers with the server's own catalogued statuses and messages", () => {
  for (const [code, entry] of Object.entries(denialCatalogue)) {
    expect(errorCatalogue[code as keyof typeof errorCatalogue], code).toEqual(entry);
  }
});

describe.each(Object.entries(frameworks))("requireKey for %s", (_name, mount) => {
  let app: Protected;
  beforeAll(async () => {
    app = await mount({ client: service() });
  });
  afterAll(() => app.close());

  it("lets a key with the route through and attaches the verified key", async () => {
    const key = await owner.createApiKey({
      name: "1227",
      permissions: {
        api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 1227 } } } } },
      },
    });
    const ok = await get(`${app.url}/instances/1227`, `Bearer ${key.key}`);
    expect(ok.status).toBe(200);
    expect(ok.body.latchkey).toEqual({
      keyId: key.id,
      userId,
      accountKind: "person",
      memberId: null,
      role: null,
      permissions: key.permissions,
      expiresAt: null,
    });
    const other = await get(`${app.url}/instances/1228`, `Bearer ${key.key}`);
    expect(other.status).toBe(403);
    expect(other.body).toEqual({
      success: false,
      error: "permission_denied",
      msg: "Permission denied: the key's constraint on 'id' does not allow this request.",
      required: { category: "instance_read", route: "api.instance.show", param: "id" },
    });
  });

  it("attaches a team key's team, member and role; a narrowed role refuses it at once", async () => {
    const person = await signUpAndLogIn(latchkey.url);
    const me = new Latchkey({
      url: latchkey.url,
      fetch: latchkey.fetch,
      apiKey: person.session,
      env: {},
    });
    const team = await me.createTeam({ team_name: "middleware" });
    const tree = { api: { instance_read: {}, user_read: {} } };
    const key = await me.createApiKey({ name: "team", team_id: team.id, permissions: tree });
    const admin = await me.createApiKey({ name: "admin", team_id: team.id });
    const teamClient = new Latchkey({
      url: latchkey.url,
      fetch: latchkey.fetch,
      apiKey: admin.key,
      env: {},
    });
    const ok = await get(`${app.url}/instances/5`, `Bearer ${key.key}`);
    expect(ok.status).toBe(200);
    expect(ok.body.latchkey).toEqual({
      keyId: key.id,
      userId: team.id,
      accountKind: "team",
      memberId: person.userId,
      role: "owner",
      permissions: tree,
      expiresAt: null,
    });
    // The owner's role is never narrowed; a member's is.
    const member = await signUpAndLogIn(latchkey.url);
    const invited = await teamClient.inviteMember({ email: member.email, role: "member" });
    const them = new Latchkey({
      url: latchkey.url,
      fetch: latchkey.fetch,
      apiKey: member.session,
      env: {},
    });
    await them.acceptInvitation(invited.token);
    const theirs = await them.createApiKey({
      name: "m",
      team_id: team.id,
      permissions: { api: { instance_read: {} } },
    });
    expect(
      (await get(`${app.url}/instances/5`, `Bearer ${theirs.key}`)).body.latchkey,
    ).toMatchObject({
      accountKind: "team",
      memberId: member.userId,
      role: "member",
    });
    await teamClient.updateRole("member", { permissions: { api: { instance_write: {} } } });
    const narrowed = await get(`${app.url}/instances/5`, `Bearer ${theirs.key}`);
    expect(narrowed.status).toBe(403);
  });

  it("answers 403 to a key without the category", async () => {
    const key = await owner.createApiKey({
      name: "i",
      permissions: { api: { instance_read: {} } },
    });
    expect((await get(`${app.url}/instances/5`, `Bearer ${key.key}`)).status).toBe(200);
    const denied = await get(`${app.url}/account`, `Bearer ${key.key}`);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: "permission_denied",
      required: { category: "user_read" },
    });
  });

  it("answers 401 without a key, with a malformed header, an unknown or a deleted key", async () => {
    expect(await get(`${app.url}/account`)).toMatchObject({
      status: 401,
      body: catalogued("auth_required"),
    });
    const basic = await get(`${app.url}/account`, "Basic dXNlcjpwYXNz");
    expect(basic).toMatchObject({ status: 401, body: { error: "malformed_api_key" } });
    const unknown = await get(`${app.url}/account`, "Bearer lk_unknown");
    expect(unknown).toMatchObject({ status: 401, body: catalogued("invalid_api_key") });
    const key = await owner.createApiKey({ name: "gone" });
    expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
    await owner.deleteApiKey(key.id);
    const deleted = await get(`${app.url}/account`, `Bearer ${key.key}`);
    expect(deleted).toMatchObject({ status: 401, body: catalogued("invalid_api_key") });
  });

  it("checks the key's IP allow-list against the client's address", async () => {
    const elsewhere = await owner.createApiKey({
      name: "elsewhere",
      key_params: { ip_whitelist: ["203.0.113.0/24"] },
    });
    const here = await owner.createApiKey({
      name: "here",
      key_params: { ip_whitelist: ["127.0.0.1"] },
    });
    const refused = await get(`${app.url}/account`, `Bearer ${elsewhere.key}`);
    expect(refused).toMatchObject({ status: 403, body: catalogued("ip_not_allowed") });
    expect((await get(`${app.url}/account`, `Bearer ${here.key}`)).status).toBe(200);
  });

  it("throws (500) when the route it protects names no catalogued route", async () => {
    const key = await owner.createApiKey({ name: "any" });
    expect((await get(`${app.url}/misconfigured`, `Bearer ${key.key}`)).status).toBe(500);
  });

  it("answers 500 when the params function throws", async () => {
    const key = await owner.createApiKey({ name: "fragile" });
    expect((await get(`${app.url}/fragile`, `Bearer ${key.key}`)).status).toBe(500);
  });
});

describe.each(Object.entries(frameworks))("requireKey({ verifier }) for %s", (_name, mount) => {
  // The verifier keeps a stream to its server: this one listens on a socket.
  let server: TestServer;
  let me: Latchkey;
  let verifier: Verifier;
  let app: Protected;
  beforeAll(async () => {
    server = await startTestServer({}, { listen: true });
    const account = await signUpAndLogIn(server.url);
    me = new Latchkey({ url: server.url, apiKey: account.session, env: {} });
    const { token } = await me.createVerifier({ name: "middleware battery" });
    verifier = new Verifier({ url: server.url, token });
    await verifier.ready();
    app = await mount({ verifier });
  });
  afterAll(async () => {
    await app.close();
    await verifier.close();
    await server.close();
  });

  it("answers a held verdict without a call, checks constraints, and refuses a deleted key on the next request", async () => {
    const key = await me.createApiKey({
      name: "held",
      permissions: {
        api: {
          user_read: {},
          instance_read: { "api.instance.show": { constraints: { id: { eq: 7 } } } },
        },
      },
    });
    expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
    const calls = verifier.stats.calls;
    const again = await get(`${app.url}/account`, `Bearer ${key.key}`);
    expect(again.status).toBe(200);
    expect(again.body.latchkey).toMatchObject({ keyId: key.id, accountKind: "person" });
    expect(verifier.stats.calls, "a held verdict asked the server").toBe(calls);
    expect((await get(`${app.url}/instances/7`, `Bearer ${key.key}`)).status).toBe(200);
    expect((await get(`${app.url}/instances/8`, `Bearer ${key.key}`)).status).toBe(403);
    expect((await get(`${app.url}/instances/7`, `Bearer ${key.key}`)).status).toBe(200);

    await me.deleteApiKey(key.id);
    expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(401);
    expect((await get(`${app.url}/instances/7`, `Bearer ${key.key}`)).status).toBe(401);
  });

  it("refuses a missing or malformed header, and answers 500 when params throw or the route is unknown", async () => {
    const key = await me.createApiKey({ name: "edge" });
    expect(await get(`${app.url}/account`)).toMatchObject({
      status: 401,
      body: catalogued("auth_required"),
    });
    expect((await get(`${app.url}/account`, "Basic abc")).status).toBe(401);
    expect((await get(`${app.url}/fragile`, `Bearer ${key.key}`)).status).toBe(500);
    expect((await get(`${app.url}/misconfigured`, `Bearer ${key.key}`)).status).toBe(500);
    // Nothing of that broke the app: a held verdict still passes.
    expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
    expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
  });
});

describe.each(Object.entries(frameworks))("requireKey for %s, edge cases", (_name, mount) => {
  it("fails closed with 503 when Latchkey cannot be reached", async () => {
    // A server that listened and stopped: its port refuses connections.
    const gone = await startTestServer({}, { listen: true });
    await gone.close();
    const app = await mount({ client: new Latchkey({ url: gone.url, env: {}, retries: 0 }) });
    try {
      const key = await owner.createApiKey({ name: "x" });
      const res = await get(`${app.url}/account`, `Bearer ${key.key}`);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, error: "unavailable" });
    } finally {
      await app.close();
    }
  });

  it("answers 429 with Retry-After when Latchkey rate-limits the verification", async () => {
    const limited = await startTestServer({ LATCHKEY_VERIFY_RATE_LIMIT: "2" });
    const app = await mount({
      client: new Latchkey({ url: limited.url, fetch: limited.fetch, env: {}, retries: 0 }),
    });
    try {
      const { session } = await signUpAndLogIn(limited.url);
      const key = await new Latchkey({
        url: limited.url,
        fetch: limited.fetch,
        apiKey: session,
        env: {},
      }).createApiKey({ name: "busy" });
      for (let i = 0; i < 2; i++) {
        expect((await get(`${app.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
      }
      const res = await get(`${app.url}/account`, `Bearer ${key.key}`);
      expect(res).toMatchObject({ status: 429, body: catalogued("rate_limited") });
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await app.close();
      await limited.close();
    }
  });

  it("with a verdict cache, reuses a verdict for at most its ttl; without, revocation is immediate", async () => {
    const cache = new VerdictCache({ ttlMs: 60_000 });
    const cached = await mount({ client: service(), cache });
    const uncached = await mount({ client: service() });
    try {
      const key = await owner.createApiKey({ name: "cached" });
      expect((await get(`${cached.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
      expect((await get(`${uncached.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
      expect(cache.size).toBe(1);
      await owner.deleteApiKey(key.id);
      // The documented staleness: the cached process still accepts it within the ttl.
      expect((await get(`${cached.url}/account`, `Bearer ${key.key}`)).status).toBe(200);
      expect((await get(`${uncached.url}/account`, `Bearer ${key.key}`)).status).toBe(401);
      cache.clear();
      expect((await get(`${cached.url}/account`, `Bearer ${key.key}`)).status).toBe(401);
      expect(cache.size).toBe(0);
    } finally {
      await cached.close();
      await uncached.close();
    }
  });
});
