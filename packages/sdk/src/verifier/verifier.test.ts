import { createHash } from "node:crypto";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import fc from "fast-check";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Latchkey } from "../latchkey.js";
import { requireKey as expressRequireKey } from "../middleware/express.js";
import { requireKey as fastifyRequireKey } from "../middleware/fastify.js";
import { requireKey as honoRequireKey } from "../middleware/hono.js";
import { sha256, sha256Plain } from "./sha256.js";
import { EventParser } from "./sse.js";
import { digestOf, Verifier } from "./verifier.js";

const LEASE_MS = 1000;

/**
 * A TCP relay between a verifier and the server, which a test can cut (every connection
 * destroyed) or freeze (bytes held back, no connection closed: a partition the verifier can
 * only notice by its lease).
 */
async function relay(target: string): Promise<{
  url: string;
  cut(): void;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let frozen = false;
  const held: (() => void)[] = [];
  const pipe = (from: Socket, to: Socket) => {
    from.on("data", (chunk) => {
      if (frozen) held.push(() => to.write(chunk));
      else to.write(chunk);
    });
    from.on("close", () => to.destroy());
    from.on("error", () => to.destroy());
  };
  const server: Server = createServer((client: Socket) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut() {
      for (const s of sockets) s.destroy();
    },
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

describe("a question's cache key", () => {
  it("differs in every field, and holds no secret", () => {
    const base = { key: "lk_secretsecret", category: "user_read" as const, ip: "127.0.0.1" };
    const variants = [
      base,
      { ...base, key: "lk_secretsecreu" },
      { ...base, category: "user_write" as const },
      { ...base, route: "api.user.show" },
      { ...base, ip: "127.0.0.2" },
      { ...base, params: { id: 1 } },
      { ...base, params: { id: "1" } },
      { key: base.key, ip: base.ip },
      // The same text spread over other fields.
      { key: "lk_secretsecret\nuser_read", ip: "127.0.0.1" },
    ];
    const digests = variants.map((q) => digestOf(q));
    expect(new Set(digests).size).toBe(variants.length);
    for (const d of digests) expect(d).not.toContain("secret");
    expect(digestOf({ ...base })).toBe(digests[0]);
  });
});

describe("the SDK's Verifier on one SQLite node", () => {
  let server: TestServer;
  let session: string;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer(
      { LATCHKEY_VERIFIER_LEASE_MS: String(LEASE_MS) },
      { listen: true },
    );
    ({ session } = await signUpAndLogIn(server.url));
    const created = await call<{ token: string }>(server.url, "POST", "/api/v0/verifiers/", {
      key: session,
      body: { name: "sdk test" },
    });
    token = created.body.token;
  });
  afterAll(() => server.close());

  // In Node the verifier talks node:http by itself; given a fetch, it uses that instead.
  it.each([
    ["node:http", undefined],
    ["fetch", globalThis.fetch],
  ])(
    "answers a held verdict without a call, and a deleted key is refused on the very next verify (%s)",
    async (_transport, fetchImpl) => {
      const verifier = new Verifier({
        url: server.url,
        token,
        ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
      });
      await verifier.ready();
      expect(verifier.state()).toBe("trusted");
      const key = await createKey(server.url, session, { permissions: { api: { user_read: {} } } });
      const question = { key: key.key, category: "user_read" as const };
      expect(await verifier.verify(question)).toMatchObject({ valid: true, key_id: key.id });
      const calls = verifier.stats.calls;
      for (let i = 0; i < 20; i++) {
        expect((await verifier.verify(question)).valid).toBe(true);
      }
      expect(verifier.stats.calls, "a held verdict made a network call").toBe(calls);
      // Another question about the same key is asked once.
      expect((await verifier.verify({ key: key.key, category: "user_write" })).code).toBe(
        "FORBIDDEN",
      );
      expect(verifier.stats.calls).toBe(calls + 1);

      const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
        key: session,
      });
      expect(deleted.status).toBe(200);
      expect(await verifier.verify(question)).toMatchObject({ valid: false, code: "REVOKED" });
      await verifier.close();
      expect(verifier.state()).toBe("closed");
      // Closed, it still answers, through the server every time.
      const before = verifier.stats.calls;
      expect(await verifier.verify(question)).toMatchObject({ valid: false, code: "REVOKED" });
      expect(verifier.stats.calls).toBe(before + 1);
    },
  );

  it("is made, listed and deleted through the client; a deleted one's service verifies through the API", async () => {
    const client = new Latchkey({ url: server.url, apiKey: session, env: {}, retries: 0 });
    const made = await client.createVerifier({ name: "client-made" });
    expect(made).toMatchObject({ success: true, name: "client-made" });
    expect(made.token.startsWith(made.prefix)).toBe(true);
    const verifier = new Verifier({ url: server.url, token: made.token });
    await verifier.ready();
    const listed = (await client.listVerifiers()).find((v) => v.id === made.id);
    expect(listed).toMatchObject({ name: "client-made", connected: true, last4: made.last4 });
    expect(JSON.stringify(await client.listVerifiers())).not.toContain(made.token);

    const key = await createKey(server.url, session);
    expect((await verifier.verify({ key: key.key })).valid).toBe(true);
    await client.deleteVerifier(made.id);
    expect((await client.listVerifiers()).some((v) => v.id === made.id)).toBe(false);
    // Its stream was ended (the verifier hears of it a moment later), and its token is
    // refused from then on.
    await expect.poll(() => verifier.state()).not.toBe("trusted");
    await expect(verifier.verify({ key: key.key })).rejects.toMatchObject({ status: 401 });
    await expect(client.deleteVerifier(made.id)).rejects.toMatchObject({ status: 404 });
    await verifier.close();
  });

  it("answers on a connection only the question asked: another key, field or a revocation is never answered from the connection's memo", async () => {
    const verifier = new Verifier({ url: server.url, token });
    await verifier.ready();
    const [a, b] = [
      await createKey(server.url, session, { permissions: { api: { user_read: {} } } }),
      await createKey(server.url, session, { permissions: { api: { user_read: {} } } }),
    ];
    const keys = [a.key, b.key, `${a.key.slice(0, -1)}x`];
    const categories = ["user_read", "user_write", undefined] as const;
    const ips = ["127.0.0.1", "10.0.0.9", undefined];
    const paramsOf = [undefined, { id: 1 }, { id: "1" }];
    // The verifier holds verdicts for part of the questions, not all of them.
    for (const key of [a.key, b.key]) {
      await verifier.verify({ key, category: "user_read", ip: "127.0.0.1" });
      await verifier.verify({ key, category: "user_read", ip: "10.0.0.9", params: { id: 1 } });
      await verifier.verify({ key });
    }
    const connections = [{}, {}, {}];
    // On any connection, in any order, the answer is the one asked without a connection.
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            on: fc.nat(connections.length - 1),
            key: fc.nat(keys.length - 1),
            category: fc.nat(categories.length - 1),
            ip: fc.nat(ips.length - 1),
            params: fc.nat(paramsOf.length - 1),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (asked) => {
          for (const q of asked) {
            const question = {
              key: keys[q.key] ?? "",
              category: categories[q.category],
              ip: ips[q.ip],
              params: paramsOf[q.params],
            };
            expect(verifier.cached(question, connections[q.on])).toBe(verifier.cached(question));
          }
        },
      ),
    );
    const asked = { key: a.key, category: "user_read" as const, ip: "127.0.0.1" };
    const connection = {};
    expect(verifier.cached(asked, connection)).toMatchObject({ key_id: a.id });
    expect(verifier.cached({ ...asked, key: b.key }, connection)).toMatchObject({ key_id: b.id });
    expect(verifier.cached({ ...asked, category: "user_write" }, connection)).toBeUndefined();
    expect(verifier.cached(asked, connection)).toMatchObject({ key_id: a.id });
    // A delete reaches the verdict whatever a connection remembers of its question.
    const deleted = await call(server.url, "DELETE", `/api/v0/auth/apikeys/${a.id}/`, {
      key: session,
    });
    expect(deleted.status).toBe(200);
    expect(verifier.cached(asked, connection)).toBeUndefined();
    expect(await verifier.verify(asked)).toMatchObject({ valid: false, code: "REVOKED" });
    await verifier.close();
  });

  it("drops a reset key's old secret before the reset answers; the new one works at once", async () => {
    const verifier = new Verifier({ url: server.url, token });
    await verifier.ready();
    const key = await createKey(server.url, session);
    expect((await verifier.verify({ key: key.key })).valid).toBe(true);
    const reset = await call<{ key: string }>(
      server.url,
      "POST",
      `/api/v0/auth/apikeys/${key.id}/reset/`,
      { key: session, body: {} },
    );
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    // The old secret no longer matches any key.
    expect(await verifier.verify({ key: key.key })).toMatchObject({
      valid: false,
      code: "NOT_FOUND",
    });
    expect((await verifier.verify({ key: reset.body.key })).valid).toBe(true);
    await verifier.close();
  });

  it("keeps a superseded secret only until its grace window ends", async () => {
    const verifier = new Verifier({ url: server.url, token });
    await verifier.ready();
    const key = await createKey(server.url, session);
    await call(server.url, "POST", `/api/v0/auth/apikeys/${key.id}/reset/`, {
      key: session,
      body: { grace_seconds: 1 },
    });
    const during = await verifier.verify({ key: key.key });
    expect(during.valid).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await verifier.verify({ key: key.key })).code).toBe("REVOKED");
    await verifier.close();
  });

  it("rejects ready() for a token the server refuses, and for a deleted verifier", async () => {
    const bogus = new Verifier({ url: server.url, token: "lkv_notatoken" });
    await expect(bogus.ready()).rejects.toMatchObject({ status: 401 });
    await bogus.close();
    const created = await call<{ id: number; token: string }>(
      server.url,
      "POST",
      "/api/v0/verifiers/",
      { key: session, body: { name: "short-lived" } },
    );
    const verifier = new Verifier({ url: server.url, token: created.body.token });
    await verifier.ready();
    await call(server.url, "DELETE", `/api/v0/verifiers/${created.body.id}/`, { key: session });
    await expect.poll(() => verifier.state()).not.toBe("trusted");
    await expect(verifier.ready()).rejects.toMatchObject({ status: 401 });
    await verifier.close();
    expect(() => new Verifier({ url: "ftp://x", token })).toThrow(/url/);
    expect(() => new Verifier({ url: server.url, token: "" })).toThrow(/token/);
  });

  it("stops answering from its cache when its stream is cut, and recovers after reconnecting", async () => {
    const proxy = await relay(server.url);
    const verifier = new Verifier({ url: proxy.url, token, timeoutMs: 300 });
    try {
      await verifier.ready();
      const key = await createKey(server.url, session);
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
      proxy.cut();
      await expect.poll(() => verifier.state(), { timeout: 2000 }).not.toBe("trusted");
      // It reconnects by itself, with an empty cache: the next verify is a call.
      await verifier.ready();
      const calls = verifier.stats.calls;
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
      expect(verifier.stats.calls).toBe(calls + 1);
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
      expect(verifier.stats.calls).toBe(calls + 1);
    } finally {
      await verifier.close();
      await proxy.close();
    }
  });

  it("stops answering from its cache within its lease when the stream goes silent", async () => {
    const proxy = await relay(server.url);
    const verifier = new Verifier({ url: proxy.url, token, timeoutMs: 200 });
    try {
      await verifier.ready();
      const key = await createKey(server.url, session);
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
      const hits = verifier.stats.hits;
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
      expect(verifier.stats.hits).toBe(hits + 1);
      // Nothing closes; bytes simply stop flowing. Within one lease the cache stops answering.
      proxy.freeze();
      const frozenAt = performance.now();
      await expect
        .poll(() => verifier.state(), { timeout: LEASE_MS + 500, interval: 20 })
        .not.toBe("trusted");
      expect(performance.now() - frozenAt).toBeLessThanOrEqual(LEASE_MS + 100);
      // A question it holds a verdict for now goes to the server (unreachable: it fails).
      await expect(verifier.verify({ key: key.key })).rejects.toThrow();
      proxy.thaw();
      await verifier.ready();
      expect((await verifier.verify({ key: key.key })).valid).toBe(true);
    } finally {
      await verifier.close();
      await proxy.close();
    }
  });

  it("guards Fastify, Express and Hono routes with requireKey({ verifier })", async () => {
    const verifier = new Verifier({ url: server.url, token });
    await verifier.ready();
    const app = Fastify();
    app.get(
      "/things",
      { preHandler: fastifyRequireKey({ verifier, category: "user_read" }) },
      async (request) => ({ key: request.latchkey?.keyId }),
    );
    await app.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/things`;
    try {
      const key = await createKey(server.url, session);
      const auth = { headers: { authorization: `Bearer ${key.key}` } };
      expect((await fetch(url, auth)).status).toBe(200);
      const calls = verifier.stats.calls;
      expect(await (await fetch(url, auth)).json()).toEqual({ key: key.id });
      expect(verifier.stats.calls).toBe(calls);
      await call(server.url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, { key: session });
      const refused = await fetch(url, auth);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ error: "invalid_api_key" });
      expect((await fetch(url)).status).toBe(401);
      // The other frameworks take the option too, and refuse it beside a client or cache.
      expect(typeof expressRequireKey({ verifier, category: "user_read" })).toBe("function");
      expect(typeof honoRequireKey({ verifier, category: "user_read" })).toBe("function");
      expect(() => fastifyRequireKey({ verifier, cache: { ttlMs: 1000 } })).toThrow(/either/);
    } finally {
      await app.close();
      await verifier.close();
    }
  });
});

describe("the verifier's pieces", () => {
  it("hashes like SHA-256, with Node's crypto and without", () => {
    for (const text of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(130), "hé ✓"]) {
      const expected = createHash("sha256").update(text).digest();
      expect(sha256Plain(text)).toBe(expected.toString("hex"));
      expect(sha256(text)).toBe(expected.toString("base64"));
    }
  });

  it("parses Server-Sent Events however the bytes are split", () => {
    const text =
      'event: hello\ndata: {"seq":0}\n\n: comment\n\nevent: invalidate\r\ndata: {"seq":1,\r\ndata: "key_ids":[3]}\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 7, bytes.length]) {
      const parser = new EventParser();
      const events = [];
      for (let i = 0; i < bytes.length; i += size)
        events.push(...parser.push(bytes.slice(i, i + size)));
      expect(events).toEqual([
        { event: "hello", data: '{"seq":0}' },
        { event: "invalidate", data: '{"seq":1,\n"key_ids":[3]}' },
      ]);
    }
  });
});
