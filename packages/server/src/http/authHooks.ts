import { ApiError, type CredentialKind, keyRanges } from "@latchkey/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AuthFailure, AuthOutcome } from "../auth/authenticator.js";
import type { Throttled } from "../auth/credentialThrottle.js";
import type { Deps } from "../deps.js";
import type { Metrics, OutcomeCode } from "../metrics/metrics.js";
import type { Authorization } from "../verify/verification.js";
import { originOf } from "./access.js";
import { ACCOUNT_HEADER, cookieOf, SESSION_COOKIE, TEAM_SESSION_COOKIE } from "./cookie.js";
import { hook } from "./hook.js";
import { limited } from "./rateLimitHooks.js";

const THROTTLED =
  "Too many failed authentications from this address: for now only keys and sessions this server has already verified are accepted from it.";

const KEY_THROTTLED =
  "Too many refused uses of this key this minute: further refusals are answered 429 and not audited; its allowed uses still work.";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const VERIFIER_ONLY =
  "A verifier's token can only open the revocation stream and verify keys (/api/v0/verifiers/stream/, /api/v0/verifiers/verify/); use an API key or a session here.";

const NOT_A_VERIFIER =
  "This route takes a verifier's token (POST /api/v0/verifiers/ makes one), not an API key or a session.";

function failure(reason: AuthFailure, kind: CredentialKind | undefined): ApiError {
  switch (reason) {
    case "malformed":
      return new ApiError("malformed_api_key");
    case "unknown":
    case "revoked":
      return new ApiError(kind === "session" ? "session_expired" : "invalid_api_key");
    case "expired":
      return new ApiError(kind === "session" ? "session_expired" : "api_key_expired");
    case "ip_not_allowed":
      return new ApiError("ip_not_allowed");
  }
}

/** A refused credential in the verify API's words, for the metrics. */
const failureCodes = {
  malformed: "NOT_FOUND",
  unknown: "NOT_FOUND",
  revoked: "REVOKED",
  expired: "EXPIRED",
  ip_not_allowed: "IP_NOT_ALLOWED",
} as const satisfies Record<AuthFailure, OutcomeCode>;

const BEARER = /^Bearer[ ]+(\S+)\s*$/i;

/** The token of `Bearer <token>`; the common exact form is read without a regular expression. */
function bearerToken(header: string): string | undefined {
  if (header.startsWith("Bearer ")) {
    const token = header.slice(7);
    if (token.length > 0 && !/\s/.test(token)) return token;
  }
  return BEARER.exec(header)?.[1];
}

function readCredential(
  request: FastifyRequest,
): { secret: string; via: "bearer" | "cookie" } | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const secret = bearerToken(header);
    if (secret === undefined) {
      throw new ApiError("malformed_api_key", "The Authorization header must be 'Bearer <key>'.");
    }
    return { secret, via: "bearer" };
  }
  const account = request.headers[ACCOUNT_HEADER];
  if (account !== undefined && account !== "team" && account !== "personal") {
    throw new ApiError(
      "invalid_request",
      `${ACCOUNT_HEADER} must be 'team' (the team session cookie) or 'personal'.`,
    );
  }
  if (account === "team") {
    const team = cookieOf(request, TEAM_SESSION_COOKIE);
    if (team) return { secret: team, via: "cookie" };
    // Never falls back to the personal cookie: the caller meant to act on the team.
    throw new ApiError(
      "auth_required",
      "No team session: open one with POST /api/v0/auth/sessions/team/ and set_cookie.",
    );
  }
  const cookie = cookieOf(request, SESSION_COOKIE);
  if (cookie) return { secret: cookie, via: "cookie" };
  return undefined;
}

/** Whether a query string holds a well-formed key anywhere, under any name or as a name. */
function keyInQuery(url: string): boolean {
  const q = url.indexOf("?");
  if (q < 0) return false;
  const query = url.slice(q + 1);
  let decoded = query;
  try {
    decoded = decodeURIComponent(query.replaceAll("+", " "));
  } catch {
    // Malformed escapes: the raw text is still searched.
  }
  return keyRanges(query).length > 0 || keyRanges(decoded).length > 0;
}

function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  return origin !== undefined && origin === `${request.protocol}://${request.host}`;
}

/**
 * Authentication (onRequest: before the body is read, so an anonymous caller learns nothing
 * about validation) and authorization (preHandler: constraints may need the body).
 */
