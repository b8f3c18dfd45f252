import type { Verdict } from "../types.js";

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
interface Entry {
  verdict: Verdict;
  keyId: number;
  until: number;
  /** The clock when it was last put at the end. */
  at: number;
}

export class VerifierCache {
  /**
   * By question digest, least recently used first (a Map keeps insertion order). A hit moves
   * its entry to the end only once it has slipped into the older half: an entry used again
   * always outlives half the cache's worth of newcomers, and most hits move nothing.
   */
  private readonly entries = new Map<string, Entry>();
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

  /** A kept verdict for this question, if one may be answered at `now`. */
  get(digest: string, now: number): Verdict | undefined {
    if (!this.trusted(now)) return undefined;
    const entry = this.entries.get(digest);
    if (entry === undefined) return undefined;
    if (!(now < entry.until)) {
      this.drop(digest);
      return undefined;
    }
    if (this.clock - entry.at > this.capacity >> 1) {
      this.entries.delete(digest);
      entry.at = ++this.clock;
      this.entries.set(digest, entry);
    }
    return entry.verdict;
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
   * overtook the call, the lease is not running, or it is not VALID.
   * `validForMs` is how long the verdict holds by itself from `now` (null: no deadline).
   */
  fill(
    digest: string,
    verdict: Verdict,
    began: number,
    now: number,
    validForMs: number | null,
  ): void {
    const keyId = verdict.key_id;
    const overtaken =
      began < this.clearedAt || (keyId !== null && began < (this.invalidatedAt.get(keyId) ?? 0));
    this.endLookup();
    this.drop(digest);
    if (this.capacity === 0 || verdict.code !== "VALID" || keyId === null) return;
    if (overtaken || !this.trusted(now)) return;
    const until = validForMs === null ? Number.POSITIVE_INFINITY : now + validForMs;
    if (!(until > now)) return;
    this.entries.set(digest, { verdict, keyId, until, at: ++this.clock });
    let digests = this.byKey.get(keyId);
    if (!digests) {
      digests = new Set();
      this.byKey.set(keyId, digests);
    }
    digests.add(digest);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
  }

  /** An `invalidate` event, applied: the keys' verdicts are gone. */
  invalidate(keyIds: readonly number[], seq: number): void {
    this.generation++;
    for (const id of keyIds) {
      if (this.lookups > 0) this.invalidatedAt.set(id, this.generation);
      for (const digest of this.byKey.get(id) ?? []) this.entries.delete(digest);
      this.byKey.delete(id);
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

  get size(): number {
    return this.entries.size;
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
    this.byKey.clear();
    this.invalidatedAt.clear();
  }

  private drop(digest: string): void {
    const entry = this.entries.get(digest);
    if (!entry) return;
    this.entries.delete(digest);
    const digests = this.byKey.get(entry.keyId);
    digests?.delete(digest);
    if (digests?.size === 0) this.byKey.delete(entry.keyId);
  }

  private endLookup(): void {
    this.lookups = Math.max(0, this.lookups - 1);
    if (this.lookups === 0) this.invalidatedAt.clear();
  }
}
