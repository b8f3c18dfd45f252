import type { KeyRecord, UserRecord } from "@latchkey/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CachedKey, KeyCache, UNKNOWN_SECRET } from "./keyCache.js";

/**
 * A model-based test of the key cache: random interleavings of lookups begun and finished
 * (several at once for one secret, as concurrent misses are), invalidations, clears, trust
 * lapses and reads, at capacities small enough that evictions happen all the time. A plain
 * reference model says which fills may still be answered; after every step, every secret is
 * read and checked against it. The one rule that makes revocation hold: nothing invalidated or
 * cleared after it was filled, and nothing read by a lookup that an invalidation or clear
 * overtook, is ever answered.
 *
 * Look-ups may also finish finding no row, which the cache records as an unknown secret. The
 * rule there: a secret is never refused as unknown once a row was read for it, or once its
 * key was invalidated, the cache cleared or keys added, after the look-up that recorded it began.
 */

/** Six secrets of four keys: keys 1 and 2 each have a current and a previous secret. */
const DIGESTS = ["k1-new", "k1-old", "k2-new", "k2-old", "k3", "k4"] as const;
type Digest = (typeof DIGESTS)[number];
const KEY_OF: Record<Digest, number> = {
  "k1-new": 1,
  "k1-old": 1,
  "k2-new": 2,
  "k2-old": 2,
  k3: 3,
  k4: 4,
};
const KEY_IDS = [1, 2, 3, 4];

const user = { id: 1, email: "a@example.com" } as UserRecord;

/** A cache entry tagged with the serial number of the fill that produced it. */
interface Tagged extends CachedKey {
  serial: number;
}

function entryOf(digest: Digest, serial: number): Tagged {
  const record = { id: KEY_OF[digest], userId: 1, kind: "api", deletedAt: null } as KeyRecord;
  return {
    record,
    viaPrevious: digest.endsWith("-old"),
    user,
    permissions: null,
    ipAllowList: null,
    expiresAtMs: null,
    previousExpiresAtMs: null,
    serial,
  };
}

interface OpenLookup {
  digest: Digest;
  /** Keys invalidated since the lookup began; the row it read may be stale for them. */
  invalidated: Set<number>;
  cleared: boolean;
  /** Whether anything at all was invalidated or cleared since it began. */
  overtaken: boolean;
}

interface Model {
  capacity: number;
  trusted: boolean;
  lookups: OpenLookup[];
  /** For each secret, the fills that may still be answered (none invalidated or cleared since). */
  answerable: Map<Digest, Set<number>>;
  /** Secrets that may be refused as unknown: found missing, and nothing since says otherwise. */
  unknownable: Set<Digest>;
  serials: number;
  steps: number;
}

interface Real {
  cache: KeyCache;
  trust: { value: boolean };
  /** The generations `beginLookup` returned, parallel to model.lookups. */
  tokens: number[];
}

function forgetKey(model: Model, keyId: number): void {
  for (const digest of DIGESTS) {
    if (KEY_OF[digest] !== keyId) continue;
    model.answerable.delete(digest);
    model.unknownable.delete(digest);
  }
}

/** After every step: each secret's answer is one the model allows, and the size is bounded. */
function checkAll(model: Model, real: Real): void {
  model.steps++;
  // Read in a rotating order: each read refreshes recency, so a fixed order would always
  // leave the same secret to be evicted next.
  for (let i = 0; i < DIGESTS.length; i++) {
    const digest = DIGESTS[(i + model.steps) % DIGESTS.length] as Digest;
    // What authentication asks: the key, or that the secret is unknown, or nothing.
    const recalled = real.cache.recall(digest);
    if (recalled === UNKNOWN_SECRET) {
      expect(model.trusted, `${digest} refused as unknown while not trusted`).toBe(true);
      expect(
        model.unknownable.has(digest),
        `${digest} refused as unknown after its row was read, or after an invalidation, clear or insert`,
      ).toBe(true);
      continue;
    }
    const got = recalled as Tagged | undefined;
    if (got === undefined) continue;
    expect(model.trusted, `${digest} answered while the cache is not trusted`).toBe(true);
    expect(got.record.id, `${digest} answered as another key`).toBe(KEY_OF[digest]);
    expect(
      model.answerable.get(digest)?.has(got.serial) ?? false,
      `${digest} answered from fill #${got.serial}, which was invalidated, cleared or stale`,
    ).toBe(true);
  }
  expect(real.cache.size).toBeLessThanOrEqual(model.capacity);
  expect(real.cache.unknownSize).toBeLessThanOrEqual(model.capacity);
}

/** Takes an open look-up out of both lists, by position. */
function takeLookup(model: Model, real: Real, pick: number): { lookup: OpenLookup; token: number } {
  const index = pick % model.lookups.length;
  const [lookup] = model.lookups.splice(index, 1);
  const [token] = real.tokens.splice(index, 1);
  if (lookup === undefined || token === undefined) throw new Error("lookup lists out of step");
  return { lookup, token };
}

