import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatInstant,
  instantMs,
  isStoredInstant,
  MAX_INSTANT_MS,
  MIN_INSTANT_MS,
  parseInstant,
} from "./instant.js";

const DAY = 86_400_000;

function refusal(input: unknown): string {
  const parsed = parseInstant(input, "expires_at");
  if (parsed.ok)
    throw new Error(`accepted ${String(input)} as ${new Date(parsed.ms).toISOString()}`);
  return parsed.msg;
}

const msOf = (input: string) => {
  const parsed = parseInstant(input, "expires_at");
  if (!parsed.ok) throw new Error(parsed.msg);
  return parsed.ms;
};

/** The same instant written in another zone: `2027-01-31T11:30:00.000+02:00`. */
function inZone(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 23);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

describe("parseInstant", () => {
  it("reads RFC 3339 date-times with a zone as the instant they name", () => {
    expect(msOf("2027-01-31T09:30:00Z")).toBe(Date.UTC(2027, 0, 31, 9, 30));
    expect(msOf("2027-01-31t09:30:00z")).toBe(Date.UTC(2027, 0, 31, 9, 30));
    expect(msOf("2027-01-31T11:30:00+02:00")).toBe(Date.UTC(2027, 0, 31, 9, 30));
    expect(msOf("2027-01-31T04:00:00-05:30")).toBe(Date.UTC(2027, 0, 31, 9, 30));
    expect(msOf("2027-01-31T09:30:00-00:00")).toBe(Date.UTC(2027, 0, 31, 9, 30));
    expect(msOf("2027-01-31T09:30:00.1Z")).toBe(Date.UTC(2027, 0, 31, 9, 30, 0, 100));
    // Beyond milliseconds is dropped, never rounded into the next second.
    expect(msOf("2027-01-31T09:30:59.999999999Z")).toBe(Date.UTC(2027, 0, 31, 9, 30, 59, 999));
    expect(msOf("2028-02-29T00:00:00Z")).toBe(Date.UTC(2028, 1, 29));
    expect(msOf("2000-02-29T00:00:00Z")).toBe(Date.UTC(2000, 1, 29));
    expect(msOf("1970-01-01T00:00:00Z")).toBe(MIN_INSTANT_MS);
    expect(msOf("9999-12-31T23:59:59.999Z")).toBe(MAX_INSTANT_MS);
  });

  it("refuses a day that does not exist instead of rolling it into the next month", () => {
    // new Date() reads this as 2 March; the finding.
    expect(new Date("2027-02-30T00:00:00Z").toISOString()).toBe("2027-03-02T00:00:00.000Z");
    expect(refusal("2027-02-30T00:00:00Z")).toBe(
      "expires_at: there is no day 30 in 2027-02 (it has 28 days)",
    );
    expect(refusal("2027-02-29T00:00:00Z")).toContain("it has 28 days");
    expect(refusal("2100-02-29T00:00:00Z")).toContain("it has 28 days");
    expect(refusal("2027-04-31T00:00:00Z")).toContain("it has 30 days");
    expect(refusal("2027-01-00T00:00:00Z")).toContain("no day 00");
    expect(refusal("2027-13-01T00:00:00Z")).toBe("expires_at: the month must be 01 to 12");
    expect(refusal("2027-00-01T00:00:00Z")).toBe("expires_at: the month must be 01 to 12");
  });

  it("refuses a time without a zone instead of reading it in the server's zone", () => {
    for (const input of ["2027-01-31T09:30:00", "2027-01-31T09:30", "2027-01-31 09:30:00"]) {
      expect(refusal(input), input).toMatch(/^expires_at: has no time zone; end it with Z/);
    }
    expect(refusal("2027-01-31")).toBe(
      "expires_at: a date alone is not a point in time; add the time and zone, e.g. 2027-01-31T00:00:00Z",
    );
  });

  it("takes years 1970 to 9999 only, as written and once read as UTC", () => {
    const range =
      "expires_at: must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (read as UTC)";
    for (const input of [
      "+010000-01-01T00:00:00Z",
      "10000-01-01T00:00:00Z",
      "-000001-01-01T00:00:00Z",
    ]) {
      expect(refusal(input), input).toBe(
        "expires_at: the year must have four digits, from 1970 to 9999",
      );
    }
    expect(refusal("1969-12-31T23:59:59Z")).toBe(range);
    expect(refusal("0000-02-29T00:00:00Z")).toBe(range);
    expect(refusal("1970-01-01T00:30:00+01:00")).toBe(range);
    expect(refusal("9999-12-31T23:00:00-05:00")).toBe(range);
  });

  it("refuses times of day and offsets that do not exist, and anything else", () => {
    expect(refusal("2027-01-31T24:00:00Z")).toContain("not a time of day");
    expect(refusal("2027-01-31T23:60:00Z")).toContain("not a time of day");
    expect(refusal("2027-06-30T23:59:60Z")).toContain("no leap seconds");
    expect(refusal("2027-01-31T09:30:00+24:00")).toBe(
      "expires_at: the zone offset must be -23:59 to +23:59",
    );
    expect(refusal("2027-01-31T09:30:00+02:60")).toContain("zone offset");
    for (const input of [
      "",
      " 2027-01-31T09:30:00Z",
      "2027-01-31T09:30:00Z ",
      "2027-1-31T09:30:00Z",
      "2027-01-31T09:30:00+0200",
      "2027-01-31T09:30:00+02",
      "2027-01-31T09:30:00.Z",
      "2027-01-31T09:30:00 UTC",
      "1796083200",
      "Sun, 31 Jan 2027 09:30:00 GMT",
      "next tuesday",
      "２０２７-01-31T09:30:00Z",
    ]) {
      expect(refusal(input), input).toMatch(/^expires_at: /);
    }
    expect(refusal(1796083200)).toMatch(/^expires_at: must be a string/);
    expect(refusal(null)).toMatch(/^expires_at: must be a string/);
  });

  it("never repeats the input in its message", () => {
    const secret = "lk_Z3cretZ3cretZ3cretZ3cretZ3cretZ3cretZ3cretZ3c";
    for (const input of [secret, `2027-01-31T09:30:00${secret}`, `${secret}-01-01T00:00:00Z`]) {
      expect(refusal(input)).not.toContain("Z3cret");
    }
  });

  it("reads any instant of 1970-9999 back from its stored form and from any zone", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_INSTANT_MS + DAY, max: MAX_INSTANT_MS - DAY }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        (ms, offset) => {
          expect(msOf(formatInstant(ms))).toBe(ms);
          expect(msOf(inZone(ms, offset))).toBe(ms);
          // Where JavaScript's own reading is right (a valid input), the two agree.
          expect(Date.parse(inZone(ms, offset))).toBe(ms);
        },
      ),
    );
  });

  it("agrees with the calendar on which days exist", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        (year, month, day) => {
          const text = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}T00:00:00Z`;
          const parsed = parseInstant(text, "d");
          const exists = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
          expect(parsed.ok).toBe(exists);
        },
      ),
    );
  });
});

describe("the stored form", () => {
  it("compares as text exactly as the instants compare as numbers", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS }),
        fc.integer({ min: MIN_INSTANT_MS, max: MAX_INSTANT_MS }),
        (a, b) => {
          const [x, y] = [formatInstant(a), formatInstant(b)];
          expect(x.length).toBe(24);
          expect(x < y).toBe(a < b);
          expect(x === y).toBe(a === b);
          expect(isStoredInstant(x)).toBe(true);
          expect(instantMs(x)).toBe(a);
        },
      ),
    );
  });

  it("cannot be made for a time outside 1970-9999, and other forms are not stored instants", () => {
    expect(() => formatInstant(MAX_INSTANT_MS + 1)).toThrow(RangeError);
    expect(() => formatInstant(MIN_INSTANT_MS - 1)).toThrow(RangeError);
    expect(() => formatInstant(Number.NaN)).toThrow(RangeError);
    expect(() => formatInstant(1.5)).toThrow(RangeError);
    for (const text of [
      // What today's code stored for a year past 9999: it sorts before every real date.
      "+010000-01-01T00:00:00.000Z",
      "2027-01-31T09:30:00Z",
      "2027-01-31T11:30:00.000+02:00",
      "2027-02-30T00:00:00.000Z",
    ]) {
      expect(isStoredInstant(text), text).toBe(false);
      expect(() => instantMs(text), text).toThrow(RangeError);
    }
  });
});