export function registerAuthHooks(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest("principal", undefined);
  app.decorateRequest("access", undefined);

  /** Who is calling, in `request.principal`; synchronous for a cached credential. */
  const authenticate = (request: FastifyRequest): void | Promise<void> => {
    // Keys in URLs end up in proxy logs and browser history; refuse them outright.
    if (request.url.includes("?")) {
      const query = request.query as Record<string, unknown> | undefined;
      if ((query && typeof query === "object" && "api_key" in query) || keyInQuery(request.url))
        throw new ApiError("api_key_in_query");
    }
    const access = request.routeOptions.config.access;
    request.access = access;
    if (!access || access.auth === "none") return;
    const credential = readCredential(request);
    if (!credential) {
      if (access.auth === "required") throw new ApiError("auth_required");
      return;
    }
    const verdict = deps.verification.authenticate(credential.secret, request.ip, deps.now());
    return verdict instanceof Promise
      ? verdict.then((outcome) => admit(request, credential.via, outcome))
      : admit(request, credential.via, verdict);
  };

  const admit = (
    request: FastifyRequest,
    via: "bearer" | "cookie",
    outcome: AuthOutcome | Throttled,
  ): void | Promise<void> => {
    if (!outcome.ok) return refuse(request, outcome);
    const { record, user, permissions } = outcome.key;
    // A verifier's token and every other credential are kept to their own routes.
    if ((record.kind === "verifier") !== (request.access?.verifier === true)) {
      deps.metrics.outcome("rest", "FORBIDDEN");
      throw new ApiError(
        "permission_denied",
        record.kind === "verifier" ? VERIFIER_ONLY : NOT_A_VERIFIER,
      );
    }
    if (via === "cookie" && !SAFE_METHODS.has(request.method) && !sameOrigin(request)) {
      throw new ApiError("cross_origin");
    }
    request.principal = {
      user,
      key: record,
      permissions,
      via,
      superseded: outcome.key.viaPrevious,
      ...(outcome.key.member ? { member: outcome.key.member } : {}),
    };
  };

  const refuse = async (
    request: FastifyRequest,
    outcome: Exclude<AuthOutcome | Throttled, { ok: true }>,
  ): Promise<never> => {
    const known = outcome.key && outcome.reason !== "revoked" ? outcome.key : undefined;
    if (outcome.reason === "throttled") {
      if (known) deps.usage.count(known.record.id, "denied", deps.now().getTime());
      deps.metrics.refused("failed_auth");
      deps.metrics.outcome("rest", "RATE_LIMITED");
      throw limited(outcome.retryAfterMs, THROTTLED);
    }
    if (known) {
      const caller = { user: known.user, key: known.record };
      const wait = await deps.verification.recordDenial(caller, originOf(request, deps), {
        reason: outcome.reason,
      });
      if (wait !== undefined) {
        deps.metrics.outcome("rest", "RATE_LIMITED");
        throw limited(wait, KEY_THROTTLED);
      }
    }
    deps.metrics.outcome("rest", failureCodes[outcome.reason]);
    throw failure(outcome.reason, outcome.key?.record.kind);
  };

  app.addHook("onRequest", hook(authenticate));

  /** Whether the principal may call the route; synchronous when it may. */
  const authorize = (request: FastifyRequest): void | Promise<void> => {
    const { access, principal } = request;
    if (!access || !principal) return;
    if (access.sessionOnly && principal.key.kind !== "session") {
      deps.metrics.outcome("rest", "FORBIDDEN");
      throw new ApiError("session_required");
    }
    if (access.endsCaller && principal.key.kind === "session") {
      deps.metrics.outcome("rest", "VALID");
      return;
    }
    const category = access.entry.category;
    if (category === null) {
      deps.metrics.outcome("rest", "VALID");
      return;
    }
    // A secret that a reset replaced may be the leaked one: it must not mint, reset or
    // re-scope credentials, or it could outlive the grace window its owner set.
    if (principal.superseded && category === "user_write") {
      deps.metrics.outcome("rest", "FORBIDDEN");
      throw new ApiError("superseded_secret");
    }
    const params = access.params
      ? access.params(request)
      : ((request.params ?? {}) as Record<string, unknown>);
    const scope = { category, route: access.entry.name, params };
    const verdict = deps.verification.authorize(principal, scope, () => originOf(request, deps));
    const settle = (authorization: Authorization) => permitted(deps.metrics, authorization);
    return verdict instanceof Promise ? verdict.then(settle) : settle(verdict);
  };

  app.addHook("preHandler", hook(authorize));
}

function permitted(metrics: Metrics, { decision, retryAfterMs }: Authorization): void {
  if (decision.allowed) {
    metrics.outcome("rest", "VALID");
    return;
  }
  if (retryAfterMs !== undefined) {
    metrics.outcome("rest", "RATE_LIMITED");
    throw limited(retryAfterMs, KEY_THROTTLED);
  }
  metrics.outcome("rest", "FORBIDDEN");
  throw new ApiError("permission_denied", `Permission denied: ${decision.reason}.`, {
    required: decision.required,
  });
}
