import { describe, expect, it } from "vitest";
import { colours } from "./colours.js";
import { chartBuckets, sparkline, usageReport } from "./usageViews.js";

const plain = colours(false);

describe("sparkline", () => {
  it("scales to the largest value, shows any request, and marks none with a dot", () => {
    expect(sparkline([0, 1, 4, 8, 100])).toBe("·▁▁▁█");
    expect(sparkline([0, 0])).toBe("··");
    expect(sparkline([2, 4, 6, 8])).toBe("▂▄▆█");
  });
});

describe("chartBuckets", () => {
  it("fills the hours the server left out, oldest first", () => {
    const { size, buckets } = chartBuckets({
      key_id: 1,
      from: "2026-03-10T10:00:00.000Z",
      to: "2026-03-10T13:00:00.000Z",
      totals: { verified: 5, denied: 1 },
      hours: [
        { hour: "2026-03-10T11:00:00.000Z", verified: 2, denied: 0 },
        { hour: "2026-03-10T13:00:00.000Z", verified: 3, denied: 1 },
      ],
    });
    expect(size).toBe("hour");
    expect(buckets.map((b) => [b.start.slice(11, 13), b.verified, b.denied])).toEqual([
      ["10", 0, 0],
      ["11", 2, 0],
      ["12", 0, 0],
      ["13", 3, 1],
    ]);
  });

  it("sums into UTC days beyond 72 hours", () => {
    const { size, buckets } = chartBuckets({
      key_id: 1,
      from: "2026-03-03T13:00:00.000Z",
      to: "2026-03-10T12:00:00.000Z",
      totals: { verified: 6, denied: 0 },
      hours: [
        { hour: "2026-03-09T01:00:00.000Z", verified: 1, denied: 0 },
        { hour: "2026-03-09T23:00:00.000Z", verified: 2, denied: 0 },
        { hour: "2026-03-10T00:00:00.000Z", verified: 3, denied: 0 },
      ],
    });
    expect(size).toBe("day");
    expect(buckets).toHaveLength(8);
    expect(buckets.map((b) => b.verified)).toEqual([0, 0, 0, 0, 0, 0, 3, 3]);
    expect(buckets[0]?.start).toBe("2026-03-03T00:00:00.000Z");
  });
});

describe("usageReport", () => {
  it("totals, the share denied, one chart line per outcome and a right-aligned table", () => {
    const text = usageReport(
      {
        key_id: 7,
        from: "2026-03-09T13:00:00.000Z",
        to: "2026-03-10T12:00:00.000Z",
        totals: { verified: 120, denied: 3 },
        hours: [
          { hour: "2026-03-10T09:00:00.000Z", verified: 120, denied: 0 },
          { hour: "2026-03-10T12:00:00.000Z", verified: 0, denied: 3 },
        ],
      },
      plain,
    );
    expect(text).toBe(
      "API key 7, the last 24 hours (since 2026-03-09 13:00 UTC):\n" +
        "  120 verified, 3 denied (2%)\n" +
        "\n" +
        "Per hour, oldest left (· none):\n" +
        `  verified  ${"·".repeat(20)}█···  max 120/hour\n` +
        `  denied    ${"·".repeat(23)}█  max 3/hour\n` +
        "\n" +
        "HOUR (UTC)        VERIFIED  DENIED\n" +
        "2026-03-10 09:00       120       0\n" +
        "2026-03-10 12:00         0       3\n",
    );
  });
});
