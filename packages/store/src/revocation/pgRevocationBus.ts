import { createHash, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { LeaseLossReason, RevocationBus, RevocationListener } from "@latchkey/core";
import type pg from "pg";
import { pgDriver } from "../drivers.js";
import {
  type PostgresOptions,
  postgresClientConfig,
  resolveSchema,
} from "../postgresConnection.js";
import { type LeaseTimings, leaseTimings } from "./leaseTimings.js";
import { type BusLog, noListener } from "./revocationBus.js";

export interface PgRevocationBusOptions extends PostgresOptions {
  /** How long a node trusts its cache after its last successful heartbeat. */
  leaseMs: number;
  log?: BusLog | undefined;
}

/** The NOTIFY channel of a schema: the same value as the trigger's expression in dialect.ts. */
export function channelOf(schema: string): string {
  return `latchkey_${createHash("md5").update(schema).digest("hex")}`;
}

interface Waiter {
  pending: Set<string>;
  /** performance.now() until which a node's verifiers may still hold a lease (see settle). */
  leasesUntil: number;
  done(): void;
}

interface PeerRow {
  id: string;
  live: boolean;
  evicted_ms_ago: number | null;
}

const REGISTER = `
  insert into nodes (id, host, started_at, last_seen, evicted_at)
  values ($1, $2, now(), now(), null)
  on conflict (id) do update set last_seen = now(), evicted_at = null`;

/**
 * Revocations across nodes on PostgreSQL (docs/revocation.md has the argument in full).
 *
 * Each node holds one dedicated connection that LISTENs on the schema's channel and heartbeats
 * the node's row in `nodes`; a heartbeat that succeeds renews the node's lease, and the node
 * answers from its cache only while the lease runs. A trigger NOTIFYs every key change in the
 * changing transaction (and another every insert, without ids). After committing a revocation a node sends a barrier on the channel;
 * notifications arrive in commit order, so a node that acknowledges the barrier has dropped
 * the key. Nodes that stay silent are evicted (their heartbeats fail from then on) and the
 * revoking node waits until their leases have run out.
 */
export class PgRevocationBus implements RevocationBus {
  readonly nodeId = randomBytes(6).toString("hex");
  private listener: RevocationListener = noListener;
  private client: pg.Client | undefined;
  /** performance.now() until which the cache may be trusted; 0 when it may not. */
  private leaseUntil = 0;
  private heartbeatSentAt: number | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = 50;
  private closed = false;
  private tokens = 0;
  private readonly waiters = new Map<string, Waiter>();
  private readonly pool: pg.Pool;
  private readonly log: BusLog;
  readonly timings: LeaseTimings;

  /** Connects, LISTENs and registers the node; start-up fails if the database does not answer. */
  static async open(options: PgRevocationBusOptions): Promise<PgRevocationBus> {
    const schema = await resolveSchema(options);
    const bus = new PgRevocationBus(options, channelOf(schema));
    try {
      await bus.connect();
    } catch (err) {
      await bus.close();
      throw err;
    }
    bus.heartbeatTimer = setInterval(() => void bus.heartbeat(), bus.timings.heartbeatMs);
    bus.heartbeatTimer.unref();
    return bus;
  }

  private constructor(
    private readonly options: PgRevocationBusOptions,
    readonly channel: string,
  ) {
    this.timings = leaseTimings(options.leaseMs);
    this.log = options.log ?? (() => {});
    this.pool = new (pgDriver().Pool)({ ...postgresClientConfig(options), max: 2 });
    this.pool.on("error", () => {});
  }

  attach(listener: RevocationListener): void {
    this.listener = listener;
  }

  cacheTrusted(): boolean {
    return performance.now() < this.leaseUntil;
  }

  trustRemainingMs(): number {
    return Math.max(0, this.leaseUntil - performance.now());
  }

  state(): "trusted" | "untrusted" {
    return this.cacheTrusted() ? "trusted" : "untrusted";
  }

  async revoked(keyIds: readonly number[]): Promise<void> {
    this.listener.invalidate(keyIds);
    // Other nodes (and, through their acknowledgements, their verifiers), and this node's
    // own verifiers, at the same time.
    await Promise.all([this.confirm(), this.settleOwn()]);
  }

  /** This node's verifiers: acknowledged, or their leases waited out. */
  private async settleOwn(): Promise<void> {
    const waitMs = (await this.listener.settle?.()) ?? 0;
    if (waitMs > 0) await sleep(waitMs);
  }

  /** Resolves once every node either acknowledged everything committed so far or lost its lease. */
  private async confirm(): Promise<void> {
    const { leaseMs, marginMs, ackTimeoutMs } = this.timings;
    // A node silent for longer than its lease is marked evicted. The update waits for any
    // heartbeat in flight and skips a node whose heartbeat just landed, so a node is either
    // still live below or can no longer renew its (already expired) lease.
    await this.pool.query(
      `update nodes set evicted_at = last_seen
       where evicted_at is null and last_seen < now() - $1::float8 * interval '1 millisecond'`,
      [leaseMs + marginMs],
    );
    const { rows } = await this.pool.query<PeerRow>(
      `select id, evicted_at is null as live,
              extract(epoch from clock_timestamp() - evicted_at)::float8 * 1000 as evicted_ms_ago
       from nodes where id <> $1`,
      [this.nodeId],
    );
    // A node evicted moment ago (by another revocation) may still hold its lease: wait it out.
    const leaseWaitMs = Math.max(
      0,
      ...rows.map((r) => (r.live ? 0 : leaseMs + marginMs - (r.evicted_ms_ago ?? 0))),
    );
    const leasesOver = sleep(leaseWaitMs);
    const live = rows.filter((r) => r.live).map((r) => r.id);
    const { silent, leasesUntil } = await this.barrier(live, ackTimeoutMs);
    // Nodes that acknowledged may have given up on some of their verifiers: wait those out.
    const verifiersOver = sleep(Math.max(0, leasesUntil - performance.now()));
    if (silent.length > 0) {
      await this.pool.query(
        "update nodes set evicted_at = now() where id = any($1) and evicted_at is null",
        [silent],
      );
      this.log("warn", "nodes did not acknowledge a revocation; evicted them, waiting out leases", {
        nodes: silent,
        waitMs: leaseMs + marginMs,
      });
      await sleep(leaseMs + marginMs);
    }
    await leasesOver;
    await verifiersOver;
  }

  /**
   * Sends a barrier and returns the nodes that did not acknowledge it in time, and until when
   * the verifiers of those that did may still hold a lease.
   */
  private async barrier(
    nodes: string[],
    timeoutMs: number,
  ): Promise<{ silent: string[]; leasesUntil: number }> {
    if (nodes.length === 0) return { silent: [], leasesUntil: 0 };
    const token = `${++this.tokens}${randomBytes(4).toString("hex")}`;
    const pending = new Set(nodes);
    let done = () => {};
    const acknowledged = new Promise<void>((resolve) => {
      done = resolve;
    });
    const waiter: Waiter = { pending, leasesUntil: 0, done };
    this.waiters.set(token, waiter);
    const timeout = new AbortController();
    try {
      await this.pool.query("select pg_notify($1, $2)", [
        this.channel,
        `b:${this.nodeId}:${token}`,
      ]);
      await Promise.race([
        acknowledged,
        sleep(timeoutMs, undefined, { signal: timeout.signal }).catch(() => {}),
      ]);
    } finally {
      timeout.abort();
      this.waiters.delete(token);
    }
    return { silent: [...pending], leasesUntil: waiter.leasesUntil };
  }

  private onNotification(client: pg.Client, message: pg.Notification): void {
    if (client !== this.client || message.channel !== this.channel) return;
    const parts = (message.payload ?? "").split(":");
    switch (parts[0]) {
      case "k": {
        const id = Number(parts[1]);
        if (Number.isSafeInteger(id)) this.listener.invalidate([id]);
        return;
      }
      case "n":
        this.listener.keysAdded?.();
        return;
      case "b": {
        // Everything committed before the barrier has been delivered (and handled) before it.
        const [, from, token] = parts;
        if (from === undefined || token === undefined || from === this.nodeId) return;
        const ack = (waitMs: number) => {
          const wait = waitMs > 0 ? `:${Math.ceil(waitMs)}` : "";
          client
            .query("select pg_notify($1, $2)", [
              this.channel,
              `a:${from}:${token}:${this.nodeId}${wait}`,
            ])
            .catch(() => {});
        };
        // This node's verifiers apply what came before the barrier (or lose their leases)
        // before the node acknowledges; the wait for the latter travels with the ack.
        const settling = this.listener.settle?.();
        if (settling === undefined) ack(0);
        else
          settling.then(
            (waitMs) => {
              if (client === this.client) ack(waitMs);
            },
            () => {},
          );
        return;
      }
      case "a": {
        const [, to, token, from, wait] = parts;
        if (to !== this.nodeId || token === undefined || from === undefined) return;
        const waiter = this.waiters.get(token);
        if (!waiter) return;
        const waitMs = Number(wait ?? 0);
        if (Number.isFinite(waitMs) && waitMs > 0) {
          waiter.leasesUntil = Math.max(waiter.leasesUntil, performance.now() + waitMs);
        }
        waiter.pending.delete(from);
        if (waiter.pending.size === 0) waiter.done();
        return;
      }
    }
  }

  private async connect(): Promise<void> {
    const client = new (pgDriver().Client)({
      ...postgresClientConfig(this.options),
      application_name: `latchkey-node-${this.nodeId}`,
    });
    client.on("error", (err) => this.lost(client, err.message));
    client.on("end", () => this.lost(client, "connection ended"));
    client.on("notification", (message) => this.onNotification(client, message));
    this.client = client;
    try {
      await client.connect();
      await client.query(`listen "${this.channel}"`);
      // Rows of nodes gone long ago; an evicted node's row stays until every wait on it is over.
      await client.query(
        `delete from nodes where id <> $1 and
         (evicted_at < now() - interval '1 hour' or last_seen < now() - interval '1 day')`,
        [this.nodeId],
      );
      await this.register(client);
    } catch (err) {
      this.drop(client);
      throw err;
    }
    this.reconnectDelayMs = 50;
    this.log("info", "revocation channel up; cache trusted", { node: this.nodeId });
  }

  /** (Re-)registers the node; the cache starts empty because revocations may have been missed. */
  private async register(client: pg.Client): Promise<void> {
    const sentAt = performance.now();
    await client.query(REGISTER, [this.nodeId, `${hostname()}:${process.pid}`]);
    if (client !== this.client) return;
    this.listener.clear();
    this.leaseUntil = sentAt + this.timings.leaseMs;
  }

  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    if (this.heartbeatSentAt !== undefined) {
      // A heartbeat that hangs past a whole lease means the connection is dead in all but name.
      if (performance.now() - this.heartbeatSentAt > this.timings.leaseMs) {
        this.lost(client, "heartbeat timed out");
      }
      return;
    }
    const sentAt = performance.now();
    this.heartbeatSentAt = sentAt;
    try {
      const result = await client.query(
        "update nodes set last_seen = now() where id = $1 and evicted_at is null",
        [this.nodeId],
      );
      if (client !== this.client) return;
      if (result.rowCount === 1) {
        // After a lapse, start afresh rather than reason about what happened meanwhile.
        if (sentAt >= this.leaseUntil) {
          this.listener.clear();
          if (this.leaseUntil !== 0) this.listener.leaseLost?.("lapsed");
        }
        this.leaseUntil = sentAt + this.timings.leaseMs;
        return;
      }
      this.distrust("evicted by another node (it did not hear back in time)", "evicted");
      await this.register(client);
      this.log("info", "re-registered after eviction; cache trusted again", { node: this.nodeId });
    } catch (err) {
      this.lost(client, err instanceof Error ? err.message : String(err));
    } finally {
      if (this.heartbeatSentAt === sentAt) this.heartbeatSentAt = undefined;
    }
  }

  private distrust(reason: string, loss: LeaseLossReason): void {
    this.leaseUntil = 0;
    this.listener.clear();
    this.listener.leaseLost?.(loss);
    this.log("warn", `cache distrusted: ${reason}`, { node: this.nodeId, reason });
  }

  /** The notification connection failed: stop trusting the cache and reconnect. */
  private lost(client: pg.Client, reason: string): void {
    if (client !== this.client) return;
    this.drop(client);
    this.distrust(`revocation channel lost (${reason})`, "channel_lost");
    this.scheduleReconnect();
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    this.heartbeatSentAt = undefined;
    // Destroy rather than end: a half-open socket would never finish a polite goodbye.
    client.connection.stream.destroy();
    client.end().catch(() => {});
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((err: unknown) => {
        this.log("warn", "revocation channel still down; cache bypassed", {
          node: this.nodeId,
          error: err instanceof Error ? err.message : String(err),
        });
        this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, this.timings.leaseMs);
        this.scheduleReconnect();
      });
    }, this.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  /** Leaves the cluster: other nodes stop waiting for this one at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    this.leaseUntil = 0;
    const client = this.client;
    this.client = undefined;
    try {
      await this.pool.query("delete from nodes where id = $1", [this.nodeId]);
    } catch {
      // Unreachable database: the row goes stale and others stop counting it after a lease.
    }
    if (client) await client.end().catch(() => {});
    await this.pool.end();
  }
}
