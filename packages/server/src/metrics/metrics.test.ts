import { createServer } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { generateKey } from "@latchkey/core";
import {
  call,
  createKey,
  type Sample,
  sampleValue,
  scrape,
  signUpAndLogIn,
  spawnServer,
  startCluster,
  startReceiver,
  startTestServer,
  TEST_DATABASE_URL,
  type TestReceiver,
  type TestServer,
  tempDir,
} from "@latchkey/testkit";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Metrics scraped over HTTP from a real server, as Prometheus scrapes them: each counter is
 * read before and after the requests, revocations and deliveries that should move it. Every
 * secret, password and email the tests use is remembered, and no scrape may hold any of them.
 */

let clock = Date.parse("2027-03-01T00:00:00Z");
const SECOND = 1000;
let server: TestServer;
let receiver: TestReceiver;
/** Everything that must never appear in a scrape. */
const secrets = new Set<string>();
/** Every scrape's text, searched for the secrets at the end. */
const scraped: string[] = [];

function remember<T extends string>(secret: T): T {
  secrets.add(secret);
  return secret;
}

async function read(): Promise<Sample[]> {
  const url = server.deps.metrics.scrapeUrl();
  if (url === undefined) throw new Error("the metrics listener is not listening");
  const { text, samples } = await scrape(url);
  scraped.push(text);
  return samples;
}

/** How much each series moved while `work` ran. */
async function moved(
  work: () => Promise<unknown>,
  series: [name: string, labels?: Record<string, string>][],
): Promise<number[]> {
  const before = await read();
  await work();
  const after = await read();
  return series.map(
    ([name, labels]) => sampleValue(after, name, labels) - sampleValue(before, name, labels),
  );
}

async function account() {
  const user = await signUpAndLogIn(server.url);
  remember(user.session);
  remember(user.password);
  remember(user.email);
  return user;
}

async function key(session: string, body: Record<string, unknown> = {}) {
  const created = await createKey(server.url, session, body);
  remember(created.key);
  return created;
}

const verify = (body: Record<string, unknown>) =>
  call<{ code: string }>(server.url, "POST", "/api/v0/auth/verify/", { body });
const checks = (path: string, code: string): [string, Record<string, string>] => [
  "latchkey_key_checks_total",
  { path, code },
];

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer(
    {
      LATCHKEY_METRICS_PORT: "0",
      LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
      LATCHKEY_WEBHOOK_RETRY_SECONDS: "10",
      LATCHKEY_DENIED_USE_LIMIT: "3",
      // The test flushes usage itself.
      LATCHKEY_USAGE_FLUSH_SECONDS: "3600",
    },
    { now: () => new Date(clock) },
  );
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

