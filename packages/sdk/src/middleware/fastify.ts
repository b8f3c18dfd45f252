import type { FastifyReply, FastifyRequest } from "fastify";
import {
  createGuard,
  type GuardOutcome,
  type RequireKeyOptions,
  type VerifiedKey,
} from "./requireKey.js";

export { Verifier, type VerifierOptions } from "../verifier/verifier.js";
export type { RequireKeyOptions, VerifiedKey } from "./requireKey.js";
export { VerdictCache, type VerdictCacheOptions } from "./verdictCache.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified key, set by `requireKey`. */
    latchkey?: VerifiedKey;
  }
}

/**
 * A Fastify preHandler hook that lets a request through only with a Latchkey key holding the
 * category or route (and constraints) asked for; otherwise it answers 401/403 with the
 * catalogued error body. The verified key is `request.latchkey`.
 *
 * @example
 * import { requireKey } from "@latchkey/sdk/fastify";
 * app.get(
 *   "/api/v0/instances/:id/",
 *   {
 *     preHandler: requireKey({
 *       route: "api.instance.show",
 *       params: (req) => ({ id: (req.params as { id: string }).id }),
 *     }),
 *   },
 *   async (request) => show(request.latchkey?.userId, request.params),
 * );
 */
export function requireKey(
  options: RequireKeyOptions<FastifyRequest> = {},
): (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void {
  const guard = createGuard<FastifyRequest>(options, {
    authorization: (request) => request.headers.authorization,
    ip: (request) => request.ip,
    connection: (request) => request.raw.socket,
  });
  // A callback hook, not an async one: a verdict held by a verifier passes the request on
  // without a promise or a closure. A refusal is answered here, and the request goes no further.
  const finish = (
    request: FastifyRequest,
    reply: FastifyReply,
    done: (err?: Error) => void,
    outcome: GuardOutcome,
  ): void => {
    if (!outcome.ok) {
      reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
      return;
    }
    request.latchkey = outcome.key;
    done();
  };
  const fail = (done: (err?: Error) => void, err: unknown): void =>
    done(err instanceof Error ? err : new Error(String(err)));
  return (request, reply, done) => {
    let outcome: GuardOutcome | Promise<GuardOutcome>;
    try {
      outcome = guard(request);
    } catch (err) {
      fail(done, err);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (settledOutcome) => finish(request, reply, done, settledOutcome),
        (err: unknown) => fail(done, err),
      );
    } else {
      finish(request, reply, done, outcome);
    }
  };
}
