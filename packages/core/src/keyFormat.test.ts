import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BASE62,
  generateKey,
  isValidPrefix,
  isWellFormedKey,
  KEY_PATTERN,
  keyRanges,
  parseKey,
  redactKey,
  redactKeys,
  sessionPrefixOf,
} from "./keyFormat.js";

describe("key format", () => {
  it("generates <prefix>_<40 random><6 checksum> that parses back", () => {
    const key = generateKey("lk");
    expect(key).toMatch(/^lk_[0-9A-Za-z]{46}$/);
    expect(parseKey(key)).toEqual({ prefix: "lk", last4: key.slice(-4) });
  });

  it("supports a deployment's own prefix", () => {
    const key = generateKey("acme2");
    expect(parseKey(key)?.prefix).toBe("acme2");
    expect(() => generateKey("Bad-Prefix")).toThrow(/invalid key prefix/);
    expect(isValidPrefix("a")).toBe(true);
    expect(isValidPrefix("1a")).toBe(false);
  });

  it("never repeats (238 bits of randomness)", () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey()));
    expect(keys.size).toBe(2000);
  });

  it("rejects every single-character substitution", () => {
    const key = generateKey();
    for (let i = 0; i < key.length; i++) {
      const original = key.charAt(i);
      const replacement = original === "a" ? "b" : "a";
      const changed = key.slice(0, i) + replacement + key.slice(i + 1);
      expect(parseKey(changed), `position ${i}`).toBeNull();
    }
  });

  it("rejects truncation, extension, wrong alphabet and missing prefix", () => {
    const key = generateKey();
    expect(parseKey(key.slice(0, -1))).toBeNull();
    expect(parseKey(`${key}0`)).toBeNull();
    expect(parseKey(key.replace("_", "-"))).toBeNull();
    expect(parseKey(key.slice(3))).toBeNull();
    expect(parseKey(`${key.slice(0, 10)}!${key.slice(11)}`)).toBeNull();
    expect(parseKey("")).toBeNull();
  });

  it("isWellFormedKey answers exactly when parseKey finds a key", () => {
    const key = generateKey();
    const candidates = [
      key,
      generateKey("acme2"),
      key.slice(0, -1),
      `${key}0`,
      key.replace("_", "-"),
      `${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`,
      `${key.slice(0, 10)}!${key.slice(11)}`,
      "",
    ];
    for (const candidate of candidates) {
      expect(isWellFormedKey(candidate), candidate).toBe(parseKey(candidate) !== null);
    }
    expect(candidates.filter(isWellFormedKey)).toHaveLength(2);
  });

  it("finds keys in text with KEY_PATTERN; the checksum tells real ones from look-alikes", () => {
    const real = generateKey();
    const fake = `lk_${"A".repeat(46)}`;
    const text = `token = "${real}"\nother = "${fake}"`;
    const found = [...text.matchAll(KEY_PATTERN)].map((m) => m[0]);
    expect(found).toEqual([real, fake]);
    expect(found.filter((k) => parseKey(k) !== null)).toEqual([real]);
  });

  it("finds keys glued to identifiers by underscores, but not inside longer alphanumeric runs", () => {
    const key = generateKey();
    const found = (text: string) =>
      [...text.matchAll(KEY_PATTERN)].map((m) => m[0]).filter((k) => parseKey(k) !== null);
    expect(found(`EXPORT_TOKEN_${key}`)).toEqual([key]);
    expect(found(`${key}_old`)).toEqual([key]);
    expect(found(`x${key}`)).toEqual([]);
    expect(found(`${key}0`)).toEqual([]);
  });

  it("redacts to prefix…last4", () => {
    const key = generateKey();
    expect(redactKey(key)).toBe(`lk_…${key.slice(-4)}`);
    expect(redactKey(key)).not.toContain(key.slice(3, 10));
  });

  it("redactKeys hides every copy of a key, also glued to other letters and digits", () => {
    const key = generateKey();
    const session = generateKey(sessionPrefixOf("acme1"));
    const shown = `lk_…${key.slice(-4)}`;
    const cases: [string, string][] = [
      [`Bearer ${key}`, `Bearer ${shown}`],
      [`/api/v0/x${key}/`, `/api/v0/x${shown}/`],
      [`?t=${key}0&u=${key}`, `?t=${shown}0&u=${shown}`],
      [`${session}${key}`, `acme1s_…${session.slice(-4)}${shown}`],
      [`9${key}`, `9${shown}`],
      [`${"a".repeat(20)}${key}`, `${"a".repeat(20)}${shown}`],
    ];
    for (const [text, expected] of cases) {
      expect(redactKeys(text)).toBe(expected);
      expect(redactKeys(text)).not.toContain(key.slice(3));
    }
    expect(keyRanges(`x${key}`)).toEqual([[1, 1 + key.length]]);
  });

  it("redactKeys leaves look-alikes and ordinary text alone", () => {
    const key = generateKey();
    const lookAlike = key.slice(0, -1) + (key.endsWith("a") ? "b" : "a");
    const text = `lk_${"A".repeat(46)} ${lookAlike} _${"b".repeat(60)} plain_text`;
    expect(redactKeys(text)).toBe(text);
  });

  it("session prefixes add one letter, so a 16-character key prefix has none", () => {
    expect(sessionPrefixOf("lk")).toBe("lks");
    expect(isValidPrefix(sessionPrefixOf("a".repeat(15)))).toBe(true);
    expect(isValidPrefix(sessionPrefixOf("a".repeat(16)))).toBe(false);
  });

  it("uses the 62-character alphabet", () => {
    expect(new Set(BASE62).size).toBe(62);
  });
});

describe("key format (property-based)", () => {
  it("the checksum catches every single-character change of any key", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("lk", "lks", "acme"),
        fc.nat(),
        fc.constantFrom(...BASE62),
        (prefix, position, replacement) => {
          const key = generateKey(prefix);
          const at = prefix.length + 1 + (position % 46);
          fc.pre(key.charAt(at) !== replacement);
          const changed = key.slice(0, at) + replacement + key.slice(at + 1);
          return parseKey(changed) === null;
        },
      ),
      { numRuns: 5000 },
    );
  });

  it("the checksum catches swaps of two adjacent different characters", () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 47 }), (at) => {
        const key = generateKey();
        fc.pre(key.charAt(at) !== key.charAt(at + 1));
        const swapped = key.slice(0, at) + key.charAt(at + 1) + key.charAt(at) + key.slice(at + 2);
        return parseKey(swapped) === null;
      }),
      { numRuns: 2000 },
    );
  });
});
