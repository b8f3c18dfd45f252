import type { CredentialKind, Store, StoreTx, TeamTx } from "@latchkey/core";
import type { Config } from "../config.js";
import { fail, ok, type Result } from "../http/result.js";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import type { RateLimiter } from "../rateLimit/rateLimiter.js";

const MINUTE = 60_000;

/** What one account may create, whichever of its keys or logins asks. */
export interface AccountLimitSettings {
  /** API keys and sessions created per minute, together; 0 = unlimited. */
  perMinute: number;
  /** Live API keys; 0 = no cap. */
  maxKeys: number;
  /** Live sessions; 0 = no cap. */
  maxSessions: number;
}

export function accountLimitSettings(
  config: Pick<Config, "accountKeyRateLimit" | "accountMaxKeys" | "accountMaxSessions">,
): AccountLimitSettings {
  return {
    perMinute: config.accountKeyRateLimit,
    maxKeys: config.accountMaxKeys,
    maxSessions: config.accountMaxSessions,
  };
}

function capReached(kind: CredentialKind, cap: number): Result<never> {
  return kind === "api"
    ? fail(
        "api_key_limit_reached",
        `This account already has ${cap} live API keys, the most it may have (the server's LATCHKEY_ACCOUNT_MAX_KEYS); delete one first.`,
        { limit: cap },
      )
    : fail(
        "session_limit_reached",
        `This account already has ${cap} live sessions, the most it may have (the server's LATCHKEY_ACCOUNT_MAX_SESSIONS); end one (DELETE /api/v0/auth/sessions/{id}/, with any key of the account) or wait for one to expire.`,
        { limit: cap },
      );
}

/**
 * Limits per account rather than per calling key: a key's own rate limit multiplies with every
 * key it creates, an account's does not. Every creation of an API key or a session goes
 * through `create`, which spends one of the account's creations of this minute (counted by the
 * shared limiter, so N nodes do not multiply it either) and then, in the creating transaction
 * and under the account's lock, counts the live credentials of that kind against the cap, so
 * that concurrent creates on any number of nodes cannot all see room for one more.
 */
export class AccountLimits {
  constructor(
    private readonly store: Store,
    private readonly limiter: Pick<RateLimiter, "hit">,
    private readonly settings: AccountLimitSettings,
    private readonly metrics: Pick<Metrics, "refused"> = noMetrics,
  ) {}

  /** Runs `insert`, which creates one credential of `kind` in the account, if the limits allow. */
  async create<T>(
    userId: number,
    kind: CredentialKind,
    at: Date,
    insert: (tx: StoreTx & TeamTx) => Promise<T>,
  ): Promise<Result<T>> {
    const budget = await this.spend(userId);
    if (!budget.ok) return budget;
    const cap = kind === "api" ? this.settings.maxKeys : this.settings.maxSessions;
    const outcome = await this.store.transaction(async (tx) => {
      if (cap > 0) {
        await tx.lockAccount(userId);
        const live = await tx.countLiveKeys(userId, kind, at.toISOString());
        if (live >= cap) return { full: true as const };
      }
      return { full: false as const, value: await insert(tx) };
    });
    return outcome.full ? capReached(kind, cap) : ok(outcome.value);
  }

  private async spend(userId: number): Promise<Result<void>> {
    const limit = this.settings.perMinute;
    if (limit === 0) return ok(undefined);
    const hit = await this.limiter.hit(`account:${userId}:credentials`, limit, MINUTE);
    if (hit.allowed) return ok(undefined);
    this.metrics.refused("account_keys");
    const seconds = Math.max(1, Math.ceil(hit.resetMs / 1000));
    return fail(
      "rate_limited",
      `At most ${limit} API keys and sessions a minute may be created in this account, by all its keys and logins together. Retry after ${seconds} s.`,
      { retry_after: seconds },
    );
  }
}
