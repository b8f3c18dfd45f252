import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { UserRecord } from "@latchkey/core";
import { type FreshSchema, freshSchema } from "@latchkey/testkit";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KyselyStore } from "../kyselyStore.js";
import { openStore } from "../open.js";
import { PgRevocationBus } from "./pgRevocationBus.js";
import type { LeaseLossReason } from "./revocationBus.js";

const LEASE_MS = 600;

/** A node's cache as the bus sees it: what it was told, and whether it trusted itself then. */
class RecordingCache {
  invalidated: number[] = [];
  clears: boolean[] = [];
  losses: LeaseLossReason[] = [];
  constructor(private readonly bus: () => PgRevocationBus) {}
  listener = {
    invalidate: (ids: readonly number[]) => {
      this.invalidated.push(...ids);
    },
    clear: () => {
      this.clears.push(this.bus().cacheTrusted());
    },
    leaseLost: (reason: LeaseLossReason) => {
      this.losses.push(reason);
    },
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("PgRevocationBus", () => {
  let fresh: FreshSchema;
  let store: KyselyStore;
  let admin: pg.Client;
  let user: UserRecord;
  const buses: PgRevocationBus[] = [];

  async function node(log: string[] = []) {
    const bus = await PgRevocationBus.open({
      url: fresh.url,
      schema: fresh.schema,
      leaseMs: LEASE_MS,
      log: (_level, msg) => log.push(msg),
    });
    buses.push(bus);
    const cache = new RecordingCache(() => bus);
    bus.attach(cache.listener);
    return { bus, cache, log };
  }

  async function key() {
    return store.insertKey({
      userId: user.id,
      kind: "api",
      name: "k",
      keyHash: `h${Math.random()}`,
      hashVersion: 1,
      prefix: "lk",
      last4: "abcd",
      permissions: null,
      keyParams: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      expiresAt: null,
    });
  }

  const sql = (text: string, values: unknown[] = []) => admin.query(text, values);

  beforeAll(async () => {
    fresh = freshSchema();
    store = await openStore({ kind: "postgres", url: fresh.url, schema: fresh.schema });
    // An operator's psql session in the same schema.
    admin = new pg.Client({
      connectionString: fresh.url,
      options: `-c search_path=${fresh.schema}`,
    });
    await admin.connect();
    const created = await store.createUser({
      email: "o@example.com",
      passwordHash: "h",
      createdAt: "t",
    });
    if (created === "email_taken") throw new Error("unexpected");
    user = created;
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
    await sql("delete from nodes");
  });
  afterAll(async () => {
    await admin.end();
    await store.close();
    await fresh.drop();
  });

  it("registers each node and trusts its cache once it listens", async () => {
    const a = await node();
    const b = await node();
    expect(a.bus.cacheTrusted()).toBe(true);
    expect(b.bus.state()).toBe("trusted");
    const { rows } = await sql("select id from nodes where evicted_at is null order by id");
    expect(rows.map((r) => r.id)).toEqual([a.bus.nodeId, b.bus.nodeId].sort());
  });

  it("hears every change to a key that a cache relies on, committed by anyone", async () => {
    const b = await node();
    const deleted = await key();
    const reset = await key();
    const removed = await key();
    const used = await key();
    await store.deleteKey(user.id, deleted.id, "api", "2026-01-02T00:00:00.000Z");
    await store.replaceSecret(user.id, reset.id, {
      keyHash: `h${Math.random()}`,
      hashVersion: 1,
      prefix: "lk",
      last4: "wxyz",
    });
    // An operator's hard delete in psql is announced too.
    await sql("delete from api_keys where id = $1", [removed.id]);
    await store.recordUse([{ id: used.id, at: "2026-01-03T00:00:00.000Z", ip: null }]);
    await waitFor(() => b.cache.invalidated.length >= 3, "three invalidations");
    await sleep(100);
    expect(b.cache.invalidated.sort((x, y) => x - y)).toEqual([deleted.id, reset.id, removed.id]);
  });

  it("returns from revoked() only after every other node has dropped the key", async () => {
    const a = await node();
    const others = [await node(), await node(), await node()];
    for (let round = 0; round < 5; round++) {
      const k = await key();
      await store.deleteKey(user.id, k.id, "api", "2026-01-02T00:00:00.000Z");
      await a.bus.revoked([k.id]);
      for (const other of others) expect(other.cache.invalidated).toContain(k.id);
      expect(a.cache.invalidated).toContain(k.id);
    }
  });

  it("waits for a slow node's acknowledgement of the barrier, and no longer", async () => {
    const a = await node();
    // A hand-made node: it listens, and acknowledges each barrier after a pause.
    const slow = new pg.Client({
      connectionString: fresh.url,
      options: `-c search_path=${fresh.schema}`,
    });
    await slow.connect();
    let ackedAt = 0;
    // Every acknowledgement it sends, awaited before the client ends: the bus may return on
    // the notification before this query's own answer arrives, and ending the client under
    // a query in flight rejects it ("Connection terminated").
    const pauses = new Set<NodeJS.Timeout>();
    const acks: Promise<unknown>[] = [];
    try {
      await slow.query(`listen "${a.bus.channel}"`);
      await slow.query(
        "insert into nodes (id, host, started_at, last_seen) values ('slow', 'x', now(), now())",
      );
      slow.on("notification", (message) => {
        const [type, from, token] = (message.payload ?? "").split(":");
        if (type !== "b") return;
        const pause = setTimeout(() => {
          pauses.delete(pause);
          ackedAt = performance.now();
          acks.push(
            slow.query("select pg_notify($1, $2)", [a.bus.channel, `a:${from}:${token}:slow`]),
          );
        }, 150);
        pauses.add(pause);
      });
      await a.bus.revoked([1]);
      const returnedAt = performance.now();
      expect(ackedAt).toBeGreaterThan(0);
      expect(returnedAt).toBeGreaterThan(ackedAt);
      const { rows } = await sql("select evicted_at from nodes where id = 'slow'");
      expect(rows[0]?.evicted_at).toBeNull();
    } finally {
      for (const pause of pauses) clearTimeout(pause);
      await Promise.all(acks);
      await slow.end();
    }
  });

  it("evicts a node that does not acknowledge, and waits out its lease before returning", async () => {
    const log: string[] = [];
    const a = await node(log);
    // A node that heartbeated a moment ago but never answers (a frozen process).
    await sql(
      "insert into nodes (id, host, started_at, last_seen) values ('frozen', 'x', now(), now())",
    );
    const started = performance.now();
    await a.bus.revoked([1]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEASE_MS);
    const { rows } = await sql("select evicted_at from nodes where id = 'frozen'");
    expect(rows[0]?.evicted_at).not.toBeNull();
    expect(log.some((m) => m.includes("did not acknowledge"))).toBe(true);
  });

  it("waits out the lease of a node another revocation evicted a moment ago", async () => {
    const a = await node();
    await sql(
      "insert into nodes (id, host, started_at, last_seen, evicted_at) values ('gone', 'x', now(), now(), now())",
    );
    const started = performance.now();
    await a.bus.revoked([1]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
  });

  it("marks a node silent for longer than a lease as evicted without waiting for it", async () => {
    const a = await node();
    await sql(
      "insert into nodes (id, host, started_at, last_seen) values ('crashed', 'x', now(), now() - interval '1 minute')",
    );
    await a.bus.revoked([1]);
    const { rows } = await sql(
      "select evicted_at = last_seen as at_last_seen from nodes where id = 'crashed'",
    );
    expect(rows[0]?.at_last_seen).toBe(true);
  });

  it("an evicted node distrusts its cache, clears it, and rejoins", async () => {
    const b = await node();
    const clearsBefore = b.cache.clears.length;
    await sql("update nodes set evicted_at = now() where id = $1", [b.bus.nodeId]);
    await waitFor(() => b.log.some((m) => m.startsWith("re-registered")), "re-registration");
    expect(b.log).toContain(
      "cache distrusted: evicted by another node (it did not hear back in time)",
    );
    // Cleared on distrust and again on rejoining, never while the cache was trusted.
    const clears = b.cache.clears.slice(clearsBefore);
    expect(clears.length).toBeGreaterThanOrEqual(2);
    expect(clears.every((trusted) => !trusted)).toBe(true);
    expect(b.bus.cacheTrusted()).toBe(true);
    const { rows } = await sql("select evicted_at from nodes where id = $1", [b.bus.nodeId]);
    expect(rows[0]?.evicted_at).toBeNull();
  });

  it("a node whose notification connection dies bypasses its cache until it is back", async () => {
    const b = await node();
    const clearsBefore = b.cache.clears.length;
    const killed = await sql(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
      [`latchkey-node-${b.bus.nodeId}`],
    );
    expect(killed.rowCount).toBe(1);
    await waitFor(
      () => b.log.filter((m) => m.startsWith("revocation channel up")).length === 2,
      "reconnection",
    );
    expect(b.log.some((m) => m.startsWith("cache distrusted: revocation channel lost"))).toBe(true);
    const clears = b.cache.clears.slice(clearsBefore);
    expect(clears.length).toBeGreaterThanOrEqual(2);
    expect(clears.every((trusted) => !trusted)).toBe(true);
    expect(b.bus.cacheTrusted()).toBe(true);

    // Back on the channel, it hears revocations again.
    const a = await node();
    const k = await key();
    await store.deleteKey(user.id, k.id, "api", "2026-01-02T00:00:00.000Z");
    await a.bus.revoked([k.id]);
    expect(b.cache.invalidated).toContain(k.id);
  });

  it("tells its listener each time it stops trusting the cache, and why", async () => {
    const b = await node();
    expect(b.cache.losses).toEqual([]);
    await sql("update nodes set evicted_at = now() where id = $1", [b.bus.nodeId]);
    await waitFor(() => b.log.some((m) => m.startsWith("re-registered")), "re-registration");
    expect(b.cache.losses).toEqual(["evicted"]);
    await sql(
      "select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1",
      [`latchkey-node-${b.bus.nodeId}`],
    );
    await waitFor(
      () => b.log.filter((m) => m.startsWith("revocation channel up")).length === 2,
      "reconnection",
    );
    expect(b.cache.losses).toEqual(["evicted", "channel_lost"]);

    // A process frozen for longer than a lease (here a busy loop) lets its lease lapse. Had a
    // heartbeat been in flight, its wait would have timed out instead (the channel counts as
    // lost): then freeze again, at another point of the heartbeats' cycle.
    for (let attempt = 0; attempt < 5 && b.cache.losses.at(-1) !== "lapsed"; attempt++) {
      const losses = b.cache.losses.length;
      const frozenUntil = performance.now() + LEASE_MS + 200;
      while (performance.now() < frozenUntil) {
        // Nothing else runs meanwhile, heartbeats included.
      }
      expect(b.bus.cacheTrusted()).toBe(false);
      await waitFor(() => b.bus.cacheTrusted(), "a heartbeat after the freeze");
      expect(b.cache.losses.slice(losses)).toHaveLength(1);
      expect(["lapsed", "channel_lost"]).toContain(b.cache.losses.at(-1));
      await sleep(37 * (attempt + 1));
    }
    expect(b.cache.losses.at(-1)).toBe("lapsed");
  });

  it("leaves the registry on close, so no one waits for it", async () => {
    const b = await node();
    await b.bus.close();
    const { rows } = await sql("select id from nodes where id = $1", [b.bus.nodeId]);
    expect(rows).toEqual([]);
    expect(b.bus.cacheTrusted()).toBe(false);
  });
});
