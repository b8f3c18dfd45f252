import { describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "./memoryRateLimiter.js";

describe("MemoryRateLimiter", () => {
  it("counts per bucket within a window that starts at the first request", async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    expect(await limiter.hit("a", 2, 60_000)).toEqual({
      allowed: true,
      remaining: 1,
      resetMs: 60_000,
    });
    now += 59_000;
    expect(await limiter.hit("a", 2, 60_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.hit("a", 2, 60_000)).toMatchObject({
      allowed: false,
      remaining: 0,
      resetMs: 1000,
    });
    expect(await limiter.hit("b", 2, 60_000)).toMatchObject({ allowed: true });
    expect(await limiter.peek("a", 60_000)).toEqual({ count: 3, resetMs: 1000 });
    now += 1000;
    expect(await limiter.peek("a", 60_000)).toEqual({ count: 0, resetMs: 0 });
    expect(await limiter.hit("a", 2, 60_000)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("takes a hit back within its window, never below zero and never into a later window", async () => {
    let now = 1_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    await limiter.hit("a", 2, 60_000);
    await limiter.hit("a", 2, 60_000);
    await limiter.release("a", 60_000);
    expect(await limiter.peek("a", 60_000)).toEqual({ count: 1, resetMs: 60_000 });
    await limiter.release("a", 60_000);
    await limiter.release("a", 60_000);
    expect((await limiter.peek("a", 60_000)).count).toBe(0);
    expect(await limiter.hit("a", 1, 60_000)).toMatchObject({ allowed: true, remaining: 0 });
    now += 60_000;
    await limiter.release("a", 60_000);
    expect(await limiter.hit("a", 1, 60_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.hit("a", 1, 60_000)).toMatchObject({ allowed: false });
  });
});
