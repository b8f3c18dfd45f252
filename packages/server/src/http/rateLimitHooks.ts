import { ApiError } from "@latchkey/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../appContext.js";

const MINUTE = 60_000;
/** Probes answer load balancers, which poll from one address; they are never limited. */
const UNLIMITED = new Set(["healthz", "readyz"]);

function limited(retryAfterMs: number, msg: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError("rate_limited", `${msg} Retry after ${seconds} s.`, { retry_after: seconds });
}

/**
 * Failed authentication is throttled per IP before any credential is looked at, so that keys
 * and passwords cannot be guessed at speed. Registered before the authentication hook.
 */
export function registerAuthFailureThrottle(app: FastifyInstance, ctx: AppContext): void {
  const { failedAuthLimit } = ctx.config;
  app.addHook("onRequest", async (request) => {
    if (failedAuthLimit === 0) return;
    const failures = await ctx.limiter.peek(`fail:${request.ip}`, MINUTE);
    if (failures.count >= failedAuthLimit) {
      throw limited(failures.resetMs, "Too many failed authentications from this address.");
    }
  });
  // Every 401 (unknown key, bad password, expired session) counts against the address.
  app.addHook("onResponse", async (request, reply) => {
    if (failedAuthLimit > 0 && reply.statusCode === 401) {
      await ctx.limiter.hit(`fail:${request.ip}`, failedAuthLimit, MINUTE);
    }
  });
}

function setHeaders(reply: FastifyReply, limit: number, remaining: number, resetMs: number): void {
  reply.header("ratelimit-limit", String(limit));
  reply.header("ratelimit-remaining", String(remaining));
  reply.header("ratelimit-reset", String(Math.ceil(resetMs / 1000)));
}

/**
 * Requests per minute, per route and caller: the calling key or session, or the IP address
 * for anonymous routes. Sign-up, login and key creation have a stricter limit. Registered
 * after the authentication hook, so the caller is known.
 */
export function registerRateLimits(app: FastifyInstance, ctx: AppContext): void {
  app.addHook("onRequest", async (request: FastifyRequest, reply) => {
    const access = request.access;
    if (!access || UNLIMITED.has(access.entry.name)) return;
    const sensitive = access.limit === "sensitive";
    const limit = sensitive ? ctx.config.sensitiveRateLimit : ctx.config.rateLimit;
    if (limit === 0) return;
    const caller = request.principal ? `key:${request.principal.key.id}` : `ip:${request.ip}`;
    const hit = await ctx.limiter.hit(
      `${access.entry.method}:${access.entry.path}:${caller}`,
      limit,
      MINUTE,
    );
    setHeaders(reply, limit, hit.remaining, hit.resetMs);
    if (!hit.allowed) {
      throw limited(hit.resetMs, `At most ${limit} requests a minute to this route.`);
    }
  });
}
