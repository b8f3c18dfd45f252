import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Verdict, VerdictCode } from "../types.js";
import { VerdictCache } from "./verdictCache.js";

/**
 * A model-based test of the middleware's verdict cache: random fills (of every verdict code,
 * with and without key expiry), reads, clears and the passing of time, at capacities small
 * enough that the oldest entries go all the time. After every step every question is read and
 * checked against a plain model: nothing is answered after a clear, past its time to live or
 * past its key's expiry, or after a refusal of the same question came back from the server; no
 * refusal but FORBIDDEN is ever kept, and the size stays bounded.
 */

const QUESTIONS = ["q1", "q2", "q3", "q4", "q5"] as const;
type Question = (typeof QUESTIONS)[number];
const CODES: VerdictCode[] = [
  "VALID",
  "FORBIDDEN",
  "NOT_FOUND",
  "EXPIRED",
  "REVOKED",
  "IP_NOT_ALLOWED",
  "RATE_LIMITED",
];
const TTL_MS = 1000;
const START = Date.parse("2030-01-01T00:00:00Z");

interface Model {
  now: number;
  capacity: number;
  /** For each question, the fills that may still be answered and until when. */
  answerable: Map<Question, Map<number, number>>;
  serials: number;
}

interface Real {
  cache: VerdictCache;
  /** The serial of each verdict object handed to the cache. */
  serialOf: Map<Verdict, number>;
}

function checkAll(model: Model, real: Real): void {
  for (const question of QUESTIONS) {
    const got = real.cache.get(question, model.now);
    if (got === undefined) continue;
    const serial = real.serialOf.get(got);
    const until = serial === undefined ? undefined : model.answerable.get(question)?.get(serial);
    expect(until, `${question} answered from a fill that was cleared or never kept`).toBeDefined();
    expect(model.now, `${question} answered past its deadline`).toBeLessThan(until ?? 0);
  }
  expect(real.cache.size).toBeLessThanOrEqual(model.capacity);
}

class Fill implements fc.Command<Model, Real> {
  constructor(
    readonly question: Question,
    readonly code: VerdictCode,
    /** The key's expiry relative to now, in ms; null for a key that never expires. */
    readonly expiresInMs: number | null,
  ) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const expiresAt =
      this.expiresInMs === null ? null : new Date(model.now + this.expiresInMs).toISOString();
    const verdict = {
      valid: this.code === "VALID",
      code: this.code,
      key_id: 1,
      user_id: 1,
      permissions: null,
      expires_at: expiresAt,
    } as Verdict;
    const serial = ++model.serials;
    real.serialOf.set(verdict, serial);
    real.cache.set(this.question, verdict, model.now);
    if (this.code === "VALID" || this.code === "FORBIDDEN") {
      const until = Math.min(
        model.now + TTL_MS,
        expiresAt === null ? Infinity : Date.parse(expiresAt),
      );
      const fills = model.answerable.get(this.question) ?? new Map<number, number>();
      model.answerable.set(this.question, fills.set(serial, until));
    } else {
      // A refusal is news: the key was revoked, expired or moved; what was kept must go.
      model.answerable.delete(this.question);
    }
    checkAll(model, real);
  }
  toString = () => `set(${this.question}, ${this.code}, ${this.expiresInMs})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.now += this.ms;
    checkAll(model, real);
  }
  toString = () => `advance(${this.ms})`;
}

class Clear implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.cache.clear();
    model.answerable.clear();
    checkAll(model, real);
  }
  toString = () => "clear";
}

const commands = fc.commands(
  [
    fc
      .tuple(
        fc.constantFrom(...QUESTIONS),
        fc.constantFrom(...CODES),
        fc.option(fc.integer({ min: -500, max: 2000 }), { nil: null }),
      )
      .map(([q, code, expires]) => new Fill(q, code, expires)),
    fc.integer({ min: 0, max: 700 }).map((ms) => new Advance(ms)),
    fc.constant(new Clear()),
  ],
  { size: "+1" },
);

describe("VerdictCache against a reference model", () => {
  it("never answers past a clear, a later refusal, its time to live or its key's expiry", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), commands, (capacity, cmds) => {
        fc.modelRun(
          () => ({
            model: { now: START, capacity, answerable: new Map(), serials: 0 },
            real: {
              cache: new VerdictCache({ ttlMs: TTL_MS, maxEntries: capacity }),
              serialOf: new Map(),
            },
          }),
          cmds,
        );
      }),
      { numRuns: 1000 },
    );
  });
});
