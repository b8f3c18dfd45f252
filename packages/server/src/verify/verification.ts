import { type Category, type Decision, evaluate, type Params } from "@latchkey/core";
import type { Authenticator, AuthOutcome } from "../auth/authenticator.js";
import type { CredentialThrottle, Throttled } from "../auth/credentialThrottle.js";
import type { CachedKey } from "../auth/keyCache.js";
import type { Origin, Principal } from "../auth/principal.js";
import type { UsageRecorder } from "../auth/usageRecorder.js";
import { type Metrics, noMetrics } from "../metrics/metrics.js";
import type { DeniedUses } from "./deniedUses.js";

export const verdictCodes = [
  "VALID",
  "NOT_FOUND",
  "EXPIRED",
  "REVOKED",
  "FORBIDDEN",
  "IP_NOT_ALLOWED",
  "RATE_LIMITED",
] as const;
export type VerdictCode = (typeof verdictCodes)[number];

/** What a key is asked to do: a category, or a catalogued route of it, with its parameters. */
export interface Scope {
  category?: Category | undefined;
  route?: string | undefined;
  params?: Params | undefined;
}

/** A question to the verify API: may `secret`, used from `ip`, do `scope`? */
export interface Question extends Scope {
  secret: string;
  /** The address the key is used from; absent when the calling service did not say. */
  ip: string | undefined;
  /** The calling service's own address, checked instead when `ip` is absent. */
  callerIp: string;
}

export type Verdict =
  | { valid: true; code: "VALID"; key: CachedKey }
  | {
      valid: false;
      code: Exclude<VerdictCode, "VALID">;
      reason: string;
      /** The key, on FORBIDDEN only: a live key whose permissions do not reach the scope. */
      key?: CachedKey;
      required?: Extract<Decision, { allowed: false }>["required"];
      /** On RATE_LIMITED: milliseconds until the caller may ask again. */
      retryAfterMs?: number;
    };

const failures = {
  malformed: ["NOT_FOUND", "the key's format or checksum is wrong"],
  unknown: ["NOT_FOUND", "no such key"],
  revoked: ["REVOKED", "the key was deleted or reset"],
  expired: ["EXPIRED", "the key has expired"],
  ip_not_allowed: ["IP_NOT_ALLOWED", "the key may not be used from this IP address"],
} as const satisfies Record<string, readonly [VerdictCode, string]>;

const KEY_FLOOD =
  "too many refused uses of this key this minute (further refusals are not audited; allowed uses still are VALID)";

/** A decision on a verified caller, with the wait when its refusals flood. */
export interface Authorization {
  decision: Decision;
  retryAfterMs?: number;
}

type Refusal = Extract<Verdict, { valid: false }>;

const refused = (code: Refusal["code"], reason: string): Refusal => ({
  valid: false,
  code,
  reason,
});

/**
 * Verification, in one place for the REST routes (the authentication hook) and the verify
 * API: who holds a secret, whether they may do what they ask, and what a refusal costs them
 * (the key's usage counts it, the audit log records it, a flood of them is answered 429).
 */
