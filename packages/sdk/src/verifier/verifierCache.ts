import type { Verdict } from "../types.js";

/**
 * A question's fields other than its key (`params` as JSON text): what, with the key's hash,
 * a verdict is held for. Compared field by field, so that a look-up joins no string.
 */
export interface Asked {
  readonly category: string | undefined;
  readonly route: string | undefined;
  readonly ip: string | undefined;
  readonly params: string;
}

/** One verdict held for one question about the key. */
interface Held {
  readonly asked: Asked;
  readonly verdict: Verdict;
  readonly until: number;
}

/** Everything held for one key's hash. */
interface Entry {
  readonly keyId: number;
  /** Usually one: a service asks one question per route of a key. */
  readonly held: Held[];
  /** The clock when it was last put at the end. */
  at: number;
}

function sameAsked(a: Asked, b: Asked): boolean {
  return a.category === b.category && a.route === b.route && a.ip === b.ip && a.params === b.params;
}

/**
 * The verifier's cache and lease, without any I/O, so that a model-based test can drive it
 * (verifierCache.model.test.ts). Times are the caller's monotonic clock, in ms.
 *
 * The rules (docs/revocation.md, "Verifiers"):
 * - Nothing is answered outside the lease. A lease is granted from the moment the renewal
 *   that got it was sent, and only counts once every event up to the grant's `seq` has been
 *   applied: a grant never covers an invalidation still on its way.
 * - An invalidation drops every verdict of its keys; a reset or a lost stream drops all.
 * - A verify call that an invalidation of its key (or a reset) overtook does not fill: its
 *   answer may predate the revocation.
 * - A verdict is answered only until it stops holding by itself (`validUntil`).
 * - Only VALID verdicts are kept; any other answer drops what was kept for the question.
 */
