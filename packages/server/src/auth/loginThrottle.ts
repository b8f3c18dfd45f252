import { hash } from "node:crypto";
import type { RateLimiter } from "../rateLimit/rateLimiter.js";

const MINUTE = 60_000;
/** The per-account window: long enough that spreading guesses over addresses gains nothing. */
export const ACCOUNT_WINDOW_MS = 15 * MINUTE;

export interface LoginThrottleLimits {
  /** Failed logins a minute per address; 0 = unlimited. */
  perAddress: number;
  /** Failed logins per account per `ACCOUNT_WINDOW_MS`, from any address; 0 = unlimited. */
  perAccount: number;
}

export type LoginAdmission =
  | { ok: true /** Takes the attempt back: it was not a failure. */; succeeded(): Promise<void> }
  | { ok: false; scope: "address" | "account"; retryAfterMs: number };

interface Bucket {
  name: string;
  limit: number;
  windowMs: number;
  scope: "address" | "account";
}

/**
 * Password attempts, limited per address and per account (by its normalised email, known or
 * not, so the answer says nothing about whether an account exists). Each attempt is counted
 * before the password is checked, so concurrent guesses cannot all pass one check, and taken
 * back when it succeeds: only failures use the allowance up. A refused attempt costs no
 * database read and no password hash. Failed keys do not count here, so a client presenting a
 * dead key does not stop its neighbours from logging in.
 */
export class LoginThrottle {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: LoginThrottleLimits,
  ) {}

  async admit(ip: string, email: string): Promise<LoginAdmission> {
    const buckets: Bucket[] = [];
    if (this.limits.perAddress > 0) {
      buckets.push({
        name: `login:ip:${ip}`,
        limit: this.limits.perAddress,
        windowMs: MINUTE,
        scope: "address",
      });
    }
    if (this.limits.perAccount > 0) {
      // A digest, so that Redis holds no email address.
      const account = hash("sha256", email.trim().toLowerCase(), "base64url");
      buckets.push({
        name: `login:account:${account}`,
        limit: this.limits.perAccount,
        windowMs: ACCOUNT_WINDOW_MS,
        scope: "account",
      });
    }
    const hits = await Promise.all(
      buckets.map((b) => this.limiter.hit(b.name, b.limit, b.windowMs)),
    );
    const release = async () => {
      await Promise.all(buckets.map((b) => this.limiter.release(b.name, b.windowMs)));
    };
    const refused = hits.findIndex((h) => !h.allowed);
    const bucket = buckets[refused];
    const hit = hits[refused];
    if (bucket && hit) {
      // Not attempted, so counted nowhere: one locked bucket does not use up the other.
      await release();
      return { ok: false, scope: bucket.scope, retryAfterMs: hit.resetMs };
    }
    return { ok: true, succeeded: release };
  }
}
