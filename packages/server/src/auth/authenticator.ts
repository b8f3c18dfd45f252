import {
  instantMs,
  intersectPermissions,
  isWellFormedKey,
  type KeyRecord,
  type PepperRing,
  type Store,
} from "@latchkey/core";
import { IpAllowList } from "./ipAllowList.js";
import { type CachedKey, cacheKeyOf, type KeyCache, UNKNOWN_SECRET } from "./keyCache.js";
import type { UsageRecorder } from "./usageRecorder.js";

/** Why a credential was refused; each maps to one catalogued error and one verify code. */
export type AuthFailure = "malformed" | "unknown" | "revoked" | "expired" | "ip_not_allowed";

export type AuthOutcome =
  | { ok: true; key: CachedKey }
  | { ok: false; reason: AuthFailure; key?: CachedKey };

/** A well-formed secret the cache does not hold: only the database can answer for it. */
export interface NeedsLookup {
  ok: "lookup";
  digest: string;
}

const MALFORMED: AuthOutcome = Object.freeze({ ok: false, reason: "malformed" });
const UNKNOWN: AuthOutcome = Object.freeze({ ok: false, reason: "unknown" });

/** A key's allow-list as stored (validated when the key was created); null is anywhere. */
export function storedIpAllowList(record: KeyRecord): IpAllowList | null {
  const entries = record.keyParams?.ip_whitelist;
  if (!entries || entries.length === 0) return null;
  const list = IpAllowList.parse(entries);
  return list instanceof IpAllowList ? list : null;
}

/**
 * A stored deadline in ms since the epoch: compared as a number, without a string per
 * request. A deadline not in the stored form throws (the lookup fails closed) rather than
 * reading as NaN, which no comparison would ever find passed.
 */
function deadlineMs(at: string | null): number | null {
  return at === null ? null : instantMs(at);
}

/**
 * Turns a presented secret into a verified key: the checksum first (no lookup at all for a
 * mistyped or made-up key), then the cache (one digest, no promise; it also remembers the
 * secrets the database did not know), then the database under each pepper version.
 */
export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly peppers: PepperRing,
    private readonly cache: KeyCache,
    private readonly usage: UsageRecorder,
  ) {}

  /**
   * Whether a presented secret is a usable key, from this address, now. Synchronous when the
   * answer needs no database (a malformed secret, a cached key), so that the request path
   * allocates no promise for it; a promise only when the database must be asked.
   */
  authenticate(secret: string, ip: string, now: Date): AuthOutcome | Promise<AuthOutcome> {
    const first = this.fromCache(secret, ip, now);
    return first.ok === "lookup" ? this.lookUp(secret, first.digest, ip, now) : first;
  }

  /**
   * The database's answer, never the cache's: for a verifier filling its own cache, which
   * must not be filled from a node that has not yet heard of a revocation the verifier has
   * (docs/revocation.md, "Verifiers"). The answer still fills this node's cache as usual.
   */
  authenticateFresh(secret: string, ip: string, now: Date): AuthOutcome | Promise<AuthOutcome> {
    if (!isWellFormedKey(secret)) return MALFORMED;
    return this.lookUp(secret, cacheKeyOf(secret), ip, now);
  }

  /**
   * The answer the checksum and the cache alone give, synchronously; `lookup` (with the
   * secret's digest) when only the database can tell. The throttle decides between the two.
   */
  fromCache(secret: string, ip: string, now: Date): AuthOutcome | NeedsLookup {
    if (!isWellFormedKey(secret)) return MALFORMED;
    const digest = cacheKeyOf(secret);
    const known = this.cache.recall(digest);
    if (known === UNKNOWN_SECRET) return UNKNOWN;
    return known ? this.judge(known, ip, now) : { ok: "lookup", digest };
  }

  /** The database's answer for a secret `fromCache` could not answer. */
  lookUp(secret: string, digest: string, ip: string, now: Date): Promise<AuthOutcome> {
    return this.lookup(secret, digest).then((key) =>
      key === undefined ? UNKNOWN : this.judge(key, ip, now),
    );
  }

  /** Whether a found key may be used now, from this address; a use is recorded if so. */
  private judge(key: CachedKey, ip: string, now: Date): AuthOutcome {
    if (key.record.deletedAt !== null) return { ok: false, reason: "revoked", key };
    const nowMs = now.getTime();
    // A previous secret (reset with a grace window) works until its deadline, on every node,
    // without any message: the deadline travels with the cached record.
    if (key.viaPrevious && !(key.previousExpiresAtMs !== null && key.previousExpiresAtMs > nowMs)) {
      return { ok: false, reason: "revoked", key };
    }
    if (key.expiresAtMs !== null && key.expiresAtMs <= nowMs) {
      return { ok: false, reason: "expired", key };
    }
    if (key.ipAllowList !== null && !key.ipAllowList.allows(ip))
      return { ok: false, reason: "ip_not_allowed", key };
    this.usage.record(key.record.id, nowMs, ip);
    return { ok: true, key };
  }

  /**
   * The credential a secret belongs to, live or not, by the same lookup as authentication but
   * without counting a use (the leak report); undefined for a malformed or unknown secret.
   */
  async identify(secret: string): Promise<CachedKey | undefined> {
    if (!isWellFormedKey(secret)) return undefined;
    const digest = cacheKeyOf(secret);
    return this.cache.get(digest) ?? this.lookup(secret, digest);
  }

  /**
   * The database lookup, under each pepper version; fills the cache with a live key, under
   * the digest the caller already computed.
   */
  private async lookup(secret: string, digest: string): Promise<CachedKey | undefined> {
    const generation = this.cache.beginLookup();
    const currentHash = this.peppers.hash(secret);
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
      let permissions = record.permissions;
      let member: CachedKey["member"];
      if (record.memberId !== null) {
        // A team credential may do what both its own tree and its member's current role allow,
        // read together with the key: a role change invalidates the entry everywhere.
        member = await this.store.findMember(record.userId, record.memberId);
        // Removing a member deletes their credentials in the same transaction; a live one
        // without a membership cannot be, and is refused rather than trusted.
        if (member === undefined && record.deletedAt === null) return undefined;
        // (A null role is the owner's full access, not a missing one.)
        permissions = intersectPermissions(
          record.permissions,
          member === undefined ? { api: {} } : member.rolePermissions,
        );
      }
      const key: CachedKey = {
        record,
        viaPrevious,
        user,
        permissions,
        ...(member ? { member } : {}),
        ipAllowList: storedIpAllowList(record),
        expiresAtMs: deadlineMs(record.expiresAt),
        previousExpiresAtMs: deadlineMs(record.previousExpiresAt),
      };
      // Only live keys are cached, and only once their stored hash is under the current
      // pepper; a revoked one is looked up again (and refused) each time.
      const matched = viaPrevious ? hash : record.keyHash;
      if (record.deletedAt === null && matched === currentHash)
        this.cache.set(digest, key, generation);
      return key;
    }
    // No row under any pepper. Recorded only with one pepper in use: with more, a key moving
    // to the current one (above, on another node) could be missed under both by one look-up.
    if (this.peppers.versions().length === 1) this.cache.setUnknown(digest, generation);
    return undefined;
  }
}