export class Verification {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly credentials: CredentialThrottle,
    private readonly usage: UsageRecorder,
    private readonly denied: DeniedUses,
    private readonly now: () => Date,
    private readonly metrics: Pick<Metrics, "refused"> = noMetrics,
  ) {}

  /**
   * Who holds `secret` on a REST route, behind the per-address failed-authentication
   * throttle. A cached live credential is answered synchronously.
   */
  authenticate(
    secret: string,
    ip: string,
    now: Date,
  ): AuthOutcome | Throttled | Promise<AuthOutcome | Throttled> {
    return this.credentials.authenticate(secret, ip, now);
  }

  /**
   * Counts and audits a known key's refused use. Undefined when it was audited; otherwise the
   * milliseconds until this key's refusals are audited again (answer 429 meanwhile).
   */
  async recordDenial(
    caller: Pick<Principal, "user" | "key">,
    origin: Origin,
    args: Record<string, unknown>,
  ): Promise<number | undefined> {
    this.usage.count(caller.key.id, "denied", origin.at.getTime());
    const wait = await this.denied.refuse(caller, origin, args);
    if (wait !== undefined) this.metrics.refused("denied_use");
    return wait;
  }

  /**
   * Whether a verified caller may do `scope`: synchronous when it may (the use is counted),
   * a promise when it may not (the refusal is recorded; `origin` is made only then).
   */
  authorize(
    caller: Pick<Principal, "user" | "key" | "permissions">,
    scope: Scope & { category: Category },
    origin: () => Origin,
    context: Record<string, unknown> = {},
  ): Authorization | Promise<Authorization> {
    const decision = evaluate(caller.permissions, scope);
    if (decision.allowed) {
      this.usage.count(caller.key.id, "verified", this.now().getTime());
      return { decision };
    }
    const args = { reason: decision.reason, required: decision.required, ...context };
    return this.recordDenial(caller, origin(), args).then((wait) =>
      wait === undefined ? { decision } : { decision, retryAfterMs: wait },
    );
  }

  /**
   * The verify API's question, answered with a verdict. The key is looked up without the
   * per-address throttle (the route has its own per-caller limit); session keys belong to the
   * console and are unknown here. `fresh` reads the database rather than this node's cache
   * (a verifier's question). Synchronous for a cached key that may do what it asks, as on the
   * REST routes: no promise, no turn of the microtask queue.
   */
  verifyKey(
    question: Question,
    origin: Origin,
    options: { fresh?: boolean } = {},
  ): Verdict | Promise<Verdict> {
    const ip = question.ip ?? question.callerIp;
    const outcome = options.fresh
      ? this.authenticator.authenticateFresh(question.secret, ip, origin.at)
      : this.authenticator.authenticate(question.secret, ip, origin.at);
    return outcome instanceof Promise
      ? outcome.then((settled) => this.judge(question, origin, settled))
      : this.judge(question, origin, outcome);
  }

  /** The verdict on an authenticated question: synchronous unless a refusal is recorded. */
  private judge(
    question: Question,
    origin: Origin,
    outcome: AuthOutcome,
  ): Verdict | Promise<Verdict> {
    const { category, route } = question;
    // Sessions belong to the console and verifiers' tokens to their streams: no API keys.
    const kind = outcome.key?.record.kind;
    if (kind !== undefined && kind !== "api") return refused("NOT_FOUND", "no such key");
    if (!outcome.ok) {
      const [code, reason] = failures[outcome.reason];
      const known = outcome.key;
      if (known && outcome.reason !== "revoked") {
        const caller = { user: known.user, key: known.record };
        const args = { reason: outcome.reason, via: "verify", category, route };
        return this.recordDenial(caller, origin, args).then((wait) =>
          wait === undefined ? refused(code, reason) : rateLimited(wait),
        );
      }
      return refused(code, reason);
    }
    const key = outcome.key;
    if (question.ip === undefined && key.ipAllowList !== null) {
      this.usage.count(key.record.id, "denied", origin.at.getTime());
      // Checking the calling service's own address would let it stand in for its clients.
      return refused(
        "IP_NOT_ALLOWED",
        "the key has an IP allow-list: send the client's address in 'ip'",
      );
    }
    if (category === undefined) {
      this.usage.count(key.record.id, "verified", origin.at.getTime());
      return { valid: true, code: "VALID", key };
    }
    const caller = { user: key.user, key: key.record, permissions: key.permissions };
    const scope = { category, route, params: question.params };
    const authorization = this.authorize(caller, scope, () => origin, { via: "verify" });
    const settle = ({ decision, retryAfterMs }: Authorization): Verdict => {
      if (decision.allowed) return { valid: true, code: "VALID", key };
      if (retryAfterMs !== undefined) return rateLimited(retryAfterMs);
      return {
        valid: false,
        code: "FORBIDDEN",
        key,
        reason: decision.reason,
        required: decision.required,
      };
    };
    return authorization instanceof Promise ? authorization.then(settle) : settle(authorization);
  }

  /** A RATE_LIMITED verdict for a caller over the verify API's own per-address limit. */
  static callerLimited(waitMs: number): Verdict {
    return {
      ...refused("RATE_LIMITED", "too many verify calls from this address"),
      retryAfterMs: waitMs,
    };
  }
}

function rateLimited(waitMs: number): Verdict {
  return { ...refused("RATE_LIMITED", KEY_FLOOD), retryAfterMs: waitMs };
}
