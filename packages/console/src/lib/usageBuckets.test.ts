import { describe, expect, it } from "vitest";
import type { KeyUsage } from "../api/types.js";
import { countsText, dailyBuckets, hourlyBuckets, totalsOf } from "./usageBuckets.js";

const HOUR = 3_600_000;

function usageAt(now: Date, rows: [hoursAgo: number, verified: number, denied: number][]) {
  const current = Math.floor(now.getTime() / HOUR) * HOUR;
  const usage: KeyUsage = {
    key_id: 1,
    from: new Date(current - 191 * HOUR).toISOString(),
    to: new Date(current).toISOString(),
    totals: { verified: 0, denied: 0 },
    hours: rows.map(([ago, verified, denied]) => ({
      hour: new Date(current - ago * HOUR).toISOString(),
      verified,
      denied,
    })),
  };
  return usage;
}

describe("hourlyBuckets", () => {
  const now = new Date("2026-03-10T15:42:00.000Z");

  it("has one bucket per hour, the current hour last, zero where the server left one out", () => {
    const buckets = hourlyBuckets(
      usageAt(now, [
        [0, 5, 1],
        [3, 2, 0],
        [30, 9, 9],
      ]),
      24,
      now,
    );
    expect(buckets).toHaveLength(24);
    expect(buckets.at(-1)?.start).toBe("2026-03-10T15:00:00.000Z");
    expect(buckets[0]?.start).toBe("2026-03-09T16:00:00.000Z");
    expect(buckets.at(-1)).toMatchObject({ verified: 5, denied: 1 });
    expect(buckets.at(-4)).toMatchObject({ verified: 2, denied: 0 });
    // 30 hours ago is outside the last 24.
    expect(totalsOf(buckets)).toEqual({ verified: 7, denied: 1 });
  });
});

describe("dailyBuckets", () => {
  it("sums the hours of each local day, today last, and drops what is older", () => {
    const now = new Date(2026, 2, 10, 15, 42);
    const hoursSinceMidnight = 15;
    const buckets = dailyBuckets(
      usageAt(now, [
        [0, 1, 0],
        [hoursSinceMidnight, 2, 1],
        [hoursSinceMidnight + 1, 4, 0],
        [hoursSinceMidnight + 24 * 6 + 1, 100, 100],
      ]),
      7,
      now,
    );
    expect(buckets).toHaveLength(7);
    expect(new Date(buckets.at(-1)?.start ?? "").getDate()).toBe(10);
    expect(new Date(buckets[0]?.start ?? "").getDate()).toBe(4);
    expect(buckets.at(-1)).toMatchObject({ verified: 3, denied: 1 });
    expect(buckets.at(-2)).toMatchObject({ verified: 4, denied: 0 });
    expect(totalsOf(buckets)).toEqual({ verified: 7, denied: 1 });
  });
});

describe("countsText", () => {
  it("says the counts, or that there were none", () => {
    expect(countsText({ verified: 0, denied: 0 })).toBe("no requests");
    expect(countsText({ verified: 12, denied: 3 })).toBe("12 verified, 3 denied");
  });
});
