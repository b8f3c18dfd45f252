import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { permissionSummary } from "../permissionSummary.js";
import { expiryFrom } from "./createApiKey.js";

const now = new Date("2026-03-10T12:00:00Z");

describe("--expires-at", () => {
  it("takes ISO 8601 dates and times, or spans from now", () => {
    expect(expiryFrom("2027-01-31", now)).toBe("2027-01-31T00:00:00.000Z");
    expect(expiryFrom("2027-01-31T12:30:00Z", now)).toBe("2027-01-31T12:30:00.000Z");
    expect(expiryFrom("30d", now)).toBe("2026-04-09T12:00:00.000Z");
    expect(expiryFrom("12h", now)).toBe("2026-03-11T00:00:00.000Z");
    expect(expiryFrom("2w", now)).toBe("2026-03-24T12:00:00.000Z");
  });

  it("refuses anything else as a usage error", () => {
    expect(() => expiryFrom("next tuesday", now)).toThrow(UsageError);
  });
});

describe("permissionSummary", () => {
  it("names full access, categories and counts of named routes", () => {
    expect(permissionSummary(null)).toBe("full access");
    expect(permissionSummary({ api: { user_read: {}, instance_read: {} } })).toBe(
      "user_read, instance_read",
    );
    expect(
      permissionSummary({ api: { instance_write: { "api.instance.reboot": {}, "*": {} } } }),
    ).toBe("instance_write (1 route + rest)");
  });
});
