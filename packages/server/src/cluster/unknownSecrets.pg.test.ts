import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { generateKey, PepperRing, parsePeppers } from "@latchkey/core";
import {
  call,
  createKey,
  signUpAndLogIn,
  startCluster,
  TEST_DATABASE_URL,
  type TestCluster,
} from "@latchkey/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Unknown secrets across nodes: each node refuses from memory a well-formed secret it found
 * no row for, and must stop doing so once a row for it exists and the announcement (the
 * `api_keys_added` trigger's NOTIFY) has reached it. Three server processes on one schema;
 * rows restored by hand, as an operator would, over a connection of their own.
 */

const PROBE = "/api/v0/users/current/";
/** The NOTIFY arrives in milliseconds; this is room for a busy machine, not a wait. */
const ANNOUNCED_WITHIN_MS = 2000;
/** The cluster's pepper, set here so that the test can hash restored secrets as nodes do. */
const PEPPER = `v1:${randomBytes(32).toString("hex")}`;

interface Shot {
  node: number;
  secret: number;
  start: number;
  end: number;
  status: number;
  error: unknown;
}

/** Requests with each secret on each node, two connections each, back to back, until stopped. */
function traffic(urls: string[], secrets: string[]) {
  const shots: Shot[] = [];
  let running = true;
  const loops: Promise<void>[] = [];
  for (const [node, url] of urls.entries()) {
    for (const [secret, key] of secrets.entries()) {
      for (let worker = 0; worker < 2; worker++) {
        loops.push(
          (async () => {
            while (running) {
              const start = performance.now();
              const { status, body } = await call(url, "GET", PROBE, { key });
              shots.push({
                node,
                secret,
                start,
                end: performance.now(),
                status,
                error: body.error,
              });
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

/** Polls `check` until it holds or `ms` have passed; whether it held. */
async function within(ms: number, check: () => boolean): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

describe("unknown secrets on three PostgreSQL nodes", () => {
  let cluster: TestCluster;
  let urls: string[];
  let admin: pg.Client;
  const peppers = new PepperRing(parsePeppers(PEPPER));

  beforeAll(async () => {
    cluster = await startCluster(3, { LATCHKEY_PEPPER: PEPPER });
    urls = cluster.urls;
    // An operator's psql session in the cluster's schema.
    admin = new pg.Client({
      connectionString: TEST_DATABASE_URL,
      options: `-c search_path=${cluster.schema}`,
    });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await cluster?.stop();
  });

  const current = (node: number, key: string) => call(urls[node] ?? "", "GET", PROBE, { key });

  /** 401 with the unknown-key error, never anything else. */
  function expectUnknown(answer: { status: number; body: Record<string, unknown> }) {
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ success: false, error: "invalid_api_key" });
  }

  it("accepts a restored secret on every node soon after its insert, and never refuses it again", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    const template = await createKey(urls[0] ?? "", session, { name: "template" });
    // Two secrets, restored by one statement: a statement announces itself once, for all rows.
    const secrets = [generateKey("lk"), generateKey("lk")];

    // Unknown on every node: refused one by one (recorded by the first) and many at once.
    for (const secret of secrets) {
      for (const [node] of urls.entries()) {
        for (let i = 0; i < 3; i++) expectUnknown(await current(node, secret));
      }
      const burst = await Promise.all(
        urls.flatMap((_, node) => Array.from({ length: 8 }, () => current(node, secret))),
      );
      for (const answer of burst) expectUnknown(answer);
    }

    // Traffic keeps presenting both on every node while the rows go in, so that look-ups are
    // in flight across the insert and its announcement.
    const load = traffic(urls, secrets);
    const answered = (node: number, secret: number) =>
      load.shots.filter((s) => s.node === node && s.secret === secret).length;
    const warm = () => urls.every((_, node) => secrets.every((_, k) => answered(node, k) >= 5));
    expect(await within(10_000, warm)).toBe(true);
    const insertStarted = performance.now();
    // Ids of their own, as a restore brings them; far above what the nodes' inserts will take.
    const restored = await admin.query<{ id: number }>(
      `insert into api_keys
         (id, user_id, member_id, kind, name, key_hash, hash_version, prefix, last4,
          permissions, key_params, created_at, expires_at)
       select 1000000 + n, user_id, member_id, kind, 'restored ' || n,
              (array[$2, $3])[n], hash_version, prefix, last4, permissions, key_params,
              created_at, expires_at
       from api_keys, generate_series(1, 2) as n
       where id = $1
       returning id`,
      [template.id, peppers.hash(secrets[0] ?? ""), peppers.hash(secrets[1] ?? "")],
    );
    const insertReturned = performance.now();
    expect(restored.rowCount).toBe(2);

    // Until every node has accepted each secret and then answered it ten more times, or the
    // announcement's allowance has run out.
    const firstAccepted = (node: number, secret: number) =>
      load.shots.find((s) => s.node === node && s.secret === secret && s.status === 200)?.end;
    const settled = () =>
      urls.every((_, node) =>
        secrets.every((_, secret) => {
          const at = firstAccepted(node, secret);
          return (
            at !== undefined &&
            load.shots.filter((s) => s.node === node && s.secret === secret && s.start > at)
              .length >= 10
          );
        }),
      );
    // (Longer than the allowance: the ten answers after are evidence, not the bound.)
    await within(ANNOUNCED_WITHIN_MS + 10_000, settled);
    await load.stop();

    for (const [node] of urls.entries()) {
      for (const [secret] of secrets.entries()) {
        const shots = load.shots.filter((s) => s.node === node && s.secret === secret);
        // Before the insert: refused as unknown, every time.
        const before = shots.filter((s) => s.end < insertStarted);
        expect(before.length).toBeGreaterThan(0);
        for (const shot of before)
          expect([shot.status, shot.error]).toEqual([401, "invalid_api_key"]);
        // Accepted within the allowance after the insert returned (the announcement's delivery).
        const at = firstAccepted(node, secret);
        expect(at, `node ${node} never accepted restored secret ${secret}`).toBeDefined();
        expect((at ?? Number.POSITIVE_INFINITY) - insertReturned).toBeLessThan(ANNOUNCED_WITHIN_MS);
        // And once accepted, never refused again by a request that started after.
        const after = shots.filter((s) => s.start > (at ?? 0));
        expect(after.length).toBeGreaterThanOrEqual(10);
        expect(new Set(after.map((s) => s.status))).toEqual(new Set([200]));
        // Nothing else was ever answered: refused as unknown, or accepted.
        for (const shot of shots) expect([200, 401]).toContain(shot.status);
      }
    }
    for (const secret of secrets) {
      for (const [node] of urls.entries()) expect((await current(node, secret)).status).toBe(200);
    }
  });

  it("accepts a key created through one node on the others at their first request", async () => {
    const { session } = await signUpAndLogIn(urls[0] ?? "");
    // The other nodes hold unknown secrets already, so their record is in use.
    for (const node of [1, 2]) expectUnknown(await current(node, generateKey("lk")));
    const { key } = await createKey(urls[0] ?? "", session);
    for (const node of [1, 2]) expect((await current(node, key)).status).toBe(200);
    expect((await current(0, key)).status).toBe(200);
  });
});
