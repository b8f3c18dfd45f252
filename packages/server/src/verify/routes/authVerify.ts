import { isIP } from "node:net";
import { ApiError, type Category, categories, evaluate } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import type { CachedKey } from "../../auth/keyCache.js";
import { endpoint, originOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import type { Metrics } from "../../metrics/metrics.js";

export const verdictCodes = [
  "VALID",
  "NOT_FOUND",
  "EXPIRED",
  "REVOKED",
  "FORBIDDEN",
  "IP_NOT_ALLOWED",
  "RATE_LIMITED",
] as const;
type VerdictCode = (typeof verdictCodes)[number];

const CategorySchema = Type.Union(categories.map((c) => Type.Literal(c)));

const VerifyBody = Type.Object(
  {
    key: Type.String({ minLength: 1, maxLength: 512, description: "The key to verify." }),
    category: Type.Optional(CategorySchema),
    route: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        description: "A route name of the catalogue, e.g. api.instance.show.",
      }),
    ),
    params: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: "The request's parameters that constraints are checked against.",
      }),
    ),
    ip: Type.Optional(
      Type.String({
        maxLength: 64,
        description: "The address the key is used from, checked against its IP allow-list.",
      }),
    ),
  },
  { additionalProperties: false },
);

const Verdict = Type.Object(
  {
    valid: Type.Boolean(),
    code: Type.Union(verdictCodes.map((c) => Type.Literal(c))),
    key_id: Type.Union([Type.Integer(), Type.Null()], {
      description: "The key's id when it is live (VALID or FORBIDDEN); null otherwise.",
    }),
    user_id: Type.Union([Type.Integer(), Type.Null()]),
    permissions: Type.Ref("Permissions"),
    expires_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    reason: Type.Optional(Type.String({ description: "Why the key was refused." })),
    required: Type.Optional(
      Type.Object({
        category: CategorySchema,
        route: Type.Optional(Type.String()),
        param: Type.Optional(Type.String()),
      }),
    ),
    retry_after: Type.Optional(Type.Integer({ description: "On RATE_LIMITED: seconds to wait." })),
  },
  { $id: "Verdict" },
);

interface VerdictBody {
  valid: boolean;
  code: VerdictCode;
  key_id: number | null;
  user_id: number | null;
  permissions: unknown;
  expires_at: string | null;
  reason?: string;
  required?: { category: Category; route?: string; param?: string };
  retry_after?: number;
}

/** A refusal that identifies nobody: a dead key, or a live one used from outside its allow-list. */
const refused = (code: VerdictCode, reason: string): VerdictBody => ({
  valid: false,
  code,
  key_id: null,
  user_id: null,
  permissions: null,
  expires_at: null,
  reason,
});

const failureCodes = {
  malformed: ["NOT_FOUND", "the key's format or checksum is wrong"],
  unknown: ["NOT_FOUND", "no such key"],
  revoked: ["REVOKED", "the key was deleted or reset"],
  expired: ["EXPIRED", "the key has expired"],
  ip_not_allowed: ["IP_NOT_ALLOWED", "the key may not be used from this IP address"],
} as const satisfies Record<string, readonly [VerdictCode, string]>;

const KEY_FLOOD =
  "too many refused uses of this key this minute (further refusals are not audited; allowed uses still are VALID)";

/** A RATE_LIMITED verdict, with the seconds to wait in `retry_after` and Retry-After. */
function rateLimited(reply: FastifyReply, waitMs: number, reason: string): VerdictBody {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  reply.header("Retry-After", String(retryAfter));
  return { ...refused("RATE_LIMITED", reason), retry_after: retryAfter };
}

/** The verdict as answered, counted by its code. */
function answer(metrics: Metrics, verdict: VerdictBody): VerdictBody {
  metrics.outcome("verify", verdict.code);
  return verdict;
}

/**
 * The verification API for other services (docs/api.md). It needs no credential: holding the
 * key is the proof. Every well-formed request gets 200 and a verdict; only a malformed request
 * (unknown category or route, bad IP) is a 400, so a service can tell its own bugs from a
 * caller's bad key.
 */
