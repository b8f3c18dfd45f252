import { hash } from "node:crypto";
import type { KeyRecord, MemberRecord, Permissions, UserRecord } from "@latchkey/core";
import { LRUCache } from "lru-cache";
import { type CacheObserver, noMetrics } from "../metrics/metrics.js";
import type { IpAllowList } from "./ipAllowList.js";

/**
 * What the cache is keyed by: the secret's SHA-256, not the peppered HMAC the database holds.
 * A cached key then costs one fast one-shot digest per request (about a seventh of an HMAC,
 * which builds a keyed object each time). The digest is as safe to hold in memory as the HMAC:
 * a key carries 238 random bits, so neither can be reversed or guessed from; the pepper
 * protects the database, which can be copied off the machine, and the cache never leaves it.
 */
export function cacheKeyOf(secret: string): string {
  return hash("sha256", secret, "base64");
}

/** `KeyCache.recall`'s answer for a secret the database did not know. */
export const UNKNOWN_SECRET = "unknown";

/** A verified credential with everything the hot path needs already parsed. */
export interface CachedKey {
  record: KeyRecord;
  /** The secret presented was the key's previous one, valid until record.previousExpiresAt. */
  viaPrevious: boolean;
  /** The account the credential acts on: the person's, or the team's. */
  user: UserRecord;
  /**
   * What the credential may do: its own tree, cut to its member's role as the database held it
   * when this entry was read (team credentials). A role change drops the entry on every node.
   */
  permissions: Permissions;
  /** A team credential's member and their role; absent for a personal credential. */
  member?: MemberRecord;
  ipAllowList: IpAllowList | null;
  /** record.expiresAt and record.previousExpiresAt in ms since the epoch, parsed once. */
  expiresAtMs: number | null;
  previousExpiresAtMs: number | null;
}

/**
 * Verified keys by the digest of their secret (`cacheKeyOf`), bounded in size. Deletes and
 * resets drop entries by key id before they return, on this node and (through the revocation
 * bus) on every other node. While the bus says the cache may not be trusted (PostgreSQL mode,
 * notification channel down or lease run out) the cache neither answers nor fills: every
 * lookup goes to the database.
 *
 * Beside the keys it records secrets the database did not know (well-formed, no row), so that
 * a client repeating a dead or made-up key costs no look-up each time. That record is bounded
 * by the same size and forgotten whole whenever a key row may have appeared or changed: any
 * invalidation, any clear, and `keysAdded` (the bus's word that rows were inserted). A look-up
 * overtaken by any of those records nothing, so no secret is refused as unknown once its row
 * exists and the news of it has reached this node (docs/revocation.md, "Unknown secrets").
 *
 * Two structures hold the entries: the LRU by digest, and an index of the digests of each key
 * id that `invalidate` works from. The index is the authority: an entry is answered only while
 * the index lists its digest under its key id, so if the two ever disagree the cost is a miss
 * (a database read), never a revoked key answered. The LRU never replaces an entry in place
 * (a replacement is a delete and an insert), so its `dispose` always means "gone".
 */
export class KeyCache {
  private readonly byDigest: LRUCache<string, CachedKey> | undefined;
  /** The digests cached for each key: its current secret, and its previous one in a grace window. */
  private readonly digestsById = new Map<number, string[]>();
  /** Digests of well-formed secrets the database held no row for, while nothing changed since. */
  private readonly unknown: LRUCache<string, true> | undefined;
  /** Bumped by every invalidation; a lookup that raced one must not fill the cache. */
  private generation = 0;

  constructor(
    maxEntries: number,
    private readonly trusted: () => boolean = () => true,
    private readonly observer: CacheObserver = noMetrics.cache,
  ) {
    this.byDigest =
      maxEntries > 0
        ? new LRUCache<string, CachedKey>({
            max: maxEntries,
            dispose: (value, digest, reason) => {
              this.unindex(value.record.id, digest);
              if (reason === "evict") this.observer.evicted();
            },
          })
        : undefined;
    this.unknown = maxEntries > 0 ? new LRUCache<string, true>({ max: maxEntries }) : undefined;
  }

