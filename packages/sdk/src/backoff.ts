/** Statuses worth retrying: rate limited, and a gateway or server that is not ready. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Methods that may be repeated without repeating an effect. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "DELETE"]);

/**
 * Whether a failed attempt may be retried. 429 and 503 mean the server did not act, so every
 * method retries. A 502/504 or a dropped connection may come after the server acted, so a
 * create or reset (which would mint a second secret) retries only when the connection was
 * refused, i.e. the request never reached the server.
 */
export function mayRetry(method: string, outcome: { status: number } | { networkCode?: string }) {
  if ("status" in outcome) {
    if (outcome.status === 429 || outcome.status === 503) return true;
    return RETRYABLE_STATUSES.has(outcome.status) && IDEMPOTENT_METHODS.has(method);
  }
  return IDEMPOTENT_METHODS.has(method) || outcome.networkCode === "ECONNREFUSED";
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or bad. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Exponential backoff with jitter: attempt 0 waits 100–200 ms, doubling, at most 8 s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(8000, 200 * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2);
}