export const authVerify: RouteModule = (app, ctx) => {
  app.addSchema(Verdict);
  typed(app).route({
    ...endpoint("POST", "/api/v0/auth/verify/"),
    schema: {
      summary: "Verify a key for another service",
      description:
        "Answers whether `key` may call `category` and/or the catalogued `route` with `params`, from `ip`. Always 200 with a verdict (`code` VALID, NOT_FOUND, EXPIRED, REVOKED, FORBIDDEN, IP_NOT_ALLOWED or RATE_LIMITED) for a well-formed request; 400 when the category, route or ip is not valid. A key with an IP allow-list needs `ip`. Rate-limited per caller IP; a known key's refusals beyond `LATCHKEY_DENIED_USE_LIMIT` a minute answer RATE_LIMITED and are not audited (its VALID answers are unaffected).",
      tags: ["verification"],
      body: VerifyBody,
      response: { 200: { $ref: "Verdict#" }, ...errorResponses },
    },
    handler: async (request, reply): Promise<VerdictBody> => {
      const { key, route, params, ip } = request.body;
      let category = request.body.category;
      if (route !== undefined) {
        const routeCategory = ctx.catalogue.categoryOf(route);
        if (routeCategory === undefined) {
          throw new ApiError(
            "invalid_request",
            `route: '${route}' is not in the route catalogue (see GET /api/v0/permissions/).`,
          );
        }
        if (category !== undefined && category !== routeCategory) {
          throw new ApiError(
            "invalid_request",
            `route: '${route}' is in the '${routeCategory}' category, not '${category}'.`,
          );
        }
        category = routeCategory;
      }
      if (ip !== undefined && isIP(ip) === 0) {
        throw new ApiError("invalid_request", "ip: not an IPv4 or IPv6 address.");
      }

      // Counted before any lookup, so the limit also bounds database work for unknown keys.
      const now = ctx.now();
      // The same counters as every other limit: shared by all nodes when Redis is configured.
      const limit = ctx.config.verifyRateLimit;
      const slot =
        limit > 0 ? await ctx.limiter.hit(`verify:${request.ip}`, limit, 60_000) : undefined;
      if (slot && !slot.allowed) {
        ctx.metrics.refused("verify");
        return answer(
          ctx.metrics,
          rateLimited(reply, slot.resetMs, "too many verify calls from this address"),
        );
      }

      const outcome = await ctx.authenticator.authenticate(key, ip ?? request.ip, now);
      // Session keys belong to the console; other services accept API keys only.
      if (outcome.key?.record.kind === "session")
        return answer(ctx.metrics, refused("NOT_FOUND", "no such key"));
      const origin = originOf(request, ctx);
      const scope = { category, route };
      const count = (keyId: number, outcome: "verified" | "denied") =>
        ctx.usage.count(keyId, outcome, now.getTime());
      /** Counts and audits a known key's refusal; a RATE_LIMITED verdict once it floods. */
      const refuse = async (key: CachedKey, args: Record<string, unknown>) => {
        const wait = await ctx.denied.refuse({ user: key.user, key: key.record }, origin, args);
        if (wait === undefined) return undefined;
        ctx.metrics.refused("denied_use");
        return rateLimited(reply, wait, KEY_FLOOD);
      };
      if (!outcome.ok) {
        const [code, reason] = failureCodes[outcome.reason];
        if (outcome.key && outcome.reason !== "revoked") {
          count(outcome.key.record.id, "denied");
          const flood = await refuse(outcome.key, {
            reason: outcome.reason,
            via: "verify",
            ...scope,
          });
          if (flood) return answer(ctx.metrics, flood);
        }
        return answer(ctx.metrics, refused(code, reason));
      }
      const { record, user, permissions, ipAllowList } = outcome.key;
      if (ip === undefined && ipAllowList !== null) {
        count(record.id, "denied");
        // Checking the calling service's own address would let it stand in for its clients.
        return answer(
          ctx.metrics,
          refused(
            "IP_NOT_ALLOWED",
            "the key has an IP allow-list: send the client's address in 'ip'",
          ),
        );
      }
      const identity = {
        key_id: record.id,
        user_id: user.id,
        permissions,
        expires_at: record.expiresAt,
      };
      const decision =
        category === undefined
          ? { allowed: true as const }
          : evaluate(permissions, { category, route, params });
      count(record.id, decision.allowed ? "verified" : "denied");
      if (decision.allowed) return answer(ctx.metrics, { valid: true, code: "VALID", ...identity });
      const flood = await refuse(outcome.key, {
        reason: decision.reason,
        required: decision.required,
        via: "verify",
      });
      if (flood) return answer(ctx.metrics, flood);
      return answer(ctx.metrics, {
        valid: false,
        code: "FORBIDDEN",
        ...identity,
        reason: decision.reason,
        required: decision.required,
      });
    },
  });
};
