import { afterEach, describe, expect, it } from "vitest";
import type { KeyUsage } from "./types.js";
import { usageBuckets } from "./usageBuckets.js";

function usage(
  from: string,
  to: string,
  hours: [hour: string, verified: number, denied: number][],
) {
  const rows = hours.map(([hour, verified, denied]) => ({ hour, verified, denied }));
  return {
    key_id: 1,
    from,
    to,
    totals: {
      verified: rows.reduce((n, r) => n + r.verified, 0),
      denied: rows.reduce((n, r) => n + r.denied, 0),
    },
    hours: rows,
  } satisfies KeyUsage;
}

const counts = (buckets: { start: string; verified: number; denied: number }[]) =>
  buckets.map((b) => [b.start, b.verified, b.denied]);

describe("usageBuckets", () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it("fills the hours the server left out, oldest first, from usage.from to usage.to", () => {
    const buckets = usageBuckets(
      usage("2026-03-10T10:00:00.000Z", "2026-03-10T13:00:00.000Z", [
        ["2026-03-10T11:00:00.000Z", 2, 0],
        ["2026-03-10T13:00:00.000Z", 3, 1],
      ]),
      { size: "hour" },
    );
    expect(counts(buckets)).toEqual([
      ["2026-03-10T10:00:00.000Z", 0, 0],
      ["2026-03-10T11:00:00.000Z", 2, 0],
      ["2026-03-10T12:00:00.000Z", 0, 0],
      ["2026-03-10T13:00:00.000Z", 3, 1],
    ]);
  });

  it("sums hours into UTC days by default", () => {
    const buckets = usageBuckets(
      usage("2026-03-03T13:00:00.000Z", "2026-03-10T12:00:00.000Z", [
        ["2026-03-09T01:00:00.000Z", 1, 0],
        ["2026-03-09T23:00:00.000Z", 2, 1],
        ["2026-03-10T00:00:00.000Z", 3, 0],
      ]),
      { size: "day" },
    );
    expect(buckets).toHaveLength(8);
    expect(buckets[0]?.start).toBe("2026-03-03T00:00:00.000Z");
    expect(counts(buckets.slice(-2))).toEqual([
      ["2026-03-09T00:00:00.000Z", 3, 1],
      ["2026-03-10T00:00:00.000Z", 3, 0],
    ]);
  });

  it("with count and to: the last hours up to the current one, dropping older hours", () => {
    const buckets = usageBuckets(
      usage("2026-03-02T16:00:00.000Z", "2026-03-10T15:00:00.000Z", [
        ["2026-03-10T15:00:00.000Z", 5, 1],
        ["2026-03-10T12:00:00.000Z", 2, 0],
        ["2026-03-09T09:00:00.000Z", 9, 9],
      ]),
      { size: "hour", count: 24, to: new Date("2026-03-10T15:42:00.000Z") },
    );
    expect(buckets).toHaveLength(24);
    expect(buckets[0]?.start).toBe("2026-03-09T16:00:00.000Z");
    expect(buckets.at(-1)).toEqual({ start: "2026-03-10T15:00:00.000Z", verified: 5, denied: 1 });
    expect(buckets.at(-4)).toEqual({ start: "2026-03-10T12:00:00.000Z", verified: 2, denied: 0 });
    expect(buckets.reduce((n, b) => n + b.verified + b.denied, 0)).toBe(8);
  });

  it("counts local days on the calendar: a daylight-saving day has 23 hours", () => {
    process.env.TZ = "Europe/Berlin";
    // Summer time starts on 29 March 2026: that day runs from 23:00Z to 22:00Z.
    const buckets = usageBuckets(
      usage("2026-03-22T13:00:00.000Z", "2026-03-30T10:00:00.000Z", [
        ["2026-03-28T22:00:00.000Z", 1, 0], // 23:00 on the 28th
        ["2026-03-28T23:00:00.000Z", 2, 0], // midnight, the 29th
        ["2026-03-29T21:00:00.000Z", 4, 1], // 23:00 on the 29th
        ["2026-03-29T22:00:00.000Z", 8, 0], // midnight, the 30th
      ]),
      { size: "day", zone: "local", count: 3, to: new Date("2026-03-30T10:00:00.000Z") },
    );
    expect(counts(buckets)).toEqual([
      ["2026-03-27T23:00:00.000Z", 1, 0],
      ["2026-03-28T23:00:00.000Z", 6, 1],
      ["2026-03-29T22:00:00.000Z", 8, 0],
    ]);
  });

  it("puts an hour in the local day it starts in, with a half-hour offset too", () => {
    process.env.TZ = "Asia/Kolkata";
    const buckets = usageBuckets(
      usage("2026-03-03T13:00:00.000Z", "2026-03-10T12:00:00.000Z", [
        ["2026-03-09T18:00:00.000Z", 1, 0], // 23:30 on the 9th
        ["2026-03-09T19:00:00.000Z", 2, 0], // 00:30 on the 10th
      ]),
      { size: "day", zone: "local", count: 2, to: new Date("2026-03-10T12:00:00.000Z") },
    );
    expect(counts(buckets)).toEqual([
      ["2026-03-08T18:30:00.000Z", 1, 0],
      ["2026-03-09T18:30:00.000Z", 2, 0],
    ]);
  });

  it("has no bucket for a count below one", () => {
    const empty = usage("2026-03-10T10:00:00.000Z", "2026-03-10T13:00:00.000Z", []);
    expect(usageBuckets(empty, { size: "hour", count: 0 })).toEqual([]);
  });
});
