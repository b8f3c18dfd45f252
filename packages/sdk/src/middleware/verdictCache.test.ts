import { describe, expect, it } from "vitest";
import type { Verdict } from "../types.js";
import { VerdictCache } from "./verdictCache.js";

const verdict = (code: Verdict["code"], expires_at: string | null = null): Verdict => ({
  valid: code === "VALID",
  code,
  key_id: 1,
  user_id: 1,
  account_kind: "person",
  member_id: null,
  role: null,
  permissions: null,
  expires_at,
});

describe("VerdictCache", () => {
  it("keeps a verdict for ttlMs at most", () => {
    const cache = new VerdictCache({ ttlMs: 1000 });
    cache.set("a", verdict("VALID"), 0);
    expect(cache.get("a", 999)?.code).toBe("VALID");
    expect(cache.get("a", 1000)).toBeUndefined();
  });

  it("never past the key's own expiry", () => {
    const cache = new VerdictCache({ ttlMs: 60_000 });
    const now = Date.parse("2030-01-01T00:00:00Z");
    cache.set("a", verdict("VALID", "2030-01-01T00:00:10Z"), now);
    expect(cache.get("a", now + 9_999)?.code).toBe("VALID");
    expect(cache.get("a", now + 10_000)).toBeUndefined();
  });

  it("keeps no verdict whose expiry it cannot read, rather than keep it forever", () => {
    const cache = new VerdictCache({ ttlMs: 1000 });
    cache.set("a", verdict("VALID", "not a date"), 0);
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps only VALID and FORBIDDEN verdicts", () => {
    const cache = new VerdictCache({ ttlMs: 1000 });
    for (const code of [
      "NOT_FOUND",
      "EXPIRED",
      "REVOKED",
      "IP_NOT_ALLOWED",
      "RATE_LIMITED",
    ] as const) {
      cache.set(code, verdict(code), 0);
      expect(cache.get(code, 1), code).toBeUndefined();
    }
    cache.set("f", verdict("FORBIDDEN"), 0);
    expect(cache.get("f", 1)?.code).toBe("FORBIDDEN");
  });

  it("drops the oldest entries beyond maxEntries", () => {
    const cache = new VerdictCache({ ttlMs: 1000, maxEntries: 2 });
    cache.set("a", verdict("VALID"), 0);
    cache.set("b", verdict("VALID"), 0);
    cache.set("c", verdict("VALID"), 0);
    expect(cache.size).toBe(2);
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.get("c", 1)?.code).toBe("VALID");
  });

  it("refuses a ttl beyond the documented bound of 5 minutes", () => {
    expect(() => new VerdictCache({ ttlMs: 300_001 })).toThrow(RangeError);
    expect(() => new VerdictCache({ ttlMs: 0 })).toThrow(RangeError);
  });

  it("keys questions by a digest that holds no secret and tells questions apart", async () => {
    const a = await VerdictCache.keyOf({ key: "lk_secret", route: "r", params: { id: 1 } });
    const b = await VerdictCache.keyOf({ key: "lk_secret", route: "r", params: { id: 2 } });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("secret");
  });
});
