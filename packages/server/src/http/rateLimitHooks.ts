import { ApiError } from "@latchkey/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { AppContext } from "../appContext.js";

const MINUTE = 60_000;
/** Probes answer load balancers, which poll from one address; they are never limited. */
const UNLIMITED = new Set(["healthz", "readyz"]);

/** The catalogued 429, with the seconds to wait (Retry-After) in the body and header. */
export function limited(retryAfterMs: number, msg: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError("rate_limited", `${msg} Retry after ${seconds} s.`, { retry_after: seconds });
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
      ctx.metrics.refused(sensitive ? "sensitive" : "route");
      throw limited(hit.resetMs, `At most ${limit} requests a minute to this route.`);
    }
  });
}