export class VerifierCache {
  /**
   * By the SHA-256 of the key (so no secret is a map key), least recently used first (a Map
   * keeps insertion order). A hit moves its entry to the end only once it has slipped into the
   * older half: an entry used again always outlives half the cache's worth of newcomers, and
   * most hits move nothing.
   */
  private readonly entries = new Map<string, Entry>();
  /** Verdicts held, over every entry: what the capacity bounds. */
  private count = 0;
  /** Counts insertions and moves: an entry's `at` against it tells which half it is in. */
  private clock = 0;
  private readonly byKey = new Map<number, Set<string>>();
  private leaseUntil = 0;
  private pending: { until: number; seq: number }[] = [];
  private appliedSeq = 0;
  /** Bumped by every invalidation and reset. */
  private generation = 0;
  private clearedAt = 0;
  /** The generation of each key's last invalidation, while lookups are under way. */
  private readonly invalidatedAt = new Map<number, number>();
  private lookups = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new RangeError("cacheSize must be a whole number, 0 or more");
    }
  }

  /** Whether verdicts may be answered from the cache at `now`. */
  trusted(now: number): boolean {
    return now < this.leaseUntil;
  }

  /**
   * A kept verdict for this question (its key's hash, its other fields), if one may be
   * answered at `now`.
   */
  get(keyHash: string, asked: Asked, now: number): Verdict | undefined {
    if (!this.trusted(now)) return undefined;
    const entry = this.entries.get(keyHash);
    if (entry === undefined) return undefined;
    const held = entry.held;
    for (let i = 0; i < held.length; i++) {
      const h = held[i] as Held;
      if (!sameAsked(h.asked, asked)) continue;
      if (!(now < h.until)) {
        this.dropHeld(keyHash, entry, i);
        return undefined;
      }
      if (this.clock - entry.at > this.capacity >> 1) {
        this.entries.delete(keyHash);
        entry.at = ++this.clock;
        this.entries.set(keyHash, entry);
      }
      return h.verdict;
    }
    return undefined;
  }

  /** Call before asking the verify API; pass the result to `fill` (or `abandon`). */
  begin(): number {
    this.lookups++;
    return this.generation;
  }

  /** A lookup that ended without an answer. */
  abandon(): void {
    this.endLookup();
  }

  /**
   * Keeps the server's answer for this question, unless an invalidation of its key or a reset
   * overtook the call, the lease is not running, or it is not VALID; any answer replaces what
   * was kept for the question. `validForMs` is how long the verdict holds by itself from
   * `now` (null: no deadline).
   */
  fill(
    keyHash: string,
    asked: Asked,
    verdict: Verdict,
    began: number,
    now: number,
    validForMs: number | null,
  ): void {
    const keyId = verdict.key_id;
    const overtaken =
      began < this.clearedAt || (keyId !== null && began < (this.invalidatedAt.get(keyId) ?? 0));
    this.endLookup();
    this.dropAsked(keyHash, asked);
    if (this.capacity === 0 || verdict.code !== "VALID" || keyId === null) return;
    if (overtaken || !this.trusted(now)) return;
    const until = validForMs === null ? Number.POSITIVE_INFINITY : now + validForMs;
    if (!(until > now)) return;
    let entry = this.entries.get(keyHash);
    if (entry !== undefined && entry.keyId !== keyId) {
      // One secret is one key; a different id means the old entry is stale.
      this.dropEntry(keyHash);
      entry = undefined;
    }
    if (entry === undefined) {
      entry = { keyId, held: [], at: 0 };
      let hashes = this.byKey.get(keyId);
      if (!hashes) {
        hashes = new Set();
        this.byKey.set(keyId, hashes);
      }
      hashes.add(keyHash);
    } else {
      this.entries.delete(keyHash);
    }
    entry.at = ++this.clock;
    this.entries.set(keyHash, entry);
    entry.held.push({ asked, verdict, until });
    this.count++;
    // The least recently used keys go first; the one just filled only if it alone is too many.
    while (this.count > this.capacity) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [hash, first] = oldest.value;
      if (first === entry) this.dropHeld(hash, entry, 0);
      else this.dropEntry(hash);
    }
  }

  /** An `invalidate` event, applied: the keys' verdicts are gone. */
  invalidate(keyIds: readonly number[], seq: number): void {
    this.generation++;
    for (const id of keyIds) {
      if (this.lookups > 0) this.invalidatedAt.set(id, this.generation);
      for (const hash of [...(this.byKey.get(id) ?? [])]) this.dropEntry(hash);
    }
    this.applied(seq);
  }

  /** A `reset` event, applied: everything is gone. */
  reset(seq: number): void {
    this.dropAll();
    this.applied(seq);
  }

  /** The stream is gone: no lease, nothing kept; a new stream starts its events at 0. */
  lost(): void {
    this.dropAll();
    this.leaseUntil = 0;
    this.pending = [];
    this.appliedSeq = 0;
  }

  /** A new stream's hello: events start again at `seq`. */
  connected(seq: number): void {
    this.lost();
    this.appliedSeq = seq;
  }

  /**
   * A lease granted to a renewal sent at `sentAt`: it runs until `sentAt + leaseMs`, and
   * counts only once every event up to `seq` is applied.
   */
  grant(sentAt: number, leaseMs: number, seq: number): void {
    if (!(leaseMs > 0)) return;
    const until = sentAt + leaseMs;
    if (this.appliedSeq >= seq) this.leaseUntil = Math.max(this.leaseUntil, until);
    else this.pending.push({ until, seq });
  }

  /** The last event applied: what an acknowledgement reports. */
  get appliedUpTo(): number {
    return this.appliedSeq;
  }

  /** The generation now: a lookup begun at another one may have been overtaken. */
  get generationNow(): number {
    return this.generation;
  }

  /** When the lease runs out (0: none); for the verifier's state. */
  get leaseEnd(): number {
    return this.leaseUntil;
  }

  /** Verdicts held. */
  get size(): number {
    return this.count;
  }

  private applied(seq: number): void {
    if (seq > this.appliedSeq) this.appliedSeq = seq;
    const still: { until: number; seq: number }[] = [];
    for (const p of this.pending) {
      if (p.seq <= this.appliedSeq) this.leaseUntil = Math.max(this.leaseUntil, p.until);
      else still.push(p);
    }
    this.pending = still;
  }

  private dropAll(): void {
    this.generation++;
    this.clearedAt = this.generation;
    this.entries.clear();
    this.count = 0;
    this.byKey.clear();
    this.invalidatedAt.clear();
  }

  /** Drops what was kept for this question, if anything. */
  private dropAsked(keyHash: string, asked: Asked): void {
    const entry = this.entries.get(keyHash);
    if (entry === undefined) return;
    const i = entry.held.findIndex((h) => sameAsked(h.asked, asked));
    if (i >= 0) this.dropHeld(keyHash, entry, i);
  }

  private dropHeld(keyHash: string, entry: Entry, index: number): void {
    entry.held.splice(index, 1);
    this.count--;
    if (entry.held.length === 0) this.dropEntry(keyHash);
  }

  private dropEntry(keyHash: string): void {
    const entry = this.entries.get(keyHash);
    if (!entry) return;
    this.entries.delete(keyHash);
    this.count -= entry.held.length;
    const hashes = this.byKey.get(entry.keyId);
    hashes?.delete(keyHash);
    if (hashes?.size === 0) this.byKey.delete(entry.keyId);
  }

  private endLookup(): void {
    this.lookups = Math.max(0, this.lookups - 1);
    if (this.lookups === 0) this.invalidatedAt.clear();
  }
}
