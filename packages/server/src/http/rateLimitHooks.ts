import { ApiError } from "@latchkey/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../deps.js";
import { hook } from "./hook.js";

const MINUTE = 60_000;
/**
 * Probes answer load balancers, which poll from one address; they are never limited. A
 * verifier's acknowledgements must never be refused (a revocation waits for them), and its
 * verify calls count against the verify API's own limit, per verifier.
 */
const UNLIMITED = new Set(["healthz", "readyz", "api.verifiers.ack", "api.verifiers.verify"]);

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
 * after the authentication hook, so the caller is known; not at all when both limits are off
 * (0), so that such a server runs no hook for them.
 */
export function registerRateLimits(app: FastifyInstance, deps: Deps): void {
  if (deps.config.rateLimit === 0 && deps.config.sensitiveRateLimit === 0) return;
  const count = async (request: FastifyRequest, reply: FastifyReply, limit: number) => {
    const access = request.access as NonNullable<FastifyRequest["access"]>;
    const caller = request.principal ? `key:${request.principal.key.id}` : `ip:${request.ip}`;
    const hit = await deps.limiter.hit(
      `${access.entry.method}:${access.entry.path}:${caller}`,
      limit,
      MINUTE,
    );
    setHeaders(reply, limit, hit.remaining, hit.resetMs);
    if (!hit.allowed) {
      deps.metrics.refused(access.limit === "sensitive" ? "sensitive" : "route");
      throw limited(hit.resetMs, `At most ${limit} requests a minute to this route.`);
    }
  };
  app.addHook(
    "onRequest",
    hook((request, reply) => {
      const access = request.access;
      if (!access || UNLIMITED.has(access.entry.name)) return;
      const sensitive = access.limit === "sensitive";
      const limit = sensitive ? deps.config.sensitiveRateLimit : deps.config.rateLimit;
      if (limit === 0) return;
      return count(request, reply, limit);
    }),
  );
}
