import {
  type KeyRecord,
  type PepperRing,
  type Permissions,
  parseKey,
  type Store,
} from "@latchkey/core";
import { IpAllowList } from "./ipAllowList.js";
import type { CachedKey, KeyCache } from "./keyCache.js";
import type { UsageRecorder } from "./usageRecorder.js";

/** Why a credential was refused; each maps to one catalogued error and one verify code. */
export type AuthFailure = "malformed" | "unknown" | "revoked" | "expired" | "ip_not_allowed";

export type AuthOutcome =
  | { ok: true; key: CachedKey }
  | { ok: false; reason: AuthFailure; key?: CachedKey };

/** Stored JSON is written only by this server after validation, so it is parsed without re-checking. */
export function storedPermissions(record: KeyRecord): Permissions {
  return record.permissions === null ? null : (JSON.parse(record.permissions) as Permissions);
}

export function storedIpAllowList(record: KeyRecord): IpAllowList | null {
  if (record.keyParams === null) return null;
  const params = JSON.parse(record.keyParams) as { ip_whitelist?: string[] };
  if (!params.ip_whitelist || params.ip_whitelist.length === 0) return null;
  const list = IpAllowList.parse(params.ip_whitelist);
  return list instanceof IpAllowList ? list : null;
}

/**
 * Turns a presented secret into a verified key: checksum first (no lookup for a mistyped or
 * made-up key), then the cache, then the database under each pepper version.
 */
export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly cache: KeyCache,
    private readonly usage: UsageRecorder,
  ) {}

  async authenticate(secret: string, ip: string, now: Date): Promise<AuthOutcome> {
    if (parseKey(secret) === null) return { ok: false, reason: "malformed" };
    const key = await this.lookup(secret);
    if (key === undefined) return { ok: false, reason: "unknown" };
    if (key.record.deletedAt !== null) return { ok: false, reason: "revoked", key };
    // A previous secret (reset with a grace window) works until its deadline, on every node,
    // without any message: the deadline travels with the cached record.
    if (
      key.viaPrevious &&
      !(key.record.previousExpiresAt !== null && key.record.previousExpiresAt > now.toISOString())
    ) {
      return { ok: false, reason: "revoked", key };
    }
    if (key.record.expiresAt !== null && key.record.expiresAt <= now.toISOString()) {
      return { ok: false, reason: "expired", key };
    }
    if (key.ipAllowList !== null && !key.ipAllowList.allows(ip))
      return { ok: false, reason: "ip_not_allowed", key };
    this.usage.record(key.record.id, now.getTime(), ip);
    return { ok: true, key };
  }

  /**
   * The credential a secret belongs to, live or not, by the same lookup as authentication but
   * without counting a use (the leak report); undefined for a malformed or unknown secret.
   */
  async identify(secret: string): Promise<CachedKey | undefined> {
    if (parseKey(secret) === null) return undefined;
    return this.lookup(secret);
  }

  private async lookup(secret: string): Promise<CachedKey | undefined> {
    const currentHash = this.peppers.hash(secret);
    const cached = this.cache.get(currentHash);
    if (cached) return cached;
    const generation = this.cache.beginLookup();
    for (const version of this.peppers.versions()) {
      const hash =
        version === this.peppers.current.version ? currentHash : this.peppers.hash(secret, version);
      let record = await this.store.findKeyByHash(hash);
      if (record === undefined) continue;
      const viaPrevious = record.keyHash !== hash;
      if ((viaPrevious ? record.previousHashVersion : record.hashVersion) !== version) continue;
      if (!viaPrevious && version !== this.peppers.current.version && record.deletedAt === null) {
        // A key hashed under an older pepper moves to the current one on its first use, so
        // the old pepper can be retired once every live key has been used or replaced.
        const to = { keyHash: currentHash, hashVersion: this.peppers.current.version };
        if (await this.store.rehashKey(record.id, hash, to)) record = { ...record, ...to };
      }
      const user = await this.store.findUserById(record.userId);
      if (user === undefined) return undefined;
      const key: CachedKey = {
        record,
        viaPrevious,
        user,
        permissions: storedPermissions(record),
        ipAllowList: storedIpAllowList(record),
      };
      // Only live keys are cached; a revoked one is looked up again (and refused) each time.
      const matched = viaPrevious ? hash : record.keyHash;
      if (record.deletedAt === null && matched === currentHash)
        this.cache.set(matched, key, generation);
      return key;
    }
    return undefined;
  }
}
