import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { call, createKey, signUpAndLogIn, startCluster, type TestCluster } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The proof of revocation across nodes (docs/revocation.md) and of scale-out on PostgreSQL:
 * three server processes on one schema, each caching verified keys; authenticated traffic
 * runs against all three while a key is deleted or reset through one of them. No request that
 * starts after the answer may be accepted with the old secret, on any node.
 */

const LEASE_MS = 1000;

interface Shot {
  node: number;
  secret: string;
  start: number;
  end: number;
  status: number;
}

/** Requests with each secret on each node, back to back, until stopped. */
function traffic(urls: string[], secrets: Record<string, string>) {
  const shots: Shot[] = [];
  let running = true;
  const loops: Promise<void>[] = [];
  for (const [node, url] of urls.entries()) {
    for (const [label, secret] of Object.entries(secrets)) {
      for (let worker = 0; worker < 2; worker++) {
        loops.push(
          (async () => {
            while (running) {
              const start = performance.now();
              const { status } = await call(url, "GET", "/api/v0/users/current/", {
                key: secret,
              });
              shots.push({ node, secret: label, start, end: performance.now(), status });
            }
          })(),
        );
      }
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

/** Lets traffic run until every node has answered `count` requests with `secret` since `from`. */
async function until(shots: Shot[], secret: string, from: number, count = 10): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const done = [0, 1, 2].every(
      (node) =>
        shots.filter((s) => s.node === node && s.secret === secret && s.start > from).length >=
        count,
    );
    if (done) return;
    await sleep(25);
  }
}

/** What each node answered with a secret, for requests in a time window. */
function answers(shots: Shot[], secret: string, from: number, to = Number.POSITIVE_INFINITY) {
  return [0, 1, 2].map((node) =>
    shots
      .filter((s) => s.node === node && s.secret === secret && s.start > from && s.end < to)
      .map((s) => s.status),
  );
}

describe("three nodes on PostgreSQL", () => {
  let cluster: TestCluster;
  let urls: string[];
  beforeAll(async () => {
    cluster = await startCluster(3, { LATCHKEY_NODE_LEASE_MS: String(LEASE_MS) });
    urls = cluster.urls;
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("serve one account: what one node creates, the others accept", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { key } = await createKey(urls[1] ?? "", session);
    for (const url of urls) {
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
      const ready = await call(url, "GET", "/readyz");
      expect(ready.body).toEqual({ status: "ready", storage: "postgres", cache: "trusted" });
    }
  });

  it("a delete through one node is refused by every node from the moment it returns", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { id, key } = await createKey(urls[0] ?? "", session);
    for (let round = 0; round < 3; round++) {
      for (const url of urls)
        expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    }
    const load = traffic(urls, { old: key });
    await until(load.shots, "old", 0, 5);
    const deleteStarted = performance.now();
    const deleted = await call(urls[1] ?? "", "DELETE", `/api/v0/auth/apikeys/${id}/`, {
      key: session,
    });
    const deleteReturned = performance.now();
    await until(load.shots, "old", deleteReturned);
    await load.stop();

    expect(deleted.status).toBe(200);
    // Before: every node accepted the key (from its cache, warmed above).
    for (const before of answers(load.shots, "old", 0, deleteStarted)) {
      expect(before.length).toBeGreaterThan(0);
      expect(new Set(before)).toEqual(new Set([200]));
    }
    // After: every node refused it, every time.
    for (const after of answers(load.shots, "old", deleteReturned)) {
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(new Set(after)).toEqual(new Set([401]));
    }
  });

  it("a reset through one node: the old secret refused and the new accepted everywhere at once", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { id, key } = await createKey(urls[0] ?? "", session);
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    const oldLoad = traffic(urls, { old: key });
    await until(oldLoad.shots, "old", 0, 5);
    const resetStarted = performance.now();
    const reset = await call<{ key: string; id: number }>(
      urls[2] ?? "",
      "POST",
      `/api/v0/auth/apikeys/${id}/reset/`,
      { key: session },
    );
    const resetReturned = performance.now();
    const newLoad = traffic(urls, { new: reset.body.key });
    await until(oldLoad.shots, "old", resetReturned);
    await until(newLoad.shots, "new", resetReturned);
    await Promise.all([oldLoad.stop(), newLoad.stop()]);

    expect(reset.status).toBe(200);
    expect(reset.body.id).toBe(id);
    for (const before of answers(oldLoad.shots, "old", 0, resetStarted)) {
      expect(before.length).toBeGreaterThan(0);
      expect(new Set(before)).toEqual(new Set([200]));
    }
    for (const after of answers(oldLoad.shots, "old", resetReturned)) {
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(new Set(after)).toEqual(new Set([401]));
    }
    for (const after of answers(newLoad.shots, "new", resetReturned)) {
      expect(after.length).toBeGreaterThanOrEqual(10);
      expect(new Set(after)).toEqual(new Set([200]));
    }
  });

  it("the Vast form of reset (PUT /commands/reset_apikey/) reaches every node as well", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { id, key } = await createKey(urls[0] ?? "", session);
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    const reset = await call<{ new_api_key: string }>(
      urls[1] ?? "",
      "PUT",
      "/api/v0/commands/reset_apikey/",
      { key: session, body: { id } },
    );
    expect(reset.status).toBe(200);
    for (const url of urls) {
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(401);
      const fresh = await call(url, "GET", "/api/v0/users/current/", {
        key: reset.body.new_api_key,
      });
      expect(fresh.status).toBe(200);
    }
  });

  it("a session ended through one node is refused by every node", async () => {
    const { email, password, session } = await signUpAndLogIn(urls[0] ?? "");
    const other = await call<{ session_key: string }>(
      urls[1] ?? "",
      "POST",
      "/api/v0/auth/login/",
      {
        body: { email, password },
      },
    );
    const second = other.body.session_key;
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key: second })).status).toBe(200);
    const ended = await call(urls[2] ?? "", "DELETE", "/api/v0/auth/sessions/", { key: session });
    expect(ended.status).toBe(200);
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key: second })).status).toBe(401);
  });

  it("a grace window keeps both secrets on every node, and ending it early reaches every node", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { id, key } = await createKey(urls[0] ?? "", session);
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    const reset = await call<{ key: string }>(
      urls[1] ?? "",
      "POST",
      `/api/v0/auth/apikeys/${id}/reset/`,
      { key: session, body: { grace_seconds: 3600 } },
    );
    expect(reset.status).toBe(200);
    for (const url of urls) {
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);
      const fresh = await call(url, "GET", "/api/v0/users/current/", { key: reset.body.key });
      expect(fresh.status).toBe(200);
    }
    const ended = await call(urls[2] ?? "", "DELETE", `/api/v0/auth/apikeys/${id}/previous/`, {
      key: session,
    });
    expect(ended.status).toBe(200);
    for (const url of urls) {
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(401);
      const fresh = await call(url, "GET", "/api/v0/users/current/", { key: reset.body.key });
      expect(fresh.status).toBe(200);
    }
  });

  // Last: it freezes a node, which then has to rejoin.
  it("a frozen node cannot hold a delete up for longer than its lease, nor answer from its cache after", async () => {
    const frozen = cluster.nodes[2];
    if (!frozen) throw new Error("no third node");
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const { id, key } = await createKey(urls[0] ?? "", session);
    for (const url of urls)
      expect((await call(url, "GET", "/api/v0/users/current/", { key })).status).toBe(200);

    frozen.process.kill("SIGSTOP");
    let deleted: Awaited<ReturnType<typeof call>>;
    try {
      deleted = await call(urls[0] ?? "", "DELETE", `/api/v0/auth/apikeys/${id}/`, {
        key: session,
      });
    } finally {
      frozen.process.kill("SIGCONT");
    }
    expect(deleted.status).toBe(200);
    // The thawed node's lease ran out while it was stopped: it reads the database, not its cache.
    expect((await call(urls[2] ?? "", "GET", "/api/v0/users/current/", { key })).status).toBe(401);
    // It noticed (evicted, or its heartbeat overdue) and rejoined with an empty cache. How
    // soon is not what this test is about: a machine busy with the rest of the suite can take
    // seconds to reconnect, so it gets up to 15 s.
    const rejoined = () => (frozen.output().match(/cache trusted/g) ?? []).length >= 2;
    for (let i = 0; i < 300 && !rejoined(); i++) await sleep(50);
    expect(frozen.output()).toContain("cache distrusted");
    expect(rejoined()).toBe(true);
    const ready = await call(urls[2] ?? "", "GET", "/readyz");
    expect(ready.body).toMatchObject({ status: "ready", cache: "trusted" });
    // And it takes part again: a delete through another node reaches it.
    const again = await createKey(urls[0] ?? "", session);
    expect(
      (await call(urls[2] ?? "", "GET", "/api/v0/users/current/", { key: again.key })).status,
    ).toBe(200);
    await call(urls[1] ?? "", "DELETE", `/api/v0/auth/apikeys/${again.id}/`, { key: session });
    expect(
      (await call(urls[2] ?? "", "GET", "/api/v0/users/current/", { key: again.key })).status,
    ).toBe(401);
  });
});
