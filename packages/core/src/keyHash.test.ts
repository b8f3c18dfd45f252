import { describe, expect, it } from "vitest";
import { digestsEqual, PepperRing, parsePeppers } from "./keyHash.js";

const hex = (byte: string) => byte.repeat(32);

describe("peppers", () => {
  it("parses versioned peppers, newest first; bare hex is v1", () => {
    expect(parsePeppers(`v2:${hex("ab")},v1:${hex("cd")}`).map((p) => p.version)).toEqual([2, 1]);
    expect(parsePeppers(hex("ef"))[0]?.version).toBe(1);
  });

  it("rejects short, odd, duplicate and malformed peppers", () => {
    expect(() => parsePeppers("v1:abcd")).toThrow(/at least 16 bytes/);
    expect(() => parsePeppers(`v1:${hex("ab")}a`)).toThrow(/16 bytes/);
    expect(() => parsePeppers(`v1:${hex("ab")},v1:${hex("cd")}`)).toThrow(/twice/);
    expect(() => parsePeppers("v1:not-hex")).toThrow(/v<N>:<hex>/);
    expect(() => parsePeppers(" , ")).toThrow(/empty/);
  });

  it("hashes with HMAC-SHA256 under the current pepper and can hash under older ones", () => {
    const ring = new PepperRing(parsePeppers(`v2:${hex("ab")},v1:${hex("cd")}`));
    expect(ring.current.version).toBe(2);
    const current = ring.hash("secret");
    expect(current).toMatch(/^[0-9a-f]{64}$/);
    expect(ring.hash("secret", 2)).toBe(current);
    expect(ring.hash("secret", 1)).not.toBe(current);
    expect(ring.hash("other")).not.toBe(current);
    expect(() => ring.hash("secret", 3)).toThrow(/unknown pepper version/);
  });

  it("depends on the pepper: another server's pepper gives another hash", () => {
    const a = new PepperRing(parsePeppers(hex("01")));
    const b = new PepperRing(parsePeppers(hex("02")));
    expect(a.hash("secret")).not.toBe(b.hash("secret"));
  });

  it("compares digests in constant time and by value", () => {
    const ring = new PepperRing(parsePeppers(hex("01")));
    expect(digestsEqual(ring.hash("x"), ring.hash("x"))).toBe(true);
    expect(digestsEqual(ring.hash("x"), ring.hash("y"))).toBe(false);
    expect(digestsEqual(ring.hash("x"), "00")).toBe(false);
  });
});
