import type { KeyRecord, UserRecord } from "@latchkey/core";
import { describe, expect, it } from "vitest";
import { type CachedKey, KeyCache } from "./keyCache.js";

const user: UserRecord = {
  id: 1,
  email: "a@example.com",
  passwordHash: "h",
  isAdmin: false,
  createdAt: "2026-01-01T00:00:00.000Z",
} as UserRecord;

function entry(id: number): CachedKey {
  const record = {
    id,
    userId: 1,
    kind: "api",
    name: "k",
    keyHash: `hash-${id}`,
    hashVersion: 1,
    prefix: "lk",
    last4: "abcd",
    permissions: null,
    keyParams: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    lastUsedAt: null,
    lastUsedIp: null,
    expiresAt: null,
    deletedAt: null,
  } as KeyRecord;
  return { record, user, permissions: null, ipAllowList: null } as CachedKey;
}

describe("KeyCache", () => {
  it("answers what it was given while trusted", () => {
    const cache = new KeyCache(10);
    cache.set("h1", entry(1), cache.beginLookup());
    expect(cache.get("h1")?.record.id).toBe(1);
    expect(cache.get("h2")).toBeUndefined();
  });

  it("neither answers nor fills while the revocation bus says it may not be trusted", () => {
    let trusted = true;
    const cache = new KeyCache(10, () => trusted);
    cache.set("h1", entry(1), cache.beginLookup());
    trusted = false;
    expect(cache.get("h1")).toBeUndefined();
    cache.set("h2", entry(2), cache.beginLookup());
    trusted = true;
    expect(cache.get("h2")).toBeUndefined();
  });

  it("does not store a row read by a lookup that an invalidation overtook", () => {
    const cache = new KeyCache(10);
    const lookup = cache.beginLookup();
    cache.invalidate(1);
    cache.set("h1", entry(1), lookup);
    expect(cache.get("h1")).toBeUndefined();
    const cleared = cache.beginLookup();
    cache.clear();
    cache.set("h1", entry(1), cleared);
    expect(cache.get("h1")).toBeUndefined();
  });

  it("forgets every secret of a key by its id", () => {
    const cache = new KeyCache(10);
    cache.set("old", entry(1), cache.beginLookup());
    cache.set("new", entry(1), cache.beginLookup());
    cache.set("other", entry(2), cache.beginLookup());
    cache.invalidate(1);
    expect(cache.get("old")).toBeUndefined();
    expect(cache.get("new")).toBeUndefined();
    expect(cache.get("other")?.record.id).toBe(2);
    cache.clear();
    expect(cache.get("other")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("forgets a key filled by two concurrent misses of one secret", () => {
    const cache = new KeyCache(100);
    const lookup = cache.beginLookup();
    cache.set("d1", entry(7), lookup);
    cache.set("d1", entry(7), lookup);
    cache.invalidate(7);
    expect(cache.get("d1")).toBeUndefined();
  });

  it("keeps nothing when its size is 0", () => {
    const cache = new KeyCache(0);
    cache.set("h1", entry(1), cache.beginLookup());
    expect(cache.get("h1")).toBeUndefined();
  });
});
