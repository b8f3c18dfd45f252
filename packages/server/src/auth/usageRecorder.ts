import type { KeyUse, Store, UsageCount } from "@latchkey/core";

/** `2026-11-26T05:00:00.000Z` for any time in that hour. */
export function hourOf(at: string): string {
  return `${at.slice(0, 13)}:00:00.000Z`;
}

/**
 * Each key's last use and its verified/denied counts per hour, kept in memory and written in
 * batches: at most one write per key (and hour) per interval, never a write on the request
 * path. Flushed on shutdown.
 */
export class UsageRecorder {
  private pendingUses = new Map<number, KeyUse>();
  private pendingCounts = new Map<string, UsageCount>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<Store, "recordUse" | "recordUsage">,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  record(id: number, at: string, ip: string | null): void {
    this.pendingUses.set(id, { id, at, ip });
  }

  /** Counts one request of a key: let through (`verified`) or refused (`denied`). */
  count(keyId: number, outcome: "verified" | "denied", at: string): void {
    const hour = hourOf(at);
    const slot = `${keyId}|${hour}`;
    let counts = this.pendingCounts.get(slot);
    if (!counts) {
      counts = { keyId, hour, verified: 0, denied: 0 };
      this.pendingCounts.set(slot, counts);
    }
    counts[outcome]++;
  }

  /** The not-yet-written use of a key, so that answers show it before the flush. */
  pending(id: number): KeyUse | undefined {
    return this.pendingUses.get(id);
  }

  /** The not-yet-written counts of a key, to add to what the database holds. */
  pendingCountsOf(keyId: number): UsageCount[] {
    return [...this.pendingCounts.values()].filter((c) => c.keyId === keyId);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pendingUses.size === 0 && this.pendingCounts.size === 0) return;
      const uses = [...this.pendingUses.values()];
      const counts = [...this.pendingCounts.values()];
      this.pendingUses = new Map();
      this.pendingCounts = new Map();
      try {
        await this.store.recordUse(uses);
        await this.store.recordUsage(counts);
      } catch (err) {
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