describe("metrics", () => {
  it("count requests by route pattern, method and status class, with their latency", async () => {
    const user = await account();
    const { key: secret, id } = await key(user.session);
    const histogram = "latchkey_http_request_duration_seconds";
    const show = { method: "GET", route: "/api/v0/auth/apikeys/:id/", status_class: "2xx" };
    const missing = { method: "GET", route: "/api/v0/auth/apikeys/:id/", status_class: "4xx" };
    const [shown, notFound, unmatched, sum] = await moved(async () => {
      for (let i = 0; i < 3; i++) {
        expect(
          (await call(server.url, "GET", `/api/v0/auth/apikeys/${id}/`, { key: secret })).status,
        ).toBe(200);
      }
      expect(
        (await call(server.url, "GET", "/api/v0/auth/apikeys/999999/", { key: secret })).status,
      ).toBe(404);
      // An unknown path is one series whatever it holds: never the URL as a label.
      expect((await call(server.url, "GET", `/nothing/${secret}/here`)).status).toBe(404);
    }, [
      [`${histogram}_count`, show],
      [`${histogram}_count`, missing],
      [`${histogram}_count`, { method: "GET", route: "unmatched", status_class: "4xx" }],
      [`${histogram}_sum`, show],
    ]);
    expect([shown, notFound, unmatched]).toEqual([3, 1, 1]);
    expect(sum).toBeGreaterThan(0);
    const samples = await read();
    const buckets = samples.filter(
      (s) =>
        s.name === `${histogram}_bucket` &&
        s.labels.route === show.route &&
        s.labels.status_class === "2xx",
    );
    expect(buckets.at(-1)?.labels.le).toBe("+Inf");
    expect(buckets.at(-1)?.value).toBe(sampleValue(samples, `${histogram}_count`, show));
    // Cumulative, as Prometheus's histogram_quantile expects.
    const values = buckets.map((b) => b.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
  });

  it("count the API's authentication outcomes by code", async () => {
    const user = await account();
    const { key: full } = await key(user.session);
    const { key: readOnly } = await key(user.session, { permissions: { api: { user_read: {} } } });
    const unknown = remember(generateKey("lk"));
    const deltas = await moved(async () => {
      expect((await call(server.url, "GET", "/api/v0/users/current/", { key: full })).status).toBe(
        200,
      );
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: readOnly })).status,
      ).toBe(200);
      expect(
        (await call(server.url, "GET", "/api/v0/users/current/", { key: unknown })).status,
      ).toBe(401);
      const refused = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
        key: readOnly,
        body: { name: "x" },
      });
      expect(refused.status).toBe(403);
    }, [checks("rest", "VALID"), checks("rest", "NOT_FOUND"), checks("rest", "FORBIDDEN")]);
    expect(deltas).toEqual([2, 1, 1]);
  });

  it("count every verify API code", async () => {
    const user = await account();
    const { key: full } = await key(user.session);
    const { key: narrow } = await key(user.session, { permissions: { api: { user_read: {} } } });
    const { key: flooding } = await key(user.session, { permissions: { api: { user_read: {} } } });
    const { key: fenced } = await key(user.session, { key_params: { ip_whitelist: ["10.0.0.1"] } });
    const { key: expiring } = await key(user.session, {
      expires_at: new Date(clock + 3600 * SECOND).toISOString(),
    });
    const { key: doomed, id: doomedId } = await key(user.session);
    const codes = [
      "VALID",
      "NOT_FOUND",
      "FORBIDDEN",
      "IP_NOT_ALLOWED",
      "EXPIRED",
      "REVOKED",
      "RATE_LIMITED",
    ];
    const series = [
      ...codes.map((code) => checks("verify", code)),
      ["latchkey_refusals_total", { limit: "denied_use" }] as [string, Record<string, string>],
    ];
    const deltas = await moved(async () => {
      const expectCode = async (body: Record<string, unknown>, code: string) =>
        expect((await verify(body)).body.code).toBe(code);
      await expectCode({ key: full, category: "user_read" }, "VALID");
      await expectCode({ key: remember(generateKey("lk")) }, "NOT_FOUND");
      await expectCode({ key: narrow, category: "user_write" }, "FORBIDDEN");
      await expectCode({ key: fenced, ip: "10.9.9.9" }, "IP_NOT_ALLOWED");
      clock += 2 * 3600 * SECOND;
      await expectCode({ key: expiring }, "EXPIRED");
      expect(
        (
          await call(server.url, "DELETE", `/api/v0/auth/apikeys/${doomedId}/`, {
            key: user.session,
          })
        ).status,
      ).toBe(200);
      await expectCode({ key: doomed }, "REVOKED");
      // LATCHKEY_DENIED_USE_LIMIT=3: the fourth refusal of a key in a minute is RATE_LIMITED.
      for (let i = 0; i < 3; i++)
        await expectCode({ key: flooding, category: "user_write" }, "FORBIDDEN");
      await expectCode({ key: flooding, category: "user_write" }, "RATE_LIMITED");
    }, series);
    expect(Object.fromEntries(codes.map((c, i) => [c, deltas[i]]))).toEqual({
      VALID: 1,
      NOT_FOUND: 1,
      FORBIDDEN: 4,
      IP_NOT_ALLOWED: 1,
      EXPIRED: 1,
      REVOKED: 1,
      RATE_LIMITED: 1,
    });
    expect(deltas.at(-1)).toBe(1);
  });

  it("count key-cache hits, misses, secrets refused as unknown, and its size", async () => {
    const user = await account();
    const { key: secret } = await key(user.session);
    const [misses, hits] = await moved(async () => {
      for (let i = 0; i < 4; i++) {
        expect(
          (await call(server.url, "GET", "/api/v0/users/current/", { key: secret })).status,
        ).toBe(200);
      }
    }, [
      ["latchkey_key_cache_lookups_total", { result: "miss" }],
      ["latchkey_key_cache_lookups_total", { result: "hit" }],
    ]);
    // The first use reads the database and fills the cache; the next three are answered from it.
    expect([misses, hits]).toEqual([1, 3]);
    // A secret the database does not know: read once (a miss), then refused from memory.
    const madeUp = generateKey("lk");
    const [unknownMisses, unknowns, unknownHits] = await moved(async () => {
      for (let i = 0; i < 3; i++) {
        expect(
          (await call(server.url, "GET", "/api/v0/users/current/", { key: madeUp })).status,
        ).toBe(401);
      }
    }, [
      ["latchkey_key_cache_lookups_total", { result: "miss" }],
      ["latchkey_key_cache_lookups_total", { result: "unknown" }],
      ["latchkey_key_cache_lookups_total", { result: "hit" }],
    ]);
    expect([unknownMisses, unknowns, unknownHits]).toEqual([1, 2, 0]);
    const samples = await read();
    expect(sampleValue(samples, "latchkey_key_cache_entries")).toBe(server.deps.cache.size);
    expect(sampleValue(samples, "latchkey_key_cache_entries")).toBeGreaterThan(0);
    expect(sampleValue(samples, "latchkey_key_cache_capacity")).toBe(10_000);
    expect(sampleValue(samples, "latchkey_key_cache_trusted")).toBe(1);
  });

  it("count revocations and the wait for every node to drop the key", async () => {
    const user = await account();
    const { id: deleted } = await key(user.session);
    const { id: reset } = await key(user.session);
    const deltas = await moved(async () => {
      expect(
        (
          await call(server.url, "DELETE", `/api/v0/auth/apikeys/${deleted}/`, {
            key: user.session,
          })
        ).status,
      ).toBe(200);
      const answer = await call<{ key: string }>(
        server.url,
        "POST",
        `/api/v0/auth/apikeys/${reset}/reset/`,
        { key: user.session },
      );
      expect(answer.status).toBe(200);
      remember(answer.body.key);
    }, [["latchkey_revocations_total"], ["latchkey_revocation_confirm_seconds_count"]]);
    expect(deltas).toEqual([2, 2]);
  });

  it("count webhook deliveries by outcome and show the backlog's age", async () => {
    const user = await account();
    // Events from before the endpoint was registered are not its.
    clock += SECOND;
    let answers = 0;
    receiver.respond = () => (answers++ === 0 ? 500 : 204);
    const hook = await call<{ secret: string }>(server.url, "POST", "/api/v0/webhooks/", {
      key: user.session,
      body: { url: receiver.url, events: ["key.created"] },
    });
    expect(hook.status).toBe(200);
    remember(hook.body.secret);
    await key(user.session);
    const outcome = (o: string): [string, Record<string, string>] => [
      "latchkey_webhook_deliveries_total",
      { outcome: o },
    ];
    const [retrying] = await moved(
      () => server.deps.webhookDispatcher.runOnce(),
      [outcome("retrying")],
    );
    expect(retrying).toBe(1);
    // The failed delivery waits for its retry: the backlog is one delivery, as old as the clock says.
    clock += 5 * SECOND;
    let samples = await read();
    expect(sampleValue(samples, "latchkey_webhook_pending_deliveries")).toBe(1);
    expect(sampleValue(samples, "latchkey_webhook_oldest_pending_age_seconds")).toBe(5);
    clock += 10 * SECOND;
    const [delivered] = await moved(
      () => server.deps.webhookDispatcher.runOnce(),
      [outcome("delivered")],
    );
    expect(delivered).toBe(1);
    expect(receiver.received).toHaveLength(2);
    samples = await read();
    expect(sampleValue(samples, "latchkey_webhook_pending_deliveries")).toBe(0);
    expect(sampleValue(samples, "latchkey_webhook_oldest_pending_age_seconds")).toBe(0);
  });

  it("count a delivery that runs out of retries as failed", async () => {
    const user = await account();
    clock += SECOND;
    receiver.respond = () => 503;
    const hook = await call<{ secret: string }>(server.url, "POST", "/api/v0/webhooks/", {
      key: user.session,
      body: { url: receiver.url, events: ["key.created"] },
    });
    expect(hook.status).toBe(200);
    remember(hook.body.secret);
    await key(user.session);
    const outcome = (o: string): [string, Record<string, string>] => [
      "latchkey_webhook_deliveries_total",
      { outcome: o },
    ];
    const outcomes = [outcome("retrying"), outcome("failed"), outcome("delivered")];
    // LATCHKEY_WEBHOOK_RETRY_SECONDS=10: one retry, then the delivery has failed for good.
    expect(await moved(() => server.deps.webhookDispatcher.runOnce(), outcomes)).toEqual([1, 0, 0]);
    clock += 11 * SECOND;
    expect(await moved(() => server.deps.webhookDispatcher.runOnce(), outcomes)).toEqual([0, 1, 0]);
    // Nothing left pending for it.
    expect(sampleValue(await read(), "latchkey_webhook_pending_deliveries")).toBe(0);
    receiver.respond = () => 204;
  });

  it("count the batched usage writes", async () => {
    const user = await account();
    const { key: secret } = await key(user.session);
    expect((await call(server.url, "GET", "/api/v0/users/current/", { key: secret })).status).toBe(
      200,
    );
    expect(sampleValue(await read(), "latchkey_usage_pending_keys")).toBeGreaterThan(0);
    const [flushes, rows] = await moved(
      () => server.deps.usage.flush(),
      [["latchkey_usage_flushes_total", { result: "ok" }], ["latchkey_usage_flush_rows_total"]],
    );
    expect(flushes).toBe(1);
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(sampleValue(await read(), "latchkey_usage_pending_keys")).toBe(0);
  });

  it("include Node's process metrics", async () => {
    const samples = await read();
    for (const name of [
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(
        samples.some((s) => s.name === name),
        name,
      ).toBe(true);
    }
  });

  it("never hold a secret, a password, an email or a key id in a label", async () => {
    scraped.push((await scrape(server.deps.metrics.scrapeUrl() ?? "")).text);
    const text = scraped.join("\n");
    expect(secrets.size).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const needle of [
        secret,
        secret.slice(secret.indexOf("_") + 1),
        encodeURIComponent(secret),
      ]) {
        expect(text.includes(needle), `a scrape holds ${needle.slice(0, 8)}…`).toBe(false);
      }
    }
    // Route labels are patterns: no segment of one is an id or anything a client sent.
    for (const sample of scraped.flatMap((t) => parseLabels(t))) {
      if (sample.labels.route === undefined) continue;
      for (const segment of sample.labels.route.split("/")) {
        expect(segment, sample.labels.route).not.toMatch(/^\d+$/);
      }
    }
  });
});

