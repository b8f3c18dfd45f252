import type { AccountPolicy } from "@latchkey/core";
import type { Static } from "@sinclair/typebox";
import type { AccountPolicySchema } from "./accountSchemas.js";

export function policyView(policy: AccountPolicy): Static<typeof AccountPolicySchema> {
  return {
    max_key_lifetime_days: policy.maxKeyLifetimeDays,
    expiry_reminder_days: policy.expiryReminderDays,
    revoke_unused_after_days: policy.revokeUnusedAfterDays,
  };
}
