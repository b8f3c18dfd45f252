import type { AccountPolicy } from "@latchkey/sdk";
import type { Colours } from "./colours.js";
import { renderFields } from "./table.js";

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

/** The account's lifecycle policy for people: each rule, what it does, or "off". */
export function policyReport(policy: AccountPolicy, style: Pick<Colours, "bold">): string {
  const max = policy.max_key_lifetime_days;
  const reminder = policy.expiry_reminder_days;
  const unused = policy.revoke_unused_after_days;
  return renderFields(
    [
      [
        "Maximum key lifetime",
        max === null
          ? "off (a key expires only when given an expiry)"
          : `${days(max)} (new keys expire within it; one created without an expiry gets that one)`,
      ],
      [
        "Expiry reminder",
        reminder === null
          ? "off"
          : `${days(reminder)} before a key expires (a key.expiring webhook and an audit entry)`,
      ],
      [
        "Revoke unused keys",
        unused === null
          ? "off"
          : `after ${days(unused)} without a request (since creation for a key never used)`,
      ],
    ],
    style.bold,
  );
}
