import type { Context, MiddlewareHandler } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { createGuard, type RequireKeyOptions, type VerifiedKey } from "./requireKey.js";

export { Verifier, type VerifierOptions } from "../verifier/verifier.js";
export type { RequireKeyOptions, VerifiedKey } from "./requireKey.js";
export { VerdictCache, type VerdictCacheOptions } from "./verdictCache.js";

/** Hono's env for routes behind `requireKey`: `c.get("latchkey")` is the verified key. */
export interface LatchkeyEnv {
  Variables: { latchkey: VerifiedKey };
}

/** The client's socket under @hono/node-server; other runtimes have none to offer. */
function nodeServerSocket(c: Context): { remoteAddress?: string } | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket;
}

/** The client's address under @hono/node-server; other runtimes pass `ip` in the options. */
function nodeServerIp(c: Context): string | undefined {
  return nodeServerSocket(c)?.remoteAddress;
}

/**
 * Hono middleware that lets a request through only with a Latchkey key holding the category
 * or route (and constraints) asked for; otherwise it answers 401/403 with the catalogued error
 * body. The verified key is `c.get("latchkey")`. Outside Node, pass `ip` (e.g. from
 * `cf-connecting-ip`) or keys with an IP allow-list are refused.
 *
 * @example
 * import { requireKey, type LatchkeyEnv } from "@latchkey/sdk/hono";
 * const app = new Hono<LatchkeyEnv>();
 * app.get(
 *   "/api/v0/instances/:id/",
 *   requireKey({ route: "api.instance.show", params: (c) => ({ id: c.req.param("id") }) }),
 *   (c) => c.json(show(c.get("latchkey").userId, c.req.param("id"))),
 * );
 */
export function requireKey(
  options: RequireKeyOptions<Context> = {},
): MiddlewareHandler<LatchkeyEnv> {
  const guard = createGuard<Context>(options, {
    authorization: (c) => c.req.header("authorization"),
    ip: nodeServerIp,
    connection: nodeServerSocket,
  });
  return async (c, next) => {
    const outcome = await guard(c);
    if (!outcome.ok) {
      return c.json(outcome.body, outcome.status as ContentfulStatusCode, outcome.headers);
    }
    c.set("latchkey", outcome.key);
    await next();
    return undefined;
  };
}
