import { describe, expect, it } from "vitest";
import { GRACE_CHOICES, pendingOldValue } from "./grace.js";

describe("pendingOldValue", () => {
  const now = new Date("2026-01-01T12:00:00.000Z");

  it("is the deadline while it is ahead", () => {
    const until = "2026-01-01T13:00:00.000Z";
    expect(pendingOldValue({ previous_expires_at: until }, now)).toBe(until);
  });

  it("is nothing without a window, or once it has passed", () => {
    expect(pendingOldValue({ previous_expires_at: null }, now)).toBeUndefined();
    expect(pendingOldValue({ previous_expires_at: "2026-01-01T12:00:00.000Z" }, now)).toBe(
      undefined,
    );
    expect(pendingOldValue({ previous_expires_at: "2026-01-01T11:59:59.000Z" }, now)).toBe(
      undefined,
    );
  });
});

describe("GRACE_CHOICES", () => {
  it("starts with no overlap and stays within the server's 7-day cap", () => {
    expect(GRACE_CHOICES[0]?.seconds).toBe(0);
    expect(Math.max(...GRACE_CHOICES.map((c) => c.seconds))).toBe(7 * 86_400);
  });
});
