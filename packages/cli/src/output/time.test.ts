import { describe, expect, it } from "vitest";
import { absoluteTime, formatTime, relativeTime } from "./time.js";

const now = new Date("2026-03-10T12:00:00Z");

describe("times for people", () => {
  it("relative in both directions, in the largest whole unit", () => {
    expect(relativeTime(new Date("2026-03-10T11:59:30Z"), now)).toBe("just now");
    expect(relativeTime(new Date("2026-03-10T11:57:00Z"), now)).toBe("3 minutes ago");
    expect(relativeTime(new Date("2026-03-10T11:00:00Z"), now)).toBe("1 hour ago");
    expect(relativeTime(new Date("2026-04-08T12:00:00Z"), now)).toBe("in 29 days");
    expect(relativeTime(new Date("2026-04-09T12:00:00Z"), now)).toBe("in 1 month");
    expect(relativeTime(new Date("2024-03-10T12:00:00Z"), now)).toBe("2 years ago");
  });

  it("absolute in UTC, to the minute", () => {
    expect(absoluteTime(new Date("2026-03-10T09:05:59Z"))).toBe("2026-03-10 09:05 UTC");
  });

  it("both together, with a word for a missing time", () => {
    expect(formatTime("2026-03-10T11:57:00Z", now)).toBe("2026-03-10 11:57 UTC (3 minutes ago)");
    expect(formatTime(null, now, "never")).toBe("never");
    expect(formatTime("not a date", now)).toBe("not a date");
  });
});
