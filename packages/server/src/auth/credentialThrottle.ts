import { LRUCache } from "lru-cache";
import type { RateLimiter } from "../rateLimit/rateLimiter.js";
import type { Authenticator, AuthOutcome, NeedsLookup } from "./authenticator.js";
import type { CachedKey } from "./keyCache.js";

const MINUTE = 60_000;
/** Secrets seen failing, remembered per node for one window; bounded however many are sent. */
const FAILING_ENTRIES = 10_000;

/** Refused because the address is throttled, without looking the credential up. */
export interface Throttled {
  ok: false;
  reason: "throttled";
  retryAfterMs: number;
  /** The key, when the cache knew it (and refused it): its refusal is still counted in its usage. */
  key?: CachedKey;
}

export interface CredentialThrottleLimits {
  /** Failed authentications a minute per address before it is throttled; 0 = no throttle. */
  failedAuthLimit: number;
  /** Further database look-ups a minute from a throttled address, for credentials not yet cached. */
  throttledLookupLimit: number;
}

/**
 * The failed-authentication throttle, per address, in front of the authenticator. Every
 * credential refused (malformed, unknown, revoked, expired, outside its allow-list) counts
 * against the address it came from. The throttle judges credentials, not addresses: a credential this node has verified (a live key or session in
 * the cache) is answered from the cache and never throttled, so one client presenting a dead
 * key cannot lock its neighbours behind the same NAT out. Everything else from an address with
 * `failedAuthLimit` failures this minute is refused with 429, and without a database look-up:
 * a cached refusal (expired, outside its allow-list), a secret this node saw fail within the
 * last minute (the stale key the address keeps sending), a malformed one. A secret neither
 * cached nor seen failing may still be looked up, `throttledLookupLimit` times a minute, so
 * that a valid key this node has not cached yet (after a restart, an eviction) gets in: a
 * look-up that finds a live key is taken back, so only failures use that allowance up.
 * Guessing from one address is thus held to `failedAuthLimit + throttledLookupLimit` look-ups
 * a minute, shared by all nodes when the limiter is Redis.
 */
export class CredentialThrottle {
  private readonly failing = new LRUCache<string, true>({ max: FAILING_ENTRIES, ttl: MINUTE });

  constructor(
    private readonly limiter: RateLimiter,
    private readonly authenticator: Authenticator,
    private readonly limits: CredentialThrottleLimits,
  ) {}

  /**
   * Authenticates `secret` used from `ip`, counting a refusal against `ip`. Synchronous for a
   * cached live credential: it costs no counter and no promise.
   */
  authenticate(
    secret: string,
    ip: string,
    now: Date,
  ): AuthOutcome | Throttled | Promise<AuthOutcome | Throttled> {
    const first = this.authenticator.fromCache(secret, ip, now);
    if (first.ok === true) return first;
    if (this.limits.failedAuthLimit === 0) {
      return first.ok === "lookup"
        ? this.authenticator.lookUp(secret, first.digest, ip, now)
        : first;
    }
    return this.judge(secret, first, ip, now);
  }

  private async judge(
    secret: string,
    first: AuthOutcome | NeedsLookup,
    ip: string,
    now: Date,
  ): Promise<AuthOutcome | Throttled> {
    const bucket = `fail:${ip}`;
    const { failedAuthLimit, throttledLookupLimit } = this.limits;
    const failures = await this.limiter.peek(bucket, MINUTE);
    if (failures.count < failedAuthLimit) {
      const outcome = first.ok === "lookup" ? await this.lookUp(secret, first, ip, now) : first;
      if (!outcome.ok) await this.limiter.hit(bucket, failedAuthLimit, MINUTE);
      return outcome;
    }
    const throttled: Throttled = { ok: false, reason: "throttled", retryAfterMs: failures.resetMs };
    if (first.ok !== "lookup") return first.key ? { ...throttled, key: first.key } : throttled;
    if (this.failing.has(first.digest)) return throttled;
    // Counted before the look-up, so that concurrent requests cannot all pass one check.
    const admitted = await this.limiter.hit(bucket, failedAuthLimit + throttledLookupLimit, MINUTE);
    if (!admitted.allowed) return { ...throttled, retryAfterMs: admitted.resetMs };
    const outcome = await this.lookUp(secret, first, ip, now);
    if (outcome.ok) {
      await this.limiter.release(bucket, MINUTE);
      return outcome;
    }
    const refused: Throttled = { ...throttled, retryAfterMs: admitted.resetMs };
    return outcome.key ? { ...refused, key: outcome.key } : refused;
  }

  private async lookUp(
    secret: string,
    first: NeedsLookup,
    ip: string,
    now: Date,
  ): Promise<AuthOutcome> {
    const outcome = await this.authenticator.lookUp(secret, first.digest, ip, now);
    // Unknown, revoked and expired stay so; whether a key's allow-list admits depends on the
    // address, so that refusal is not remembered (a live key is cached anyway).
    if (!outcome.ok && outcome.reason !== "ip_not_allowed") {
      this.failing.set(first.digest, true);
    }
    return outcome;
  }
}