  /** The verified key of a secret, if cached (and the cache trusted): `recall` without the record. */
  get(digest: string): CachedKey | undefined {
    const known = this.recall(digest);
    return known === UNKNOWN_SECRET ? undefined : known;
  }

  /**
   * What the cache knows of a secret: its verified key, `UNKNOWN_SECRET` when the database
   * held no row for it when last asked and nothing changed since, or undefined (ask the
   * database). What authentication asks; each call counts as one look-up of one result.
   */
  recall(digest: string): CachedKey | typeof UNKNOWN_SECRET | undefined {
    if (!this.trusted()) {
      this.observer.bypassed();
      return undefined;
    }
    const entry = this.entryOf(digest);
    if (entry) {
      this.observer.hit();
      return entry;
    }
    if (this.unknown?.get(digest) === true) {
      this.observer.unknown();
      return UNKNOWN_SECRET;
    }
    this.observer.miss();
    return undefined;
  }

  private entryOf(digest: string): CachedKey | undefined {
    const entry = this.byDigest?.get(digest);
    if (entry === undefined || this.digestsById.get(entry.record.id)?.includes(digest)) {
      return entry;
    }
    // Unreachable while the two structures agree; if they ever do not, a miss is the safe answer.
    this.byDigest?.delete(digest);
    return undefined;
  }

  /** Call before reading the database; pass the result to `set` or `setUnknown`. */
  beginLookup(): number {
    return this.generation;
  }

  /**
   * Caches a key read from the database, unless an invalidation happened since the read
   * began: the row read may already be stale, and caching it would resurrect a revoked key.
   * Concurrent misses of one key each call this; the last one's entry stays.
   */
  set(digest: string, entry: CachedKey, lookupGeneration: number): void {
    // A row was read for it: whatever this node recorded of it as unknown is wrong now.
    this.unknown?.delete(digest);
    const lru = this.byDigest;
    if (!lru || lookupGeneration !== this.generation || !this.trusted()) return;
    // Whatever this digest held goes first, through dispose, so the index forgets it too.
    lru.delete(digest);
    const id = entry.record.id;
    // At most two entries per key (current and previous secret): anything older goes.
    const kept = (this.digestsById.get(id) ?? []).filter((d) => d !== digest);
    while (kept.length >= 2) {
      const oldest = kept.shift();
      if (oldest !== undefined) lru.delete(oldest);
    }
    this.digestsById.set(id, [...kept, digest]);
    // May evict the least recently used entry (of any key), which unindexes itself.
    lru.set(digest, entry);
  }

  /**
   * Records that the database held no row for this secret, unless anything was invalidated,
   * cleared or added since the read began (a row may have appeared meanwhile).
   */
  setUnknown(digest: string, lookupGeneration: number): void {
    if (!this.unknown || lookupGeneration !== this.generation || !this.trusted()) return;
    this.unknown.set(digest, true);
  }

  /** Key rows were inserted somewhere: no secret may be refused as unknown from memory any more. */
  keysAdded(): void {
    this.generation++;
    this.unknown?.clear();
  }

  private unindex(keyId: number, digest: string): void {
    const digests = this.digestsById.get(keyId)?.filter((d) => d !== digest);
    if (digests && digests.length > 0) this.digestsById.set(keyId, digests);
    else this.digestsById.delete(keyId);
  }

  /** Forgets a key, whatever its current secret. */
  invalidate(keyId: number): void {
    this.generation++;
    // A reset gives the key a secret this record may hold; a row changed in any other way
    // cannot be told apart from that here, so the whole record goes (invalidations are rare).
    this.unknown?.clear();
    const digests = this.digestsById.get(keyId) ?? [];
    this.digestsById.delete(keyId);
    for (const digest of digests) this.byDigest?.delete(digest);
  }

  clear(): void {
    this.generation++;
    this.unknown?.clear();
    this.byDigest?.clear();
    this.digestsById.clear();
  }

  get size(): number {
    return this.byDigest?.size ?? 0;
  }

  /** How many secrets are recorded as unknown. */
  get unknownSize(): number {
    return this.unknown?.size ?? 0;
  }
}
