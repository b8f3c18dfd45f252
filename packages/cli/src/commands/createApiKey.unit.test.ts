import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { permissionSummary } from "../permissionSummary.js";
import { expiryFrom } from "./createApiKey.js";

const now = new Date("2026-03-10T12:00:00Z");

describe("--expires-at", () => {
  it("takes RFC 3339 date-times with a zone, or spans from now", () => {
    expect(expiryFrom("2027-01-31T12:30:00Z", now)).toBe("2027-01-31T12:30:00.000Z");
    expect(expiryFrom("2027-01-31T14:30:00+02:00", now)).toBe("2027-01-31T12:30:00.000Z");
    expect(expiryFrom("30d", now)).toBe("2026-04-09T12:00:00.000Z");
    expect(expiryFrom("12h", now)).toBe("2026-03-11T00:00:00.000Z");
    expect(expiryFrom("2w", now)).toBe("2026-03-24T12:00:00.000Z");
  });

  it("reads spans with the one duration parser --grace uses", () => {
    expect(expiryFrom("90m", now)).toBe("2026-03-10T13:30:00.000Z");
    expect(expiryFrom("1d12h", now)).toBe("2026-03-12T00:00:00.000Z");
    expect(expiryFrom(" 7D ", now)).toBe("2026-03-17T12:00:00.000Z");
    // A bare number is neither a span nor a date-time.
    expect(() => expiryFrom("3600", now)).toThrow(UsageError);
  });

  it("refuses anything else as a usage error", () => {
    expect(() => expiryFrom("next tuesday", now)).toThrow(UsageError);
  });

  it("reads dates as strictly as the server: no guessed zone, no rolled-over day, 1970-9999", () => {
    const refusal = (raw: string) => {
      try {
        expiryFrom(raw, now);
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as UsageError).message;
      }
      throw new Error(`accepted ${raw}`);
    };
    // Before: 2 March, the machine's local 09:30, UTC midnight, and a 500 from the server.
    expect(refusal("2027-02-30T00:00:00Z")).toBe(
      "--expires-at: there is no day 30 in 2027-02 (it has 28 days)",
    );
    expect(refusal("2027-01-31T09:30:00")).toMatch(/^--expires-at: has no time zone/);
    expect(refusal("2027-01-31")).toBe(
      "--expires-at: a date alone is not a point in time; add the time and zone, e.g. 2027-01-31T00:00:00Z",
    );
    expect(refusal("+010000-01-01T00:00:00Z")).toMatch(
      /^--expires-at: the year must have four digits/,
    );
    expect(refusal("99999999w")).toBe("--expires-at: 99999999w from now is after 9999");
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
