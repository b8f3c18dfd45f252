import type { Verdict } from "../types.js";

/** Longest a cached verdict may be reused: the documented staleness bound can never exceed it. */
export const MAX_CACHE_TTL_MS = 300_000;

export interface VerdictCacheOptions {
  /**
   * How long a verdict is reused, in ms (at most 300000). A key deleted, reset or re-scoped on
   * the server may still be accepted by this process for up to this long.
   */
  ttlMs: number;
  /** Entries kept; the oldest go first. Default 10000. */
  maxEntries?: number;
}

async function digest(text: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An in-process cache of verdicts, off by default because revocation must be immediate: with
 * it, a revoked key keeps working in this process until its entry ages out (at most `ttlMs`,
 * never past the key's own expiry). For verdicts answered in-process that a revocation still
 * reaches before it returns, use `Verifier` (`requireKey({ verifier })`, docs/revocation.md)
 * instead; this cache is for those who accept staleness. Only VALID and FORBIDDEN verdicts are kept. Entries are
 * keyed by a SHA-256 of the key and the question, so no secret is held as a map key.
 *
 * @example
 * const cache = new VerdictCache({ ttlMs: 5_000 });
 * app.get("/things", requireKey({ category: "misc", cache }), handler);
 */
export class VerdictCache {
  readonly ttlMs: number;
  readonly maxEntries: number;
  private readonly entries = new Map<string, { verdict: Verdict; until: number }>();

  constructor(options: VerdictCacheOptions) {
    if (!(options.ttlMs > 0 && options.ttlMs <= MAX_CACHE_TTL_MS)) {
      throw new RangeError(`ttlMs must be more than 0 and at most ${MAX_CACHE_TTL_MS}`);
    }
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cache key of one question about one key. */
  static keyOf(question: {
    key: string;
    category?: string | undefined;
    route?: string | undefined;
    params?: Record<string, unknown> | undefined;
    ip?: string | undefined;
  }): Promise<string> {
    const { key, ...rest } = question;
    return digest(`${key}\n${JSON.stringify(rest)}`);
  }

  get(id: string, now = Date.now()): Verdict | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.verdict;
  }

  /**
   * Keeps a verdict the server just gave. Any other answer (revoked, expired, unknown...)
   * drops what was kept for the same question: a verify call that raced a revocation may have
   * filled the entry from before it.
   */
  set(id: string, verdict: Verdict, now = Date.now()): void {
    this.entries.delete(id);
    if (verdict.code !== "VALID" && verdict.code !== "FORBIDDEN") return;
    const expires =
      verdict.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(verdict.expires_at);
    const until = Math.min(now + this.ttlMs, expires);
    // An expiry that does not parse would make `until` NaN, which no later time passes: such
    // a verdict is not kept at all.
    if (!(until > now)) return;
    this.entries.set(id, { verdict, until });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Drops every entry (e.g. after revoking a key from this same process). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
