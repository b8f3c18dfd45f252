import { describe, expect, it } from "vitest";
import { draftFromPolicy, fieldOfMessage, keysUnusedFor, policyFromDraft } from "./policyForm.js";

describe("policy form", () => {
  it("starts from the server's policy, with suggested days for rules that are off", () => {
    const draft = draftFromPolicy({
      max_key_lifetime_days: 30,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    expect(draft.max_key_lifetime_days).toEqual({ on: true, days: "30" });
    expect(draft.expiry_reminder_days).toEqual({ on: false, days: "7" });
    expect(draft.revoke_unused_after_days).toEqual({ on: false, days: "90" });
  });

  it("sends null for rules that are off and numbers for the others", () => {
    const draft = draftFromPolicy({
      max_key_lifetime_days: null,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    draft.max_key_lifetime_days = { on: true, days: " 45 " };
    expect(policyFromDraft(draft)).toEqual({
      ok: true,
      policy: {
        max_key_lifetime_days: 45,
        expiry_reminder_days: null,
        revoke_unused_after_days: null,
      },
    });
  });

  it("refuses what is not a whole number of days, but only for rules that are on", () => {
    const draft = draftFromPolicy({
      max_key_lifetime_days: null,
      expiry_reminder_days: null,
      revoke_unused_after_days: null,
    });
    draft.max_key_lifetime_days = { on: true, days: "1.5" };
    draft.expiry_reminder_days = { on: true, days: "0" };
    draft.revoke_unused_after_days = { on: false, days: "soon" };
    const result = policyFromDraft(draft);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(Object.keys(result.errors).sort()).toEqual([
        "expiry_reminder_days",
        "max_key_lifetime_days",
      ]);
    }
  });

  it("finds the field a server message is about", () => {
    expect(fieldOfMessage("max_key_lifetime_days: must be <= 3650")).toEqual({
      field: "max_key_lifetime_days",
      text: "must be <= 3650",
    });
    expect(fieldOfMessage("Too many requests.")).toBeUndefined();
  });

  it("counts the keys an unused-key rule would delete", () => {
    const now = new Date("2026-03-01T00:00:00.000Z");
    const keys = [
      { id: 1, created_at: "2026-01-01T00:00:00.000Z", last_used_at: null },
      { id: 2, created_at: "2026-01-01T00:00:00.000Z", last_used_at: "2026-02-25T00:00:00.000Z" },
      { id: 3, created_at: "2026-02-27T00:00:00.000Z", last_used_at: null },
    ];
    expect(keysUnusedFor(keys, 30, now).map((k) => k.id)).toEqual([1]);
    expect(keysUnusedFor(keys, 3, now).map((k) => k.id)).toEqual([1, 2]);
  });
});
