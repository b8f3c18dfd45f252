import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { RevocationBus, VerifierConnection } from "@latchkey/core";
import { leaseTimings } from "@latchkey/store";
import type { VerifierObserver } from "../metrics/metrics.js";

/**
 * This node's verifiers: services that verify keys in-process and hear of every revocation
 * over a stream (docs/revocation.md, "Verifiers"). The hub sends them invalidations, counts
 * their acknowledgements, grants their leases and, when a revocation must be confirmed,
 * waits until each has acknowledged or lost its lease.
 */

/** The clocks of the verifier protocol, from its lease and the nodes' own. */
export interface VerifierTimings {
  /**
   * The lease: no revocation waits longer than this for a verifier that does not acknowledge
   * it, counted from when the revocation was sent to it.
   */
  leaseMs: number;
  /**
   * The most a verifier is granted at a time: the lease less the margin, counted by the
   * verifier from when it sent its request, so that it stops answering from its cache before
   * this node stops waiting for it even if its clock runs a little slow.
   */
  grantMs: number;
  /** How often a verifier renews, and how often the hub sends a heartbeat. */
  renewMs: number;
  /**
   * How long an invalidation may wait for its acknowledgement before the verifier is cut off.
   * Below a quarter of the node lease, so that a node that waits for its verifiers before
   * acknowledging a barrier still answers the revoking node in time.
   */
  ackTimeoutMs: number;
  /** Kept off every grant, for a verifier whose clock runs slower than this node's. */
  marginMs: number;
}

export function verifierTimings(verifierLeaseMs: number, nodeLeaseMs: number): VerifierTimings {
  const t = leaseTimings(verifierLeaseMs);
  return {
    leaseMs: verifierLeaseMs,
    grantMs: verifierLeaseMs - t.marginMs,
    renewMs: t.heartbeatMs,
    ackTimeoutMs: Math.max(25, Math.min(t.ackTimeoutMs, Math.floor(nodeLeaseMs / 4))),
    marginMs: t.marginMs,
  };
}

/**
 * The longest a revocation waits for a verifier that never acknowledges it: the lease. A
 * verifier's grants never reach past a lease after the oldest event it has not applied, so
 * renewing without applying gains it nothing.
 */
export function worstCaseVerifierWaitMs(t: VerifierTimings): number {
  return t.leaseMs;
}

/** Where a connection's events go: the open response of its stream. */
export interface EventSink {
  /** Writes one Server-Sent Event. */
  send(event: string, data: unknown): void;
  /** Ends the stream (the verifier reconnects, with an empty cache). */
  end(): void;
}

export interface VerifierIdentity {
  verifierId: number;
  userId: number;
}

interface Waiter {
  seq: number;
  done(): void;
}

/** One open stream. */
export class VerifierLink {
  readonly id = randomBytes(12).toString("hex");
  readonly connectedAt: Date;
  /** The last event number sent, and the last the verifier acknowledged having applied. */
  sent = 0;
  acked = 0;
  /** The number of the last reset: no lease is granted before it is acknowledged. */
  resetSeq = 0;
  /**
   * performance.now() until which this node waits for it (this node's clock): the end of its
   * last grant plus the margin.
   */
  leaseEnd = 0;
  /** Cut off (an acknowledgement came too late) or gone: it gets no more leases. */
  over = false;
  /** Send times of events not yet acknowledged, oldest first. */
  readonly unacked: { seq: number; at: number }[] = [];
  readonly waiters: Waiter[] = [];
  /** The slowest acknowledgement since the last report, in ms. */
  lagMs: number | null = null;

  constructor(
    readonly who: VerifierIdentity,
    readonly sink: EventSink,
    now: Date,
  ) {
    this.connectedAt = now;
  }
}

export interface Grant {
  /** The lease granted from the moment the verifier sent its request (0: none this time). */
  leaseMs: number;
  /** The last event sent: the lease counts only once the verifier has applied it. */
  seq: number;
}

export class VerifierHub {
  private readonly links = new Map<string, VerifierLink>();
  /**
   * Streams cut off or gone whose last lease may still run: every revocation waits them out
   * (they no longer hear of it), as a revoking node waits out a node evicted a moment ago.
   */
  private readonly lapsing = new Map<string, VerifierLink>();
  private heartbeat: NodeJS.Timeout | undefined;
  private report: NodeJS.Timeout | undefined;
  private closed = false;
  /** How often this node writes its streams to the database, for the list of verifiers. */
  readonly reportEveryMs: number;

  constructor(
    readonly timings: VerifierTimings,
    private readonly bus: Pick<RevocationBus, "trustRemainingMs">,
    readonly nodeId: string,
    private readonly observer: VerifierObserver,
    private readonly now: () => Date,
    private readonly save?: (links: readonly VerifierConnection[]) => Promise<void>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.reportEveryMs = Math.max(1000, timings.leaseMs);
  }