function parseLabels(text: string) {
  return text
    .split("\n")
    .filter((l) => l.startsWith("latchkey_"))
    .map((l) => ({
      labels: Object.fromEntries(
        [...l.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
      ) as Record<string, string>,
    }));
}

describe("the metrics listener", () => {
  it("is not the API: the API port has no /metrics, the listener nothing else", async () => {
    const api = await call(server.url, "GET", "/metrics");
    expect(api.status).toBe(404);
    expect(api.body.error).toBe("route_not_found");
    const url = server.deps.metrics.scrapeUrl() ?? "";
    expect(new URL(url).port).not.toBe(new URL(server.url).port);
    expect(new URL(url).hostname).toBe("127.0.0.1");
    const response = await fetch(url);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect((await fetch(url.replace("/metrics", "/"))).status).toBe(404);
    expect((await fetch(url.replace("/metrics", "/api/v0/users/current/"))).status).toBe(404);
  });

  it("does not exist unless LATCHKEY_METRICS_PORT is set", async () => {
    const plain = await startTestServer();
    try {
      expect(plain.deps.metrics.enabled).toBe(false);
      expect(plain.deps.metrics.scrapeUrl()).toBeUndefined();
      expect((await call(plain.url, "GET", "/metrics")).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it("counts rate-limit, throttle and key-cache evictions on a server with tight limits", async () => {
    const tight = await startTestServer({
      LATCHKEY_METRICS_PORT: "0",
      LATCHKEY_RATE_LIMIT: "3",
      LATCHKEY_FAILED_AUTH_LIMIT: "2",
      LATCHKEY_THROTTLED_LOOKUP_LIMIT: "0",
      LATCHKEY_KEY_CACHE_SIZE: "2",
    });
    try {
      const url = tight.deps.metrics.scrapeUrl() ?? "";
      const { session } = await signUpAndLogIn(tight.url);
      const keys = [];
      for (let i = 0; i < 3; i++) keys.push((await createKey(tight.url, session)).key);
      // Three distinct keys through a cache of two: one is evicted.
      for (const k of keys)
        expect((await call(tight.url, "GET", "/api/v0/users/current/", { key: k })).status).toBe(
          200,
        );
      // The fourth request of one key to one route in a minute is over LATCHKEY_RATE_LIMIT=3.
      const [first] = keys;
      for (let i = 0; i < 2; i++)
        await call(tight.url, "GET", "/api/v0/users/current/", { key: first });
      expect((await call(tight.url, "GET", "/api/v0/users/current/", { key: first })).status).toBe(
        429,
      );
      // Two failed authentications throttle the address; the third unknown key is refused unread.
      for (let i = 0; i < 2; i++) {
        expect(
          (await call(tight.url, "GET", "/api/v0/users/current/", { key: generateKey("lk") }))
            .status,
        ).toBe(401);
      }
      expect(
        (await call(tight.url, "GET", "/api/v0/users/current/", { key: generateKey("lk") })).status,
      ).toBe(429);
      const { samples } = await scrape(url);
      expect(sampleValue(samples, "latchkey_refusals_total", { limit: "route" })).toBe(1);
      expect(sampleValue(samples, "latchkey_refusals_total", { limit: "failed_auth" })).toBe(1);
      expect(
        sampleValue(samples, "latchkey_key_checks_total", { path: "rest", code: "RATE_LIMITED" }),
      ).toBe(1);
      expect(sampleValue(samples, "latchkey_key_cache_evictions_total")).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, "latchkey_key_cache_entries")).toBe(2);
    } finally {
      await tight.close();
    }
  });

  it("count each other limit's refusals under its own label", async () => {
    const refusals = async (url: string) => {
      const { samples } = await scrape(url);
      return Object.fromEntries(
        ["route", "sensitive", "failed_auth", "denied_use", "login", "account_keys", "verify"].map(
          (limit) => [limit, sampleValue(samples, "latchkey_refusals_total", { limit })],
        ),
      );
    };
    const none = {
      route: 0,
      sensitive: 0,
      failed_auth: 0,
      denied_use: 0,
      login: 0,
      account_keys: 0,
      verify: 0,
    };
    const cases: {
      limit: string;
      env: Record<string, string>;
      refuse: (url: string) => Promise<number>;
    }[] = [
      {
        // Key creations by one session: the fourth in a minute is over the limit of 3.
        limit: "sensitive",
        env: { LATCHKEY_SENSITIVE_RATE_LIMIT: "3" },
        refuse: async (url) => {
          const { session } = await signUpAndLogIn(url);
          const statuses = [];
          for (let i = 0; i < 4; i++) {
            statuses.push(
              (
                await call(url, "POST", "/api/v0/auth/apikeys/", {
                  key: session,
                  body: { name: "k" },
                })
              ).status,
            );
          }
          expect(statuses).toEqual([200, 200, 200, 429]);
          return 1;
        },
      },
      {
        // Two failed logins lock the account's logins, even with the right password.
        limit: "login",
        env: { LATCHKEY_LOGIN_FAILURE_LIMIT: "2" },
        refuse: async (url) => {
          const { email, password } = await signUpAndLogIn(url);
          const login = (pw: string) =>
            call(url, "POST", "/api/v0/auth/login/", { body: { email, password: pw } });
          for (let i = 0; i < 2; i++) expect((await login(`${password}-wrong`)).status).toBe(401);
          expect((await login(password)).status).toBe(429);
          return 1;
        },
      },
      {
        // Keys and sessions created in one account: the login and two keys use up 3.
        limit: "account_keys",
        env: { LATCHKEY_ACCOUNT_KEY_RATE_LIMIT: "3" },
        refuse: async (url) => {
          const { session } = await signUpAndLogIn(url);
          const statuses = [];
          for (let i = 0; i < 3; i++) {
            statuses.push(
              (
                await call(url, "POST", "/api/v0/auth/apikeys/", {
                  key: session,
                  body: { name: "k" },
                })
              ).status,
            );
          }
          expect(statuses).toEqual([200, 200, 429]);
          return 1;
        },
      },
      {
        // Verify calls from one address: the third in a minute is RATE_LIMITED.
        limit: "verify",
        env: { LATCHKEY_VERIFY_RATE_LIMIT: "2" },
        refuse: async (url) => {
          const codes = [];
          for (let i = 0; i < 3; i++) {
            const answer = await call<{ code: string }>(url, "POST", "/api/v0/auth/verify/", {
              body: { key: generateKey("lk") },
            });
            codes.push(answer.body.code);
          }
          expect(codes).toEqual(["NOT_FOUND", "NOT_FOUND", "RATE_LIMITED"]);
          return 1;
        },
      },
    ];
    for (const { limit, env, refuse } of cases) {
      const limited = await startTestServer({ LATCHKEY_METRICS_PORT: "0", ...env });
      try {
        const url = limited.deps.metrics.scrapeUrl() ?? "";
        expect(await refusals(url)).toEqual(none);
        const refused = await refuse(limited.url);
        expect(await refusals(url), limit).toEqual({ ...none, [limit]: refused });
      } finally {
        await limited.close();
      }
    }
  });

  it("counts an attempt in flight when the node stops as abandoned", async () => {
    // An endpoint that takes the request and never answers.
    const arrived: (() => void)[] = [];
    const hanging = createServer(() => {
      for (const wake of arrived.splice(0)) wake();
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const address = hanging.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const node = await startTestServer({
      LATCHKEY_METRICS_PORT: "0",
      LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
      LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
    });
    try {
      const url = node.deps.metrics.scrapeUrl() ?? "";
      const { session } = await signUpAndLogIn(node.url);
      const hook = await call(node.url, "POST", "/api/v0/webhooks/", {
        key: session,
        body: { url: `http://127.0.0.1:${port}/hook`, events: ["key.created"] },
      });
      expect(hook.status).toBe(200);
      await createKey(node.url, session);
      const requested = new Promise<void>((wake) => arrived.push(wake));
      const pass = node.deps.webhookDispatcher.runOnce();
      await requested;
      await node.deps.webhookDispatcher.stop();
      await pass;
      const { samples } = await scrape(url);
      const count = (outcome: string) =>
        sampleValue(samples, "latchkey_webhook_deliveries_total", { outcome });
      expect(["abandoned", "retrying", "failed", "delivered"].map(count)).toEqual([1, 0, 0, 0]);
      // Due again at once, so another node (or this one, restarted) sends it.
      expect(sampleValue(samples, "latchkey_webhook_pending_deliveries")).toBe(1);
    } finally {
      await node.close();
      hanging.closeAllConnections();
      await new Promise<void>((resolve) => hanging.close(() => resolve()));
    }
  });

  it("still answers when the database cannot be read, the backlog gauges NaN", async () => {
    const broken = await startTestServer({ LATCHKEY_METRICS_PORT: "0" });
    try {
      const raw = new Database(join(broken.dataDir, "latchkey.db"));
      raw.exec("alter table webhook_deliveries rename to webhook_deliveries_gone");
      raw.close();
      const { samples } = await scrape(broken.deps.metrics.scrapeUrl() ?? "");
      expect(sampleValue(samples, "latchkey_webhook_pending_deliveries")).toBeNaN();
      expect(sampleValue(samples, "latchkey_key_cache_capacity")).toBe(10_000);
    } finally {
      await broken.close();
    }
  });

  it("of the real server process answers a stock scrape, apart from the API", async () => {
    const dir = tempDir("latchkey-metrics");
    const child = await spawnServer({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_METRICS_PORT: "0" });
    try {
      const url = /"metrics":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(child.output())?.[1];
      expect(url, child.output()).toBeDefined();
      expect(child.output()).toMatch(/metrics at http:\/\/127\.0\.0\.1:\d+\/metrics/);
      expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
      const { samples } = await scrape(url ?? "");
      expect(
        sampleValue(samples, "latchkey_http_request_duration_seconds_count", {
          route: "/healthz",
          method: "GET",
          status_class: "2xx",
        }),
      ).toBe(1);
      expect((await fetch(`${child.url}/metrics`)).status).toBe(404);
    } finally {
      await child.stop();
      dir.remove();
    }
  });
});

describe("metrics on PostgreSQL nodes", () => {
  it("time a revocation until the other node acknowledged it, and count lost leases", async () => {
    const cluster = await startCluster(2, { LATCHKEY_METRICS_PORT: "0" });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const [one, two] = cluster.nodes.map((node) => {
        const url = /"metrics":"(http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(node.output())?.[1];
        if (url === undefined) throw new Error(`no metrics URL logged:\n${node.output()}`);
        return { api: node.url, metrics: url };
      }) as [{ api: string; metrics: string }, { api: string; metrics: string }];
      const { session } = await signUpAndLogIn(one.api);
      const { id } = await createKey(one.api, session);
      const before = (await scrape(one.metrics)).samples;
      expect(
        (await call(one.api, "DELETE", `/api/v0/auth/apikeys/${id}/`, { key: session })).status,
      ).toBe(200);
      const after = (await scrape(one.metrics)).samples;
      const delta = (name: string) => sampleValue(after, name) - sampleValue(before, name);
      expect(delta("latchkey_revocations_total")).toBe(1);
      expect(delta("latchkey_revocation_confirm_seconds_count")).toBe(1);
      // Healthy nodes answer within milliseconds, well before the 1.5 s a silent one would cost.
      expect(delta("latchkey_revocation_confirm_seconds_sum")).toBeLessThan(1.5);

      // Node two loses its notification connection: it distrusts its cache until it is back.
      const lost = () =>
        scrape(two.metrics).then(({ samples }) =>
          sampleValue(samples, "latchkey_cache_leases_lost_total", { reason: "channel_lost" }),
        );
      expect(await lost()).toBe(0);
      // Only this cluster's nodes: their notification connections are named after their rows.
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where application_name in (select 'latchkey-node-' || id from "${cluster.schema}".nodes)`,
      );
      for (let i = 0; i < 100 && (await lost()) === 0; i++) await sleep(50);
      expect(await lost()).toBeGreaterThanOrEqual(1);
    } finally {
      await admin.end();
      await cluster.stop();
    }
  });
});
