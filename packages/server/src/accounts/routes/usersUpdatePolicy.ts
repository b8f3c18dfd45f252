import {
  MAX_EXPIRY_REMINDER_DAYS,
  MAX_KEY_LIFETIME_DAYS,
  MAX_REVOKE_UNUSED_DAYS,
  MIN_POLICY_DAYS,
} from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { AccountPolicySchema } from "../accountSchemas.js";
import { policyView } from "../accountViews.js";

const days = (max: number, description: string) =>
  Type.Optional(
    Type.Union([Type.Integer({ minimum: MIN_POLICY_DAYS, maximum: max }), Type.Null()], {
      description,
    }),
  );

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/users/current/policy/",
  category: "user_write",
  name: "api.users.update_policy",
  summary: "Set the account's key lifecycle policy",
});

export const usersUpdatePolicy = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
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
      const { body } = request;
      const changes = {
        maxKeyLifetimeDays: body.max_key_lifetime_days,
        expiryReminderDays: body.expiry_reminder_days,
        revokeUnusedAfterDays: body.revoke_unused_after_days,
      };
      const caller = principalOf(request);
      return policyView(
        unwrap(await deps.accounts.updatePolicy(caller, changes, originOf(request, deps))),
      );
    },
  });
});