class BeginLookup implements fc.Command<Model, Real> {
  constructor(readonly digest: Digest) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.lookups.push({
      digest: this.digest,
      invalidated: new Set(),
      cleared: false,
      overtaken: false,
    });
    real.tokens.push(real.cache.beginLookup());
    checkAll(model, real);
  }
  toString = () => `begin(${this.digest})`;
}

/** Finishes one open lookup: the row it read is offered to the cache. */
class FinishLookup implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.lookups.length > 0;
  run(model: Model, real: Real): void {
    const { lookup, token } = takeLookup(model, real, this.pick);
    const keyId = KEY_OF[lookup.digest];
    const serial = ++model.serials;
    real.cache.set(lookup.digest, entryOf(lookup.digest, serial), token);
    // A row exists for it, whether or not the cache may keep what was read.
    model.unknownable.delete(lookup.digest);
    const stale = lookup.cleared || lookup.invalidated.has(keyId);
    if (!stale && model.trusted) {
      const fills = model.answerable.get(lookup.digest) ?? new Set<number>();
      model.answerable.set(lookup.digest, fills.add(serial));
    }
    // Not vacuous: a fill nothing overtook is answered right away (capacity is at least 1).
    if (!lookup.overtaken && model.trusted) {
      expect((real.cache.get(lookup.digest) as Tagged | undefined)?.serial).toBe(serial);
    }
    checkAll(model, real);
  }
  toString = () => `finish(#${this.pick})`;
}

/** Finishes one open look-up that found no row for its secret. */
class FinishMissing implements fc.Command<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.lookups.length > 0;
  run(model: Model, real: Real): void {
    const { lookup, token } = takeLookup(model, real, this.pick);
    real.cache.setUnknown(lookup.digest, token);
    if (!lookup.overtaken && model.trusted) {
      model.unknownable.add(lookup.digest);
      // Not vacuous: a miss nothing overtook is recorded right away, and answered so unless
      // the key itself is held too (which recall answers first).
      const recalled = real.cache.recall(lookup.digest);
      if (typeof recalled !== "object") expect(recalled).toBe(UNKNOWN_SECRET);
    }
    checkAll(model, real);
  }
  toString = () => `missing(#${this.pick})`;
}

/** Rows were inserted (the bus's announcement): any secret may exist now. */
class KeysAdded implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.cache.keysAdded();
    model.unknownable.clear();
    for (const lookup of model.lookups) lookup.overtaken = true;
    checkAll(model, real);
  }
  toString = () => "keysAdded";
}

class Invalidate implements fc.Command<Model, Real> {
  constructor(readonly keyId: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    real.cache.invalidate(this.keyId);
    forgetKey(model, this.keyId);
    for (const lookup of model.lookups) {
      lookup.invalidated.add(this.keyId);
      lookup.overtaken = true;
    }
    checkAll(model, real);
  }
  toString = () => `invalidate(${this.keyId})`;
}

class Clear implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    real.cache.clear();
    model.answerable.clear();
    model.unknownable.clear();
    for (const lookup of model.lookups) {
      lookup.cleared = true;
      lookup.overtaken = true;
    }
    checkAll(model, real);
  }
  toString = () => "clear";
}

/** The revocation bus's verdict on the cache changes (lease lapsed or renewed). */
class SetTrust implements fc.Command<Model, Real> {
  constructor(readonly trusted: boolean) {}
  check = () => true;
  run(model: Model, real: Real): void {
    real.trust.value = this.trusted;
    model.trusted = this.trusted;
    checkAll(model, real);
  }
  toString = () => `trust(${this.trusted})`;
}

class Read implements fc.Command<Model, Real> {
  constructor(readonly digest: Digest) {}
  check = () => true;
  run(model: Model, real: Real): void {
    // The read itself refreshes this secret's recency, which steers what is evicted next.
    real.cache.get(this.digest);
    checkAll(model, real);
  }
  toString = () => `get(${this.digest})`;
}

const digest = fc.constantFrom(...DIGESTS);
const commands = fc.commands(
  [
    digest.map((d) => new BeginLookup(d)),
    // Weighted towards concurrent lookups of one secret: the shape of the bug this guards.
    digest.map((d) => new BeginLookup(d)),
    fc.nat().map((n) => new FinishLookup(n)),
    fc.nat().map((n) => new FinishLookup(n)),
    fc.nat().map((n) => new FinishMissing(n)),
    fc.constant(new KeysAdded()),
    fc.constantFrom(...KEY_IDS).map((id) => new Invalidate(id)),
    fc.constant(new Clear()),
    fc.boolean().map((b) => new SetTrust(b)),
    digest.map((d) => new Read(d)),
  ],
  { size: "+1" },
);

describe("KeyCache against a reference model", () => {
  it("never answers a secret invalidated, cleared or read stale, nor refuses one that may exist", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), commands, (capacity, cmds) => {
        const trust = { value: true };
        fc.modelRun(
          () => ({
            model: {
              capacity,
              trusted: true,
              lookups: [],
              answerable: new Map(),
              unknownable: new Set<Digest>(),
              serials: 0,
              steps: 0,
            },
            real: { cache: new KeyCache(capacity, () => trust.value), trust, tokens: [] },
          }),
          cmds,
        );
      }),
      { numRuns: 2000 },
    );
  });
});
