import {
  MAX_EXPIRY_REMINDER_DAYS,
  MAX_KEY_LIFETIME_DAYS,
  MAX_REVOKE_UNUSED_DAYS,
  MIN_POLICY_DAYS,
} from "@latchkey/sdk";
import type { AccountPolicy } from "../api/types.js";

export type PolicyField = keyof AccountPolicy;

/** One rule as the form holds it: on or off, and the days as typed. */
export interface RuleDraft {
  on: boolean;
  days: string;
}

export type PolicyDraft = Record<PolicyField, RuleDraft>;

/** Each rule: what it is called, what it does, the server's range and a sensible first value. */
export const POLICY_RULES: {
  field: PolicyField;
  label: string;
  hint: string;
  unit: string;
  max: number;
  suggested: number;
}[] = [
  {
    field: "max_key_lifetime_days",
    label: "Maximum key lifetime",
    hint: "Every new key expires within this many days. A key created without an expiry gets this one; asking for a later date is refused. Keys that exist already keep their expiry.",
    unit: "days after creation",
    max: MAX_KEY_LIFETIME_DAYS,
    suggested: 90,
  },
  {
    field: "expiry_reminder_days",
    label: "Expiry reminders",
    hint: "This many days before a key expires, Latchkey records a reminder in the audit log and sends the key.expiring event to your webhooks, so it can be reset in time.",
    unit: "days before expiry",
    max: MAX_EXPIRY_REMINDER_DAYS,
    suggested: 7,
  },
  {
    field: "revoke_unused_after_days",
    label: "Delete unused keys",
    hint: "A key not used for this many days (counted from its creation if it was never used) is deleted: it stops working and cannot be brought back. The key.unused event tells your webhooks. Off unless you turn it on.",
    unit: "days without use",
    max: MAX_REVOKE_UNUSED_DAYS,
    suggested: 90,
  },
];

/** The form's starting state: the policy as the server has it. */
export function draftFromPolicy(policy: AccountPolicy): PolicyDraft {
  const rule = (field: PolicyField): RuleDraft => {
    const value = policy[field];
    const suggested = POLICY_RULES.find((r) => r.field === field)?.suggested ?? 30;
    return value === null
      ? { on: false, days: String(suggested) }
      : { on: true, days: String(value) };
  };
  return {
    max_key_lifetime_days: rule("max_key_lifetime_days"),
    expiry_reminder_days: rule("expiry_reminder_days"),
    revoke_unused_after_days: rule("revoke_unused_after_days"),
  };
}

/**
 * The body to send, or the fields that are not whole numbers of days. Upper limits are the
 * server's to judge (its message is shown at the field), so they are stated only once.
 */
export function policyFromDraft(
  draft: PolicyDraft,
):
  | { ok: true; policy: AccountPolicy }
  | { ok: false; errors: Partial<Record<PolicyField, string>> } {
  const errors: Partial<Record<PolicyField, string>> = {};
  const value = (field: PolicyField): number | null => {
    const rule = draft[field];
    if (!rule.on) return null;
    const text = rule.days.trim();
    if (!/^\d+$/.test(text) || Number(text) < MIN_POLICY_DAYS) {
      errors[field] =
        `Enter a whole number of days, ${MIN_POLICY_DAYS} or more, or turn the rule off.`;
      return null;
    }
    return Number(text);
  };
  const policy: AccountPolicy = {
    max_key_lifetime_days: value("max_key_lifetime_days"),
    expiry_reminder_days: value("expiry_reminder_days"),
    revoke_unused_after_days: value("revoke_unused_after_days"),
  };
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, policy };
}

/** The field a server message is about ("max_key_lifetime_days: must be <= 3650"), if any. */
export function fieldOfMessage(msg: string): { field: PolicyField; text: string } | undefined {
  const match =
    /^(max_key_lifetime_days|expiry_reminder_days|revoke_unused_after_days)\b:?\s*(.*)$/.exec(msg);
  if (!match?.[1]) return undefined;
  return { field: match[1] as PolicyField, text: match[2] || msg };
}

/** Keys a "delete unused keys" rule of `days` would take at its next run. */
export function keysUnusedFor<K extends { created_at: string; last_used_at: string | null }>(
  keys: K[],
  days: number,
  now: Date = new Date(),
): K[] {
  const cutoff = now.getTime() - days * 86_400_000;
  return keys.filter((k) => new Date(k.last_used_at ?? k.created_at).getTime() < cutoff);
}
