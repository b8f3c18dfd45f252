import type { NextFunction, Request, RequestHandler, Response } from "express";
import {
  createGuard,
  type GuardOutcome,
  type RequireKeyOptions,
  settled,
  type VerifiedKey,
} from "./requireKey.js";

export { Verifier, type VerifierOptions } from "../verifier/verifier.js";
export type { RequireKeyOptions, VerifiedKey } from "./requireKey.js";
export { VerdictCache, type VerdictCacheOptions } from "./verdictCache.js";

declare global {
  namespace Express {
    interface Request {
      /** The verified key, set by `requireKey`. */
      latchkey?: VerifiedKey;
    }
  }
}

/**
 * Express middleware that lets a request through only with a Latchkey key holding the
 * category or route (and constraints) asked for; otherwise it answers 401/403 with the
 * catalogued error body. The verified key is `req.latchkey`.
 *
 * @example
 * import { requireKey } from "@latchkey/sdk/express";
 * app.get(
 *   "/api/v0/instances/:id/",
 *   requireKey({ route: "api.instance.show", params: (req) => ({ id: req.params.id }) }),
 *   (req, res) => res.json(show(req.latchkey?.userId, req.params.id)),
 * );
 */
export function requireKey(options: RequireKeyOptions<Request> = {}): RequestHandler {
  const guard = createGuard<Request>(options, {
    authorization: (req) => req.headers.authorization,
    ip: (req) => req.ip,
    connection: (req) => req.socket,
  });
  const answer = (req: Request, res: Response, next: NextFunction) => (outcome: GuardOutcome) => {
    if (!outcome.ok) {
      res.status(outcome.status).set(outcome.headers).json(outcome.body);
      return;
    }
    req.latchkey = outcome.key;
    next();
  };
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      settled(guard(req), answer(req, res, next), next);
    } catch (err) {
      next(err);
    }
  };
}
