/**
 * Counts calls per caller in fixed windows (e.g. per minute), in this process's memory. All
 * callers share window boundaries, so the whole table is dropped when a window ends and memory
 * is bounded by the callers seen in one window.
 */
export class FixedWindowLimiter {
  private counts = new Map<string, number>();
  private windowEnd = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one call; answers whether it is allowed, and if not, the seconds until it will be. */
  take(caller: string, now: number): { allowed: true } | { allowed: false; retryAfter: number } {
    if (this.limit <= 0) return { allowed: true };
    if (now >= this.windowEnd) {
      this.counts = new Map();
      this.windowEnd = now - (now % this.windowMs) + this.windowMs;
    }
    const count = (this.counts.get(caller) ?? 0) + 1;
    this.counts.set(caller, count);
    if (count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfter: Math.max(1, Math.ceil((this.windowEnd - now) / 1000)) };
  }
}