  /** Heartbeats on every stream, and the periodic report to the database. */
  start(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const link of this.links.values()) link.sink.send("heartbeat", { seq: link.sent });
    }, this.timings.renewMs);
    this.heartbeat.unref();
    if (this.save) {
      this.report = setInterval(() => void this.flushReport(), this.reportEveryMs);
      this.report.unref();
    }
  }

  get connected(): number {
    return this.links.size;
  }

  /** Opens a stream: the hello names the connection and grants a first lease. */
  open(who: VerifierIdentity, sink: EventSink): VerifierLink {
    const link = new VerifierLink(who, sink, this.now());
    if (this.closed) {
      // The server is stopping: a stream opened now would hold its close open for ever.
      link.over = true;
      sink.end();
      return link;
    }
    this.links.set(link.id, link);
    const grant = this.grant(link);
    sink.send("hello", {
      connection: link.id,
      lease_ms: grant.leaseMs,
      renew_ms: this.timings.renewMs,
      seq: 0,
    });
    void this.flushReport();
    return link;
  }

  /** The stream ended (the verifier left, or its connection broke). */
  gone(link: VerifierLink): void {
    if (!this.links.delete(link.id)) return;
    if (link.unacked.length > 0) this.observer.leaseLost("disconnected");
    this.finish(link);
    void this.flushReport();
  }

  /** Keys to forget: sent to every stream; the streams of these verifiers themselves end. */
  invalidate(keyIds: readonly number[]): void {
    if (this.links.size === 0) return;
    const ids = new Set(keyIds);
    for (const link of [...this.links.values()]) {
      if (ids.has(link.who.verifierId)) {
        // A deleted verifier: its stream ends, and it cannot connect again.
        this.cut(link, undefined);
        continue;
      }
      this.send(link, "invalidate", { key_ids: keyIds });
    }
  }

  /** Everything is to be forgotten: this node may have missed revocations. */
  reset(): void {
    for (const link of this.links.values()) {
      this.send(link, "reset", {});
      link.resetSeq = link.sent;
    }
  }

  /**
   * An acknowledgement (and renewal) from a verifier: everything up to `seq` is applied. The
   * lease is granted only to a live stream of this verifier that has applied its last reset,
   * and never beyond this node's own trust, so no verifier outlives the node's lease.
   */
  acknowledge(
    who: VerifierIdentity,
    connection: string,
    seq: number,
    release = false,
  ): Grant | undefined {
    if (release) return this.release_(who, connection);
    const link = this.links.get(connection);
    if (!link || link.over || link.who.verifierId !== who.verifierId) return undefined;
    if (seq > link.acked && seq <= link.sent) {
      link.acked = seq;
      const at = performance.now();
      while (link.unacked.length > 0 && (link.unacked[0]?.seq ?? 0) <= seq) {
        const sent = link.unacked.shift();
        if (sent) {
          const lag = at - sent.at;
          link.lagMs = Math.max(link.lagMs ?? 0, Math.round(lag));
          this.observer.acked(lag / 1000);
        }
      }
      this.release(link);
    }
    return this.grant(link);
  }

  /**
   * The verifier closed: it says it no longer answers from its cache, so nothing need wait for
   * its lease. Only the verifier itself can say so (its token, its connection id).
   */
  private release_(who: VerifierIdentity, connection: string): Grant | undefined {
    const link = this.links.get(connection) ?? this.lapsing.get(connection);
    if (!link || link.who.verifierId !== who.verifierId) return undefined;
    link.leaseEnd = 0;
    this.lapsing.delete(connection);
    if (this.links.has(connection)) this.cut(link, undefined);
    this.lapsing.delete(connection);
    return { leaseMs: 0, seq: link.sent };
  }

  /**
   * A grant reaches no further than this node's own trust, nor than a lease after the oldest
   * event the verifier has not yet applied: a verifier that renews but never applies an
   * invalidation loses its lease a lease after it was sent, however often it renews.
   */
  private grant(link: VerifierLink): Grant {
    if (link.over || link.acked < link.resetSeq) return { leaseMs: 0, seq: link.sent };
    const at = performance.now();
    const oldest = link.unacked[0];
    const untilMs = Math.min(
      this.timings.leaseMs,
      this.bus.trustRemainingMs(),
      oldest === undefined ? Number.POSITIVE_INFINITY : oldest.at + this.timings.leaseMs - at,
    );
    const leaseMs = Math.floor(untilMs - this.timings.marginMs);
    if (leaseMs <= 0) return { leaseMs: 0, seq: link.sent };
    link.leaseEnd = Math.max(link.leaseEnd, at + leaseMs + this.timings.marginMs);
    return { leaseMs, seq: link.sent };
  }

  /**
   * Resolves once every stream has acknowledged what it was sent so far, or has been cut off
   * (ack timeout) or gone; the value is how much longer the leases of those cut off or gone
   * may run (margin included).
   */
  settle(): Promise<number> {
    const pending: { link: VerifierLink; seq: number }[] = [];
    for (const link of this.links.values()) {
      if (link.acked < link.sent) pending.push({ link, seq: link.sent });
    }
    if (pending.length === 0) return Promise.resolve(this.lingeringMs());
    const waits = pending.map(
      ({ link, seq }) =>
        new Promise<VerifierLink>((resolve) => {
          if (link.over || link.acked >= seq) resolve(link);
          else link.waiters.push({ seq, done: () => resolve(link) });
        }),
    );
    const timer = setTimeout(() => {
      for (const { link, seq } of pending) {
        if (!link.over && link.acked < seq) {
          this.observer.leaseLost("ack_timeout");
          this.cut(link, "acknowledgement too late");
        }
      }
    }, this.timings.ackTimeoutMs);
    return Promise.all(waits).then((links) => {
      clearTimeout(timer);
      const at = performance.now();
      let waitMs = 0;
      for (const link of links) {
        if (link.over && link.leaseEnd > 0) waitMs = Math.max(waitMs, link.leaseEnd - at);
      }
      // Counted now, not before the wait: what lingered then has had that long to run out.
      return Math.max(this.lingeringMs(), Math.ceil(waitMs));
    });
  }

  /** How long the leases of streams cut off or gone may still run (margin included). */
  private lingeringMs(): number {
    const at = performance.now();
    let waitMs = 0;
    for (const [id, link] of this.lapsing) {
      const left = link.leaseEnd - at;
      if (left <= 0) this.lapsing.delete(id);
      else waitMs = Math.max(waitMs, left);
    }
    return Math.ceil(waitMs);
  }

  /** Ends every stream (the server stops); verifiers reconnect to another node. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearInterval(this.report);
    for (const link of [...this.links.values()]) this.cut(link, undefined);
    try {
      await this.save?.([]);
    } catch (err) {
      this.onError(err);
    }
  }

  /** The streams of these verifiers on this node, as the list of verifiers shows them. */
  connectionsOf(verifierId: number): VerifierLink[] {
    return [...this.links.values()].filter((l) => l.who.verifierId === verifierId);
  }

  private send(link: VerifierLink, event: "invalidate" | "reset", data: object): void {
    link.sent++;
    link.unacked.push({ seq: link.sent, at: performance.now() });
    link.sink.send(event, { seq: link.sent, ...data });
  }

  /** No more leases; the stream ends, and waits on it are over. */
  private cut(link: VerifierLink, reason: string | undefined): void {
    this.links.delete(link.id);
    if (reason !== undefined) link.sink.send("cut", { reason });
    link.sink.end();
    this.finish(link);
    void this.flushReport();
  }

  private finish(link: VerifierLink): void {
    link.over = true;
    if (link.leaseEnd > 0) this.lapsing.set(link.id, link);
    for (const w of link.waiters.splice(0)) w.done();
  }

  private release(link: VerifierLink): void {
    const still: Waiter[] = [];
    for (const w of link.waiters.splice(0)) {
      if (link.acked >= w.seq) w.done();
      else still.push(w);
    }
    link.waiters.push(...still);
  }

  private reporting = false;
  private reportAgain = false;

  /** Writes this node's streams for the list of verifiers (one write at a time). */
  private async flushReport(): Promise<void> {
    if (!this.save || this.closed) return;
    if (this.reporting) {
      this.reportAgain = true;
      return;
    }
    this.reporting = true;
    try {
      do {
        this.reportAgain = false;
        const seenAt = this.now().toISOString();
        const at = performance.now();
        const rows = [...this.links.values()].map((link) => {
          const waiting = link.unacked[0];
          const open = waiting === undefined ? null : Math.round(at - waiting.at);
          const lag =
            link.lagMs === null && open === null ? null : Math.max(link.lagMs ?? 0, open ?? 0);
          link.lagMs = null;
          return {
            id: link.id,
            verifierId: link.who.verifierId,
            nodeId: this.nodeId,
            connectedAt: link.connectedAt.toISOString(),
            seenAt,
            ackLagMs: lag,
          };
        });
        await this.save(rows);
      } while (this.reportAgain && !this.closed);
    } catch (err) {
      this.onError(err);
    } finally {
      this.reporting = false;
    }
  }
}
