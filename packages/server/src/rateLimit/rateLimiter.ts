/** One counted request: whether it is within the limit, and when the window ends. */
export interface Hit {
  allowed: boolean;
  /** Requests left in this window (0 once over). */
  remaining: number;
  /** Milliseconds until the window ends and the count starts again. */
  resetMs: number;
}

/**
 * Fixed-window counters: `hit` counts one request in `bucket` and says whether it is within
 * `limit` per `windowMs`. Two implementations: in memory (one node) and Redis (shared by all
 * nodes, so N nodes do not multiply a caller's allowance by N).
 */
export interface RateLimiter {
  hit(bucket: string, limit: number, windowMs: number): Promise<Hit>;
  /** Reads a bucket without counting (for "is this IP already throttled?"). */
  peek(bucket: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
  /**
   * Takes one hit back from the bucket's current window (never below 0, never extending it):
   * for a request counted before it ran that turned out not to count, e.g. a login attempt
   * admitted first, so that concurrent attempts cannot all pass one check, and then correct.
   */
  release(bucket: string, windowMs: number): Promise<void>;
  /** Resolves once counting is shared as intended (for Redis: connected, or given up on). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function toHit(count: number, limit: number, resetMs: number): Hit {
  return {
    allowed: count <= limit,
    remaining: Math.max(0, limit - count),
    resetMs: Math.max(0, resetMs),
  };
}
