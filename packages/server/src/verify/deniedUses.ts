import type { Store } from "@latchkey/core";
import type { Origin, Principal } from "../auth/principal.js";
import type { RateLimiter } from "../rateLimit/rateLimiter.js";

const MINUTE = 60_000;

/**
 * Refused uses of known keys (outside the allow-list, expired, lacking the permission; on the
 * REST routes and through the verify API): each counts against its key, and while the key is
 * within `limit` refusals a minute the refusal is audited, as a count in one row per key,
 * route, reason and minute. Beyond the limit the caller gets 429 (RATE_LIMITED) and nothing is
 * written, so a flood with a leaked key neither escapes 429 nor grows the audit log; the key's
 * hourly usage counts (counted by the callers) still see every refusal. Only refusals count:
 * the key's allowed uses are never refused because of them.
 */
export class DeniedUses {
  constructor(
    private readonly store: Store,
    private readonly limiter: RateLimiter,
    private readonly limit: number,
  ) {}

  /**
   * Counts and audits one refusal: undefined when it was audited (answer it as refused), or
   * the milliseconds until the key's refusals are audited again (answer 429).
   */
  async refuse(
    caller: Pick<Principal, "user" | "key">,
    origin: Origin,
    args: Record<string, unknown>,
  ): Promise<number | undefined> {
    if (this.limit > 0) {
      // Counted first, so concurrent refusals cannot all pass one check.
      const hit = await this.limiter.hit(`denied:${caller.key.id}`, this.limit, MINUTE);
      if (!hit.allowed) return hit.resetMs;
    }
    await this.store.countAudit({
      userId: caller.user.id,
      apiKeyId: caller.key.id,
      action: "api_key.denied",
      apiRoute: origin.route,
      args,
      ipAddress: origin.ip,
      createdAt: origin.at.toISOString(),
    });
    return undefined;
  }
}
