import type { KeyUse, Store } from "@latchkey/core";

/**
 * Last use of each key, kept in memory and written in batches: at most one write per key per
 * interval, never a write on the request path. Flushed on shutdown.
 */
export class UsageRecorder {
  private pendingUses = new Map<number, KeyUse>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<Store, "recordUse">,
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

  /** The not-yet-written use of a key, so that answers show it before the flush. */
  pending(id: number): KeyUse | undefined {
    return this.pendingUses.get(id);
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pendingUses.size === 0) return;
      const batch = [...this.pendingUses.values()];
      this.pendingUses = new Map();
      try {
        await this.store.recordUse(batch);
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
