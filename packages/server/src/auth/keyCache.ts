import type { KeyRecord, Permissions, UserRecord } from "@latchkey/core";
import { LRUCache } from "lru-cache";
import type { IpAllowList } from "./ipAllowList.js";

/** A verified credential with everything the hot path needs already parsed. */
export interface CachedKey {
  record: KeyRecord;
  /** The secret presented was the key's previous one, valid until record.previousExpiresAt. */
  viaPrevious: boolean;
  user: UserRecord;
  permissions: Permissions;
  ipAllowList: IpAllowList | null;
}

/**
 * Verified keys by hash, bounded in size. Deletes and resets drop entries by key id before
 * they return, on this node and (through the revocation bus) on every other node. While the
 * bus says the cache may not be trusted (PostgreSQL mode, notification channel down or lease
 * run out) the cache neither answers nor fills: every lookup goes to the database.
 */
export class KeyCache {
  private readonly byHash: LRUCache<string, CachedKey> | undefined;
  /** The hashes cached for each key: its current secret, and its previous one in a grace window. */
  private readonly hashesById = new Map<number, string[]>();
  /** Bumped by every invalidation; a lookup that raced one must not fill the cache. */
  private generation = 0;

  constructor(
    maxEntries: number,
    private readonly trusted: () => boolean = () => true,
  ) {
    this.byHash =
      maxEntries > 0
        ? new LRUCache<string, CachedKey>({
            max: maxEntries,
            dispose: (value, hash) => this.forget(value.record.id, hash),
          })
        : undefined;
  }

  get(hash: string): CachedKey | undefined {
    if (!this.trusted()) return undefined;
    return this.byHash?.get(hash);
  }

  /** Call before reading the database; pass the result to `set`. */
  beginLookup(): number {
    return this.generation;
  }

  /**
   * Caches a key read from the database, unless an invalidation happened since the read
   * began: the row read may already be stale, and caching it would resurrect a revoked key.
   */
  set(hash: string, entry: CachedKey, lookupGeneration: number): void {
    if (!this.byHash || lookupGeneration !== this.generation || !this.trusted()) return;
    // At most two entries per key (current and previous secret): anything older goes.
    const hashes = (this.hashesById.get(entry.record.id) ?? []).filter((h) => h !== hash);
    while (hashes.length >= 2) {
      const oldest = hashes.shift();
      if (oldest !== undefined) this.byHash.delete(oldest);
    }
    hashes.push(hash);
    this.hashesById.set(entry.record.id, hashes);
    this.byHash.set(hash, entry);
  }

  private forget(keyId: number, hash: string): void {
    const hashes = this.hashesById.get(keyId)?.filter((h) => h !== hash);
    if (hashes && hashes.length > 0) this.hashesById.set(keyId, hashes);
    else this.hashesById.delete(keyId);
  }

  /** Forgets a key, whatever its current secret. */
  invalidate(keyId: number): void {
    this.generation++;
    const hashes = this.hashesById.get(keyId) ?? [];
    this.hashesById.delete(keyId);
    for (const hash of hashes) this.byHash?.delete(hash);
  }

  clear(): void {
    this.generation++;
    this.byHash?.clear();
    this.hashesById.clear();
  }

  get size(): number {
    return this.byHash?.size ?? 0;
  }
}
