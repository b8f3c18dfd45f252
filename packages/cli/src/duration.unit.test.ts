import { describe, expect, it } from "vitest";
import { graceSeconds } from "./commands/resetApiKey.js";
import { describeSeconds, durationSeconds } from "./duration.js";
import { UsageError } from "./errors.js";

describe("durations", () => {
  it("plain seconds, or numbers with units, also combined", () => {
    expect(durationSeconds("3600")).toBe(3600);
    expect(durationSeconds("90m")).toBe(5400);
    expect(durationSeconds("24h")).toBe(86_400);
    expect(durationSeconds("7d")).toBe(604_800);
    expect(durationSeconds("1w")).toBe(604_800);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("45s")).toBe(45);
    expect(durationSeconds("2H")).toBe(7200);
  });

  it("anything else is not a duration", () => {
    for (const raw of ["", "soon", "-5", "1.5h", "h", "10 m", "1y"]) {
      expect(durationSeconds(raw), raw).toBeUndefined();
    }
  });

  it("are described in their largest exact unit", () => {
    expect(describeSeconds(5400)).toBe("90 minutes");
    expect(describeSeconds(691_200)).toBe("8 days");
    expect(describeSeconds(604_801)).toBe("604801 seconds");
  });
});

describe("--grace", () => {
  it("takes up to 7 days and refuses more, or a non-duration, as a usage error", () => {
    expect(graceSeconds("7d")).toBe(604_800);
    expect(graceSeconds("0")).toBe(0);
    expect(() => graceSeconds("8d")).toThrow(UsageError);
    expect(() => graceSeconds("8d")).toThrow(
      /8 days, longer than the longest grace window of 7 days/,
    );
    expect(() => graceSeconds("604801")).toThrow(UsageError);
    expect(() => graceSeconds("later")).toThrow(/'later' is not a duration/);
  });
});
