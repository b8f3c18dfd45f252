import {
  ApiError,
  MAX_EXPIRY_REMINDER_DAYS,
  MAX_KEY_LIFETIME_DAYS,
  MAX_REVOKE_UNUSED_DAYS,
  MIN_POLICY_DAYS,
} from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { AccountPolicySchema, errorResponses, policyView } from "../../http/schemas.js";
import { audit } from "../../keys/keyService.js";

const days = (max: number, description: string) =>
  Type.Optional(
    Type.Union([Type.Integer({ minimum: MIN_POLICY_DAYS, maximum: max }), Type.Null()], {
      description,
    }),
  );

export const usersUpdatePolicy: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("PUT", "/api/v0/users/current/policy/"),
    schema: {
      summary: "Set the account's key lifecycle policy",
      description:
        "Fields left out keep their value; null turns a rule off. All rules are off by default.",
      tags: ["account"],
      security: [{ bearer: [] }],
      body: Type.Object(
        {
          max_key_lifetime_days: days(
            MAX_KEY_LIFETIME_DAYS,
            "New keys expire within this many days; keys created without expires_at get it.",
          ),
          expiry_reminder_days: days(
            MAX_EXPIRY_REMINDER_DAYS,
            "Send key.expiring this many days before a key expires.",
          ),
          revoke_unused_after_days: days(
            MAX_REVOKE_UNUSED_DAYS,
            "Revoke keys not used for this many days (key.unused).",
          ),
        },
        { additionalProperties: false },
      ),
      response: { 200: AccountPolicySchema, ...errorResponses },
    },
    handler: async (request) => {
      const caller = principalOf(request);
      const current = (await ctx.store.findUserById(caller.user.id)) ?? caller.user;
      const body = request.body;
      const policy = {
        maxKeyLifetimeDays:
          body.max_key_lifetime_days === undefined
            ? current.policy.maxKeyLifetimeDays
            : body.max_key_lifetime_days,
        expiryReminderDays:
          body.expiry_reminder_days === undefined
            ? current.policy.expiryReminderDays
            : body.expiry_reminder_days,
        revokeUnusedAfterDays:
          body.revoke_unused_after_days === undefined
            ? current.policy.revokeUnusedAfterDays
            : body.revoke_unused_after_days,
      };
      const user = await ctx.store.setPolicy(caller.user.id, policy);
      if (!user) throw new ApiError("not_found", "The account no longer exists.");
      await audit(ctx.store, caller, originOf(request, ctx), "account.policy", policyView(policy));
      return policyView(user.policy);
    },
  });
};
