import { describe, expect, it } from "vitest";
import { relativeTime } from "./formatTime.js";

describe("relativeTime", () => {
  const now = new Date("2026-03-10T12:00:00.000Z");
  const later = (ms: number) => new Date(now.getTime() + ms).toISOString();

  it("names the largest unit that fits", () => {
    expect(relativeTime(later(-3 * 60_000), now)).toBe("3 minutes ago");
    expect(relativeTime(later(90 * 86_400_000 - 1), now)).toBe("in 3 months");
    expect(relativeTime(later(10_000), now)).toBe("just now");
  });

  it("reads an hour less a few seconds as an hour", () => {
    expect(relativeTime(later(3_600_000 - 5_000), now)).toBe("in 1 hour");
    expect(relativeTime(later(59 * 60_000), now)).toBe("in 59 minutes");
  });
});
