import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryRateLimiter } from "./memoryRateLimiter.js";

/**
 * A model-based test of the in-memory rate limiter: random hits and peeks on a few buckets and
 * two window lengths, with time moving in steps around the window boundaries and the limiter's
 * once-a-second sweep. A plain model (one counter and deadline per bucket and window) must
 * agree with every answer: an undercount would let a caller past its limit, and an overcount
 * would refuse one within it.
 */

const BUCKETS = ["fail:1.2.3.4", "fail:5.6.7.8", "key:1"] as const;
const WINDOWS = [1000, 60_000] as const;
const LIMIT = 3;

interface Model {
  now: number;
  windows: Map<string, { count: number; endsAt: number }>;
}

interface Real {
  limiter: MemoryRateLimiter;
  clock: { now: number };
}

const slot = (bucket: string, windowMs: number) => `${windowMs}:${bucket}`;

class Hit implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly bucket: string,
    readonly windowMs: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    let window = model.windows.get(slot(this.bucket, this.windowMs));
    if (!window || window.endsAt <= model.now) {
      window = { count: 0, endsAt: model.now + this.windowMs };
      model.windows.set(slot(this.bucket, this.windowMs), window);
    }
    window.count++;
    const hit = await real.limiter.hit(this.bucket, LIMIT, this.windowMs);
    expect(hit).toEqual({
      allowed: window.count <= LIMIT,
      remaining: Math.max(0, LIMIT - window.count),
      resetMs: window.endsAt - model.now,
    });
  }
  toString = () => `hit(${this.bucket}, ${this.windowMs})`;
}

class Peek implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly bucket: string,
    readonly windowMs: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const window = model.windows.get(slot(this.bucket, this.windowMs));
    const expected =
      window && window.endsAt > model.now
        ? { count: window.count, resetMs: window.endsAt - model.now }
        : { count: 0, resetMs: 0 };
    expect(await real.limiter.peek(this.bucket, this.windowMs)).toEqual(expected);
  }
  toString = () => `peek(${this.bucket}, ${this.windowMs})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.now += this.ms;
    real.clock.now = model.now;
  }
  toString = () => `advance(${this.ms})`;
}

const bucket = fc.constantFrom(...BUCKETS);
const windowMs = fc.constantFrom(...WINDOWS);
const commands = fc.commands(
  [
    fc.tuple(bucket, windowMs).map(([b, w]) => new Hit(b, w)),
    fc.tuple(bucket, windowMs).map(([b, w]) => new Peek(b, w)),
    fc
      .oneof(fc.integer({ min: 0, max: 1200 }), fc.constantFrom(999, 1000, 1001, 60_000))
      .map((ms) => new Advance(ms)),
  ],
  { size: "+1" },
);

describe("MemoryRateLimiter against a reference model", () => {
  it("counts every hit in its window, across window ends and sweeps", async () => {
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const clock = { now: 1_000_000 };
        await fc.asyncModelRun(
          () => ({
            model: { now: clock.now, windows: new Map() },
            real: { limiter: new MemoryRateLimiter(() => clock.now), clock },
          }),
          cmds,
        );
      }),
      { numRuns: 1500 },
    );
  });
});
