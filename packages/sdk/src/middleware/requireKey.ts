import { Latchkey } from "../latchkey.js";
import { LatchkeyError } from "../latchkeyError.js";
import type { Category, PermissionTree, Verdict, VerifyInput } from "../types.js";
import type { Verifier } from "../verifier/verifier.js";
import { type Denial, denialFor, deny } from "./denial.js";
import { VerdictCache, type VerdictCacheOptions } from "./verdictCache.js";

/** The verified caller, attached to the request by every framework's middleware. */
export interface VerifiedKey {
  keyId: number;
  /** The account the key acts on: a person's, or a team's for a team key. */
  userId: number;
  /** Whether `userId` is a person or a team. */
  accountKind: "person" | "team";
  /** A team key's member (the person it belongs to); null for a personal key. */
  memberId: number | null;
  /** A team key's member's current role; null for a personal key. */
  role: string | null;
  /** What the key may do (a team key's tree cut to its member's role); null is full access. */
  permissions: PermissionTree | null;
  expiresAt: string | null;
}

export interface RequireKeyOptions<Req> {
  /** The category the route needs, e.g. "instance_read". */
  category?: Category;
  /** The catalogued route name, e.g. "api.instance.show" (its category is implied). */
  route?: string;
  /** The request's parameters that constraints are checked against, e.g. `{ id }`. */
  params?: (req: Req) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** The client that calls the verify API; default `new Latchkey()` (LATCHKEY_URL). */
  client?: Latchkey;
  /**
   * Verify in-process: verdicts are answered from the verifier's cache and every revocation
   * reaches it before the revoking call returns (docs/revocation.md). Takes the place of
   * `client` and `cache`.
   */
  verifier?: Verifier;
  /**
   * Reuse verdicts for a while (off by default): a revoked key keeps working here until its
   * entry ages out. For verdicts that are both cached and revoked at once, use `verifier`.
   */
  cache?: VerdictCache | VerdictCacheOptions;
  /** The client's address, for keys with an IP allow-list; default: the framework's. */
  ip?: (req: Req) => string | undefined;
  /** Time allowed for one verification, retries included; default 5000 ms. */
  timeoutMs?: number;
}

export type GuardOutcome = { ok: true; key: VerifiedKey } | ({ ok: false } & Denial);

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;
const WHITESPACE = /\s/;

/**
 * The framework-independent part of `requireKey`: reads the bearer, asks the verify API (or
 * the cache), and turns the verdict into the verified key or the catalogued refusal. A failure
 * to reach Latchkey refuses with 503: the guard fails closed. A 400 from the verify API means
 * the middleware itself is misconfigured (unknown route, say) and is thrown, not answered.
 *
 * The outcome is synchronous when it needs no I/O (a refused header, a verdict the verifier
 * holds), so that a request verified in-process costs no promise: `settled` reads either.
 */
export function createGuard<Req>(
  options: RequireKeyOptions<Req>,
  read: {
    authorization(req: Req): string | undefined;
    ip(req: Req): string | undefined;
    /** What lives as long as the request's connection (its socket), where there is one. */
    connection?(req: Req): object | undefined;
  },
): (req: Req) => GuardOutcome | Promise<GuardOutcome> {
  const verifier = options.verifier;
  if (verifier !== undefined && (options.cache !== undefined || options.client !== undefined)) {
    throw new TypeError(
      "requireKey: pass either `verifier` or `client`/`cache`, not both (the verifier keeps its own cache and asks the server itself)",
    );
  }
  const client = verifier === undefined ? (options.client ?? new Latchkey()) : undefined;
  const cache =
    options.cache === undefined || options.cache instanceof VerdictCache
      ? options.cache
      : new VerdictCache(options.cache);
  const timeoutMs = options.timeoutMs ?? 5000;
  const readIp = options.ip ?? read.ip;
  const { category, route, params } = options;

  const ask = async (question: VerifyInput): Promise<GuardOutcome> => {
    const cacheKey = cache ? await VerdictCache.keyOf(question) : undefined;
    let verdict: Verdict | undefined =
      cache && cacheKey !== undefined ? cache.get(cacheKey) : undefined;
    if (verdict === undefined) {
      try {
        verdict = verifier
          ? await verifier.verify(question)
          : await (client as Latchkey).verify(question, { timeoutMs });
      } catch (err) {
        // A 400 is this middleware's own mistake (a route not in the catalogue, say): a
        // plain Error, so every framework answers it as the 500 it is.
        if (err instanceof LatchkeyError && err.status === 400) {
          throw new Error(`requireKey is misconfigured: ${err.msg}`, { cause: err });
        }
        return {
          ok: false,
          ...deny("unavailable", {
            msg: "The API key could not be verified right now; retry shortly.",
            ...(err instanceof LatchkeyError && err.retryAfter !== undefined
              ? { retryAfter: err.retryAfter }
              : {}),
          }),
        };
      }
      if (cache && cacheKey !== undefined) cache.set(cacheKey, verdict);
    }
    return outcomeOf(verdict);
  };

  const connectionOf = read.connection;
  const decide = (req: Req, question: VerifyInput): GuardOutcome | Promise<GuardOutcome> => {
    const held = verifier?.cached(question, connectionOf?.(req));
    return held === undefined ? ask(question) : outcomeOf(held);
  };

  return (req) => {
    const header = read.authorization(req);
    if (header === undefined || header === "") return { ok: false, ...deny("auth_required") };
    const key = bearerToken(header);
    if (key === undefined) {
      return {
        ok: false,
        ...deny("malformed_api_key", { msg: "The Authorization header must be 'Bearer <key>'." }),
      };
    }
    const ip = readIp(req);
    // Fields left undefined are left out of the verify call's JSON.
    if (params === undefined) {
      return decide(req, { key, category, route, params: undefined, ip });
    }
    const values = params(req);
    return values instanceof Promise
      ? values.then((v) => decide(req, { key, category, route, params: v, ip }))
      : decide(req, { key, category, route, params: values, ip });
  };
}

/** The token of `Bearer <token>`; the common exact form is read without a regular expression. */
export function bearerToken(header: string): string | undefined {
  if (header.startsWith("Bearer ")) {
    const token = header.slice(7);
    if (token.length > 0 && !WHITESPACE.test(token)) return token;
  }
  return BEARER.exec(header)?.[1] || undefined;
}

/** The verified key for a VALID verdict, else the catalogued refusal. */
function outcomeOf(verdict: Verdict): GuardOutcome {
  if (verdict.code !== "VALID" || verdict.key_id === null || verdict.user_id === null) {
    return { ok: false, ...denialFor(verdict) };
  }
  return {
    ok: true,
    key: {
      keyId: verdict.key_id,
      userId: verdict.user_id,
      accountKind: verdict.account_kind ?? "person",
      memberId: verdict.member_id ?? null,
      role: verdict.role ?? null,
      permissions: verdict.permissions,
      expiresAt: verdict.expires_at,
    },
  };
}

/**
 * Runs `then` on a guard's outcome, at once when it is already there; a rejection (a
 * misconfigured guard) goes to `fail`.
 */
export function settled(
  outcome: GuardOutcome | Promise<GuardOutcome>,
  then: (outcome: GuardOutcome) => void,
  fail: (err: unknown) => void,
): void {
  if (outcome instanceof Promise) outcome.then(then, fail);
  else then(outcome);
}
