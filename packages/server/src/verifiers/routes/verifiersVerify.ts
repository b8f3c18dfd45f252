import { isIP } from "node:net";
import { ApiError } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import {
  checkedCategory,
  type VerdictBody,
  VerdictSchema,
  VerifyBody,
  verdictBody,
} from "../../verify/routes/authVerify.js";
import { type Verdict, Verification } from "../../verify/verification.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/verifiers/verify/",
  category: null,
  name: "api.verifiers.verify",
  summary: "Verify a key for a verifier's cache",
});

const { $id: _id, ...verdictSchema } = VerdictSchema;

const VerifierVerdict = Type.Object({
  ...verdictSchema.properties,
  valid_until: Type.Union([Type.String({ format: "date-time" }), Type.Null()], {
    description:
      "On VALID: when the verdict stops holding by itself (the key's expiry, or a superseded secret's grace end); null when never.",
  }),
});

/** Until when a VALID verdict holds without any revocation: expiry, or the end of a grace window. */
function validUntil(verdict: Verdict): string | null {
  if (!verdict.valid) return null;
  const { expiresAtMs, previousExpiresAtMs, viaPrevious } = verdict.key;
  const ends = [expiresAtMs, viaPrevious ? previousExpiresAtMs : null].filter(
    (ms): ms is number => ms !== null,
  );
  return ends.length === 0 ? null : new Date(Math.min(...ends)).toISOString();
}

/**
 * The verify API as a verifier asks it: with its token, counted per verifier, and read from the
 * database rather than this node's cache, since the verifier may already have applied a
 * revocation this node has not heard of yet (docs/revocation.md, "Verifiers").
 */
export const verifiersVerify = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { auth: "required", verifier: true }),
    schema: {
      summary: entry.summary,
      description:
        "The same question and verdict as POST /api/v0/auth/verify/, plus `valid_until`; needs a verifier's token. Limited to LATCHKEY_VERIFY_RATE_LIMIT calls a minute per verifier.",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      body: VerifyBody,
      response: { 200: VerifierVerdict, ...errorResponses },
    },
    handler: async (request, reply): Promise<VerdictBody & { valid_until: string | null }> => {
      const verifier = principalOf(request);
      const { key, route, params, ip } = request.body;
      const category = checkedCategory(deps.catalogue, request.body.category, route);
      if (ip !== undefined && isIP(ip) === 0) {
        throw new ApiError("invalid_request", "ip: not an IPv4 or IPv6 address.");
      }
      const limit = deps.config.verifyRateLimit;
      const slot =
        limit > 0
          ? await deps.limiter.hit(`verify:verifier:${verifier.key.id}`, limit, 60_000)
          : undefined;
      if (slot && !slot.allowed) deps.metrics.refused("verify");
      const verdict =
        slot && !slot.allowed
          ? Verification.callerLimited(slot.resetMs)
          : await deps.verification.verifyKey(
              { secret: key, ip, callerIp: request.ip, category, route, params },
              originOf(request, deps),
              { fresh: true },
            );
      deps.metrics.outcome("verify", verdict.code);
      const body = verdictBody(verdict);
      if (body.retry_after !== undefined) reply.header("Retry-After", String(body.retry_after));
      return { ...body, valid_until: validUntil(verdict) };
    },
  });
});
