import { describe, expect, it } from "vitest";
import { defaultExpiry, expiryChoices } from "./expiryChoices.js";

describe("expiryChoices", () => {
  it("offers never and the usual periods without a maximum", () => {
    expect(expiryChoices(null).map((c) => c.value)).toEqual(["", "7", "30", "90", "365"]);
    expect(defaultExpiry(null)).toBe("");
  });

  it("under a maximum, drops never and longer periods and offers the maximum itself", () => {
    expect(expiryChoices(45)).toEqual([
      { value: "7", label: "In 7 days" },
      { value: "30", label: "In 30 days" },
      { value: "45", label: "In 45 days (the maximum)" },
    ]);
    expect(defaultExpiry(45)).toBe("45");
    expect(expiryChoices(365).at(-1)).toEqual({ value: "365", label: "In a year (the maximum)" });
    expect(expiryChoices(1)).toEqual([{ value: "1", label: "In 1 day (the maximum)" }]);
    expect(expiryChoices(3650).map((c) => c.value)).toEqual(["7", "30", "90", "365", "3650"]);
  });
});
