import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { call, createKey, signUpAndLogIn, startCluster, type TestCluster } from "@latchkey/testkit";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireKey } from "../middleware/fastify.js";
import { Verifier } from "./verifier.js";

/**
 * The proof of the verifier's guarantee (docs/revocation.md, "Verifiers"): three server
 * processes on one PostgreSQL schema and two protected services, each verifying keys with a
 * `Verifier` connected (through a relay standing for a load balancer) to a different node.
 * Several connections per service use a set of keys while each key is revoked through one
 * node or another; no request that starts after the revoking call's answer may be accepted
 * by either service. Then: a service whose node dies stops answering from its cache within
 * its lease and recovers through another node; a verifier that never acknowledges delays a
 * delete by at most its lease bound, and costs its node nothing.
 */

const NODE_LEASE_MS = 1000;
const VERIFIER_LEASE_MS = 1000;

/**
 * A TCP relay whose target can change (a load balancer moving a service to another node),
 * adding `latencyMs` each way, as a service in another zone would see: an invalidation then
 * takes that long to reach the verifier, so a revocation that did not wait for it would answer
 * while the service still accepts the key.
 */
async function relay(target: string, latencyMs = 0) {
  let to = new URL(target);
  const sockets = new Set<Socket>();
  const forward = (from: Socket, into: Socket) => {
    from.on("data", (chunk) => {
      if (latencyMs === 0) into.write(chunk);
      else setTimeout(() => into.write(chunk), latencyMs);
    });
    from.on("close", () => setTimeout(() => into.destroy(), latencyMs));
  };
  const server: Server = createServer((client: Socket) => {
    const upstream = connect(Number(to.port), to.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    retarget(url: string) {
      to = new URL(url);
    },
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

interface Service {
  url: string;
  verifier: Verifier;
  app: FastifyInstance;
}

/** A protected service: one route behind requireKey({ verifier }). */
async function protectedService(latchkeyUrl: string, token: string): Promise<Service> {
  const verifier = new Verifier({ url: latchkeyUrl, token, timeoutMs: 2000 });
  await verifier.ready();
  const app = Fastify();
  app.get(
    "/work",
    { preHandler: requireKey({ verifier, category: "user_read" }) },
    async (request) => ({ key: request.latchkey?.keyId }),
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/work`,
    verifier,
    app,
  };
}

interface Shot {
  service: number;
  secret: string;
  start: number;
  status: number;
}

/** Several connections per service, each using every secret in turn, until stopped. */
function load(services: Service[], secrets: () => string[], connections = 4) {
  const shots: Shot[] = [];
  let running = true;
  const loops: Promise<void>[] = [];
  for (const [index, service] of services.entries()) {
    for (let c = 0; c < connections; c++) {
      loops.push(
        (async () => {
          let turn = c;
          while (running) {
            const all = secrets();
            const secret = all[turn++ % all.length] as string;
            const start = performance.now();
            const response = await fetch(service.url, {
              headers: { authorization: `Bearer ${secret}` },
            });
            await response.arrayBuffer();
            shots.push({ service: index, secret, start, status: response.status });
          }
        })(),
      );
    }
  }
  return {
    shots,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Waits until each service has answered `secret` `count` times since `from`. */
async function until(shots: Shot[], services: number, secret: string, from: number, count = 5) {
  for (let i = 0; i < 400; i++) {
    const done = Array.from({ length: services }, (_, s) => s).every(
      (s) =>
        shots.filter((x) => x.service === s && x.secret === secret && x.start > from).length >=
        count,
    );
    if (done) return;
    await sleep(10);
  }
  throw new Error("the load stalled");
}

/**
 * One way of taking a secret away, through a given node. Role narrowing and member removal
 * (teams, being built alongside) belong here too: each is a revocation of the keys it
 * narrows, and the same checks apply to them unchanged.
 */
interface Revocation {
  name: string;
  revoke(url: string, session: string, key: { id: number; key: string }): Promise<void>;
}

const revocations: Revocation[] = [
  {
    name: "delete",
    async revoke(url, session, key) {
      const answer = await call(url, "DELETE", `/api/v0/auth/apikeys/${key.id}/`, { key: session });
      expect(answer.status).toBe(200);
    },
  },
  {
    name: "reset",
    async revoke(url, session, key) {
      const answer = await call(url, "POST", `/api/v0/auth/apikeys/${key.id}/reset/`, {
        key: session,
        body: {},
      });
      expect(answer.status).toBe(200);
    },
  },
  {
    name: "reset through Vast's command",
    async revoke(url, session, key) {
      const answer = await call(url, "PUT", "/api/v0/commands/reset_apikey/", {
        key: session,
        body: { id: key.id },
      });
      expect(answer.status).toBe(200);
    },
  },
];

describe("verifiers on three PostgreSQL nodes", () => {
  let cluster: TestCluster;
  let urls: string[];
  let session: string;
  beforeAll(async () => {
    cluster = await startCluster(3, {
      LATCHKEY_NODE_LEASE_MS: String(NODE_LEASE_MS),
      LATCHKEY_VERIFIER_LEASE_MS: String(VERIFIER_LEASE_MS),
    });
    urls = cluster.urls;
    ({ session } = await signUpAndLogIn(urls[0] ?? ""));
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const newVerifierToken = async (name: string) => {
    const created = await call<{ token: string }>(urls[0] ?? "", "POST", "/api/v0/verifiers/", {
      key: session,
      body: { name },
    });
    expect(created.status).toBe(200);
    return created.body.token;
  };

  it("no request that starts after a revocation's answer is accepted by either service", async () => {
    const relays = [await relay(urls[1] ?? "", 25), await relay(urls[2] ?? "", 25)];
    const services = [
      await protectedService(relays[0]?.url ?? "", await newVerifierToken("service one")),
      await protectedService(relays[1]?.url ?? "", await newVerifierToken("service two")),
    ];
    try {
      const keys = [];
      for (let i = 0; i < 9; i++) {
        keys.push(
          await createKey(urls[i % 3] ?? "", session, { permissions: { api: { user_read: {} } } }),
        );
      }
      const live = new Set(keys.map((k) => k.key));
      const traffic = load(services, () => [...live]);
      const done: { secret: string; answeredAt: number; name: string; via: number }[] = [];
      try {
        for (const [i, key] of keys.entries()) {
          // Both services have accepted the key (and hold its verdict) before it is revoked.
          await until(traffic.shots, services.length, key.key, 0, 3);
          const revocation = revocations[i % revocations.length] as Revocation;
          const via = (i + Math.floor(i / 3)) % 3;
          await revocation.revoke(urls[via] ?? "", session, key);
          const answeredAt = performance.now();
          done.push({ secret: key.key, answeredAt, name: revocation.name, via });
          // The load keeps using the revoked secret for a while after the answer.
          await until(traffic.shots, services.length, key.key, answeredAt, 5);
          live.delete(key.key);
        }
      } finally {
        await traffic.stop();
      }
      for (const { secret, answeredAt, name, via } of done) {
        const before = traffic.shots.filter((s) => s.secret === secret && s.start < answeredAt);
        expect(
          before.some((s) => s.status === 200),
          `${name}: accepted before`,
        ).toBe(true);
        const after = traffic.shots.filter((s) => s.secret === secret && s.start > answeredAt);
        expect(after.length).toBeGreaterThanOrEqual(10);
        const accepted = after.filter((s) => s.status !== 401);
        expect(accepted, `${name} through node ${via}: accepted after the answer`).toEqual([]);
      }
      // The services answered from their caches (no network round trip) most of the time.
      for (const service of services) {
        expect(service.verifier.stats.hits).toBeGreaterThan(service.verifier.stats.calls);
        expect(service.verifier.state()).toBe("trusted");
      }
      // And the list shows both verifiers connected, each to its node.
      const listed = await call<{
        verifiers: { name: string; connected: boolean; node: string }[];
      }>(urls[0] ?? "", "GET", "/api/v0/verifiers/", { key: session });
      const connected = listed.body.verifiers.filter((v) => v.connected).map((v) => v.name);
      expect(connected).toEqual(expect.arrayContaining(["service one", "service two"]));
    } finally {
      for (const s of services) {
        s.verifier.close();
        await s.app.close();
      }
      for (const r of relays) await r.close();
    }
  });

  it("a verifier that never acknowledges delays a delete by at most its lease bound, and its node stays", async () => {
    const token = await newVerifierToken("silent service");
    const abort = new AbortController();
    const connectedAt = performance.now();
    const stream = await fetch(`${urls[1]}/api/v0/verifiers/stream/`, {
      headers: { authorization: `Bearer ${token}` },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.getReader();
    const seen: string[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) break;
          seen.push(decoder.decode(chunk.value));
        }
      } catch {
        // aborted
      }
    })();
    await expect.poll(() => seen.join("").includes("event: hello")).toBe(true);
    const key = await createKey(urls[0] ?? "", session);
    const started = performance.now();
    const deleted = await call(urls[0] ?? "", "DELETE", `/api/v0/auth/apikeys/${key.id}/`, {
      key: session,
    });
    const tookMs = performance.now() - started;
    expect(deleted.status).toBe(200);
    // It waited for the lease granted at the hello to run out (never more than the node's own
    // lease has left, so at most VERIFIER_LEASE_MS)...
    const granted = Number(/"lease_ms":(\d+)/.exec(seen.join(""))?.[1]);
    expect(granted).toBeGreaterThan(0);
    expect(granted).toBeLessThanOrEqual(VERIFIER_LEASE_MS);
    expect(performance.now() - connectedAt).toBeGreaterThanOrEqual(granted);
    // ...and no longer than the bound, its lease, plus the barrier's own round trips.
    expect(tookMs).toBeLessThanOrEqual(VERIFIER_LEASE_MS + 500);
    await reading;
    expect(seen.join("")).toContain("event: cut");
    // The node that served it acknowledged in time: nobody evicted it.
    for (const node of cluster.nodes) expect(node.output()).not.toMatch(/evicted them/);
    abort.abort();
  });

  it("a service whose node dies stops answering from its cache within its lease and recovers through another", async () => {
    const balancer = await relay(urls[2] ?? "");
    const service = await protectedService(balancer.url, await newVerifierToken("moving service"));
    try {
      const key = await createKey(urls[0] ?? "", session, {
        permissions: { api: { user_read: {} } },
      });
      const auth = { headers: { authorization: `Bearer ${key.key}` } };
      expect((await fetch(service.url, auth)).status).toBe(200);
      const hits = service.verifier.stats.hits;
      expect((await fetch(service.url, auth)).status).toBe(200);
      expect(service.verifier.stats.hits).toBe(hits + 1);

      await cluster.nodes[2]?.stop("SIGKILL");
      const killedAt = performance.now();
      await expect
        .poll(() => service.verifier.state(), { timeout: VERIFIER_LEASE_MS + 1000, interval: 10 })
        .not.toBe("trusted");
      expect(performance.now() - killedAt).toBeLessThanOrEqual(VERIFIER_LEASE_MS + 100);
      // Its node is gone: it no longer answers from its cache (the verify call fails, so 503).
      const stale = service.verifier.stats.hits;
      expect((await fetch(service.url, auth)).status).toBe(503);
      expect(service.verifier.stats.hits).toBe(stale);

      // A delete through a live node meanwhile returns, and is refused once the service is back.
      balancer.retarget(urls[0] ?? "");
      expect(
        (await call(urls[1] ?? "", "DELETE", `/api/v0/auth/apikeys/${key.id}/`, { key: session }))
          .status,
      ).toBe(200);
      await service.verifier.ready();
      expect((await fetch(service.url, auth)).status).toBe(401);
      const other = await createKey(urls[0] ?? "", session, {
        permissions: { api: { user_read: {} } },
      });
      const otherAuth = { headers: { authorization: `Bearer ${other.key}` } };
      expect((await fetch(service.url, otherAuth)).status).toBe(200);
      const calls = service.verifier.stats.calls;
      expect((await fetch(service.url, otherAuth)).status).toBe(200);
      expect(service.verifier.stats.calls, "answered from its cache again").toBe(calls);
    } finally {
      service.verifier.close();
      await service.app.close();
      await balancer.close();
    }
  });
});
