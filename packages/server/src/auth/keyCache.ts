import type { KeyRecord, Permissions, UserRecord } from "@latchkey/core";
import { LRUCache } from "lru-cache";
import type { IpAllowList } from "./ipAllowList.js";

/** A verified credential with everything the hot path needs already parsed. */
export interface CachedKey {
  record: KeyRecord;
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
  private readonly hashById = new Map<number, string>();
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
            dispose: (value, hash) => {
              if (this.hashById.get(value.record.id) === hash)
                this.hashById.delete(value.record.id);
            },
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
    // One entry per key: an older secret of the same key must not stay behind.
    const previous = this.hashById.get(entry.record.id);
    if (previous !== undefined && previous !== hash) this.byHash.delete(previous);
    this.byHash.set(hash, entry);
    this.hashById.set(entry.record.id, hash);
  }

  /** Forgets a key, whatever its current secret. */
  invalidate(keyId: number): void {
    this.generation++;
    const hash = this.hashById.get(keyId);
    if (hash !== undefined) this.byHash?.delete(hash);
    this.hashById.delete(keyId);
  }

  clear(): void {
    this.generation++;
    this.byHash?.clear();
    this.hashById.clear();
  }

  get size(): number {
    return this.byHash?.size ?? 0;
  }
}
