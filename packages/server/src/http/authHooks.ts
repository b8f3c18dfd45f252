import { ApiError, evaluate, keyRanges } from "@latchkey/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AppContext } from "../appContext.js";
import type { AuthFailure } from "../auth/authenticator.js";
import type { OutcomeCode, RefusalLimit } from "../metrics/metrics.js";
import { originOf } from "./access.js";
import { SESSION_COOKIE } from "./cookie.js";
import { limited } from "./rateLimitHooks.js";

const THROTTLED =
  "Too many failed authentications from this address: for now only keys and sessions this server has already verified are accepted from it.";

const KEY_THROTTLED =
  "Too many refused uses of this key this minute: further refusals are answered 429 and not audited; its allowed uses still work.";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function failure(reason: AuthFailure, kind: "api" | "session" | undefined): ApiError {
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

/** A 429 of a throttle: counted as the limit that refused and as a RATE_LIMITED check. */
function countRefusal(ctx: AppContext, limit: RefusalLimit): void {
  ctx.metrics.refused(limit);
  ctx.metrics.outcome("rest", "RATE_LIMITED");
}

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
  const cookie = request.cookies?.[SESSION_COOKIE];
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
export function registerAuthHooks(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest("principal", undefined);
  app.decorateRequest("access", undefined);

  app.addHook("onRequest", async (request) => {
    // Keys in URLs end up in proxy logs and browser history; refuse them outright.
    const query = request.query as Record<string, unknown> | undefined;
    if ((query && typeof query === "object" && "api_key" in query) || keyInQuery(request.url))
      throw new ApiError("api_key_in_query");

    const access = request.routeOptions.config.access;
    request.access = access;
    if (!access || access.auth === "none") return;
    const credential = readCredential(request);
    if (!credential) {
      if (access.auth === "required") throw new ApiError("auth_required");
      return;
    }
    const verdict = ctx.credentials.authenticate(credential.secret, request.ip, ctx.now());
    // A cached key is answered synchronously: no extra turn of the event loop for it.
    const outcome = verdict instanceof Promise ? await verdict : verdict;
    if (!outcome.ok) {
      const known = outcome.key && outcome.reason !== "revoked" ? outcome.key : undefined;
      if (known) ctx.usage.count(known.record.id, "denied", ctx.now().getTime());
      if (outcome.reason === "throttled") {
        countRefusal(ctx, "failed_auth");
        throw limited(outcome.retryAfterMs, THROTTLED);
      }
      if (known) {
        const caller = { user: known.user, key: known.record };
        const wait = await ctx.denied.refuse(caller, originOf(request, ctx), {
          reason: outcome.reason,
        });
        if (wait !== undefined) {
          countRefusal(ctx, "denied_use");
          throw limited(wait, KEY_THROTTLED);
        }
      }
      ctx.metrics.outcome("rest", failureCodes[outcome.reason]);
      throw failure(outcome.reason, outcome.key?.record.kind);
    }
    const { record, user, permissions } = outcome.key;
    if (credential.via === "cookie" && !SAFE_METHODS.has(request.method) && !sameOrigin(request)) {
      throw new ApiError("cross_origin");
    }
    request.principal = {
      user,
      key: record,
      permissions,
      via: credential.via,
      superseded: outcome.key.viaPrevious,
    };
  });

  app.addHook("preHandler", async (request) => {
    const { access, principal } = request;
    if (!access || !principal) return;
    if (access.sessionOnly && principal.key.kind !== "session") {
      ctx.metrics.outcome("rest", "FORBIDDEN");
      throw new ApiError("session_required");
    }
    const category = access.entry.category;
    if (category === null) {
      ctx.metrics.outcome("rest", "VALID");
      return;
    }
    // A secret that a reset replaced may be the leaked one: it must not mint, reset or
    // re-scope credentials, or it could outlive the grace window its owner set.
    if (principal.superseded && category === "user_write") {
      ctx.metrics.outcome("rest", "FORBIDDEN");
      throw new ApiError("superseded_secret");
    }
    const params = access.params
      ? access.params(request)
      : ((request.params ?? {}) as Record<string, unknown>);
    const decision = evaluate(principal.permissions, {
      category,
      route: access.entry.name,
      params,
    });
    ctx.usage.count(
      principal.key.id,
      decision.allowed ? "verified" : "denied",
      ctx.now().getTime(),
    );
    if (decision.allowed) {
      ctx.metrics.outcome("rest", "VALID");
      return;
    }
    const wait = await ctx.denied.refuse(principal, originOf(request, ctx), {
      reason: decision.reason,
      required: decision.required,
    });
    if (wait !== undefined) {
      countRefusal(ctx, "denied_use");
      throw limited(wait, KEY_THROTTLED);
    }
    ctx.metrics.outcome("rest", "FORBIDDEN");
    throw new ApiError("permission_denied", `Permission denied: ${decision.reason}.`, {
      required: decision.required,
    });
  });
}
