import { isIP } from "node:net";
import { ApiError, type Category, categories, type RouteCatalogue } from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";
import { endpoint, originOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { type Verdict, Verification, verdictCodes } from "../verification.js";

const CategorySchema = Type.Union(categories.map((c) => Type.Literal(c)));

export const VerifyBody = Type.Object(
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

export const VerdictSchema = Type.Object(
  {
    valid: Type.Boolean(),
    code: Type.Union(verdictCodes.map((c) => Type.Literal(c))),
    key_id: Type.Union([Type.Integer(), Type.Null()], {
      description: "The key's id when it is live (VALID or FORBIDDEN); null otherwise.",
    }),
    user_id: Type.Union([Type.Integer(), Type.Null()], {
      description: "The account the key acts on: a person's, or a team's for a team key.",
    }),
    account_kind: Type.Union([Type.Literal("person"), Type.Literal("team"), Type.Null()], {
      description: "Whether `user_id` is a person or a team; null when the key is not live.",
    }),
    member_id: Type.Union([Type.Integer(), Type.Null()], {
      description: "A team key's member (the person it belongs to); null otherwise.",
    }),
    role: Type.Union([Type.String(), Type.Null()], {
      description: "A team key's member's current role; null otherwise.",
    }),
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

export type VerdictBody = Static<typeof VerdictSchema>;

/** The verdict as the wire has it: a live key's identity on VALID and FORBIDDEN only. */
export function verdictBody(verdict: Verdict): VerdictBody {
  const identity = verdict.valid || verdict.code === "FORBIDDEN" ? verdict.key : undefined;
  const body: VerdictBody = {
    valid: verdict.valid,
    code: verdict.code,
    key_id: identity?.record.id ?? null,
    user_id: identity?.user.id ?? null,
    account_kind: identity?.user.kind ?? null,
    member_id: identity?.record.memberId ?? null,
    role: identity?.member?.roleName ?? null,
    // A team key's: its own tree cut to its member's current role.
    permissions: identity?.permissions ?? null,
    expires_at: identity?.record.expiresAt ?? null,
  };
  if (verdict.valid) return body;
  body.reason = verdict.reason;
  if (verdict.required) body.required = verdict.required;
  if (verdict.retryAfterMs !== undefined)
    body.retry_after = retryAfterSeconds(verdict.retryAfterMs);
  return body;
}

const retryAfterSeconds = (waitMs: number) => Math.max(1, Math.ceil(waitMs / 1000));

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/verify/",
  category: null,
  name: "api.auth.verify",
  summary: "Verify a key for another service",
});

/**
 * The verification API for other services (docs/api.md). It needs no credential: holding the
 * key is the proof. Every well-formed request gets 200 and a verdict; only a malformed request
 * (unknown category or route, bad IP) is a 400, so a service can tell its own bugs from a
 * caller's bad key.
 */
export const authVerify = defineRoute(entry, (app, deps) => {
  app.addSchema(VerdictSchema);
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Answers whether `key` may call `category` and/or the catalogued `route` with `params`, from `ip`. Always 200 with a verdict (`code` VALID, NOT_FOUND, EXPIRED, REVOKED, FORBIDDEN, IP_NOT_ALLOWED or RATE_LIMITED) for a well-formed request; 400 when the category, route or ip is not valid. A key with an IP allow-list needs `ip`. Rate-limited per caller IP; a known key's refusals beyond `LATCHKEY_DENIED_USE_LIMIT` a minute answer RATE_LIMITED and are not audited (its VALID answers are unaffected).",
      tags: ["verification"],
      body: VerifyBody,
      response: { 200: { $ref: "Verdict#" }, ...errorResponses },
    },
    handler: async (request, reply): Promise<VerdictBody> => {
      const { key, route, params, ip } = request.body;
      const category = checkedCategory(deps.catalogue, request.body.category, route);
      if (ip !== undefined && isIP(ip) === 0) {
        throw new ApiError("invalid_request", "ip: not an IPv4 or IPv6 address.");
      }
      // Counted before any lookup, so the limit also bounds database work for unknown keys.
      // The same counters as every other limit: shared by all nodes when Redis is configured.
      const limit = deps.config.verifyRateLimit;
      const slot =
        limit > 0 ? await deps.limiter.hit(`verify:${request.ip}`, limit, 60_000) : undefined;
      if (slot && !slot.allowed) deps.metrics.refused("verify");
      const verdict =
        slot && !slot.allowed
          ? Verification.callerLimited(slot.resetMs)
          : await deps.verification.verifyKey(
              { secret: key, ip, callerIp: request.ip, category, route, params },
              originOf(request, deps),
            );
      deps.metrics.outcome("verify", verdict.code);
      const body = verdictBody(verdict);
      if (body.retry_after !== undefined) reply.header("Retry-After", String(body.retry_after));
      return body;
    },
  });
});

/** The category asked, checked against the route's when both are given. */
export function checkedCategory(
  catalogue: RouteCatalogue,
  category: Category | undefined,
  route: string | undefined,
): Category | undefined {
  if (route === undefined) return category;
  const routeCategory = catalogue.categoryOf(route);
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
  return routeCategory;
}
