import { performance } from "node:perf_hooks";
import type { KeyRecord, KeyUse, Store, UsageCount } from "@latchkey/core";
import { noMetrics, type UsageObserver } from "../metrics/metrics.js";

/** `2026-11-26T05:00:00.000Z` for any time in that hour. */
export function hourOf(at: string): string {
  return `${at.slice(0, 13)}:00:00.000Z`;
}

const HOUR_MS = 3_600_000;

const seconds = (since: number) => (performance.now() - since) / 1000;

/** A use waiting to be written; times stay numbers until the flush (no string per request). */
interface PendingUse {
  atMs: number;
  ip: string | null;
}

interface PendingCount {
  verified: number;
  denied: number;
}

const toKeyUse = (id: number, use: PendingUse): KeyUse => ({
  id,
  at: new Date(use.atMs).toISOString(),
  ip: use.ip,
});

const toUsageCount = (keyId: number, hour: number, c: PendingCount): UsageCount => ({
  keyId,
  hour: new Date(hour).toISOString(),
  verified: c.verified,
  denied: c.denied,
});

/**
 * Each key's last use and its verified/denied counts per hour, kept in memory and written in
 * batches: at most one write per key (and hour) per interval, never a write on the request
 * path. Flushed on shutdown.
 */
export class UsageRecorder {
  private pendingUses = new Map<number, PendingUse>();
  /** Counts by hour (its start, in ms since the epoch), then by key id. */
  private pendingCounts = new Map<number, Map<number, PendingCount>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<Store, "recordUse" | "recordUsage">,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
    private readonly observer: UsageObserver = noMetrics.usage,
  ) {}

  /** Keys whose last use waits to be written. */
  get pendingKeys(): number {
    return this.pendingUses.size;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Notes a key's use at `atMs` (ms since the epoch). Runs on every request: once a key is
   * pending, its entry is updated in place rather than replaced.
   */
  record(id: number, atMs: number, ip: string | null): void {
    const use = this.pendingUses.get(id);
    if (use) {
      use.atMs = atMs;
      use.ip = ip;
    } else this.pendingUses.set(id, { atMs, ip });
  }

  /** Counts one request of a key at `atMs`: let through (`verified`) or refused (`denied`). */
  count(keyId: number, outcome: "verified" | "denied", atMs: number): void {
    const hour = atMs - (atMs % HOUR_MS);
    let byKey = this.pendingCounts.get(hour);
    if (!byKey) {
      byKey = new Map();
      this.pendingCounts.set(hour, byKey);
    }
    let counts = byKey.get(keyId);
    if (!counts) {
      counts = { verified: 0, denied: 0 };
      byKey.set(keyId, counts);
    }
    counts[outcome]++;
  }

  /** The not-yet-written use of a key, so that answers show it before the flush. */
  pending(id: number): KeyUse | undefined {
    const use = this.pendingUses.get(id);
    return use && toKeyUse(id, use);
  }
  /** A key's last use, including one not yet flushed to the database. */
  lastUse(record: KeyRecord): { at: string | null; ip: string | null } {
    const pending = this.pending(record.id);
    return pending
      ? { at: pending.at, ip: pending.ip }
      : { at: record.lastUsedAt, ip: record.lastUsedIp };
  }

  /** The not-yet-written counts of a key, to add to what the database holds. */
  pendingCountsOf(keyId: number): UsageCount[] {
    const out: UsageCount[] = [];
    for (const [hour, byKey] of this.pendingCounts) {
      const counts = byKey.get(keyId);
      if (counts) out.push(toUsageCount(keyId, hour, counts));
    }
    return out;
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pendingUses.size === 0 && this.pendingCounts.size === 0) return;
      const uses = [...this.pendingUses].map(([id, use]) => toKeyUse(id, use));
      const counts = [...this.pendingCounts].flatMap(([hour, byKey]) =>
        [...byKey].map(([keyId, c]) => toUsageCount(keyId, hour, c)),
      );
      this.pendingUses = new Map();
      this.pendingCounts = new Map();
      const started = performance.now();
      try {
        await this.store.recordUse(uses);
        await this.store.recordUsage(counts);
        this.observer.flushed(uses.length + counts.length, seconds(started), true);
      } catch (err) {
        this.observer.flushed(0, seconds(started), false);
        this.onError(err);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
