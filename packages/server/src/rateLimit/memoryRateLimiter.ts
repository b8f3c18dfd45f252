import { type Hit, type RateLimiter, toHit } from "./rateLimiter.js";

interface Window {
  count: number;
  endsAt: number;
}

/**
 * Counters in this process. A bucket's window starts at its first request (as with Redis's
 * expiry), so a burst is never split by a clock boundary; expired windows are swept at most
 * once a second, so memory is bounded by the buckets seen in one window.
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, Window>();
  private sweepAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async hit(bucket: string, limit: number, windowMs: number): Promise<Hit> {
    const now = this.now();
    this.sweep(now);
    const key = `${windowMs}:${bucket}`;
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return toHit(window.count, limit, window.endsAt - now);
  }

  async peek(bucket: string, windowMs: number) {
    const now = this.now();
    const window = this.windows.get(`${windowMs}:${bucket}`);
    return window && window.endsAt > now
      ? { count: window.count, resetMs: window.endsAt - now }
      : { count: 0, resetMs: 0 };
  }

  async release(bucket: string, windowMs: number): Promise<void> {
    const window = this.windows.get(`${windowMs}:${bucket}`);
    if (window && window.endsAt > this.now() && window.count > 0) window.count--;
  }

  private sweep(now: number): void {
    if (now < this.sweepAt) return;
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.sweepAt = now + 1000;
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {
    this.windows.clear();
  }
}
