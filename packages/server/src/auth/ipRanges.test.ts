import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IpAllowList } from "./ipAllowList.js";
import { firstOutside } from "./ipRanges.js";

function list(entries: readonly string[]): IpAllowList {
  const parsed = IpAllowList.parse(entries);
  if (!(parsed instanceof IpAllowList)) throw new Error(parsed.error);
  return parsed;
}

describe("firstOutside (is one IP allow-list within another?)", () => {
  it("accepts a list within, naming the first entry outside otherwise", () => {
    expect(firstOutside(["10.1.2.3"], ["10.0.0.0/8"])).toBeUndefined();
    expect(firstOutside(["10.1.0.0/16", "10.2.3.4/32"], ["10.0.0.0/8"])).toBeUndefined();
    expect(firstOutside(["10.0.0.0/8"], ["10.0.0.0/8"])).toBeUndefined();
    expect(firstOutside(["10.0.0.0/7"], ["10.0.0.0/8"])).toBe("10.0.0.0/7");
    expect(firstOutside(["10.1.2.3", "192.0.2.1"], ["10.0.0.0/8"])).toBe("192.0.2.1");
    expect(firstOutside(["0.0.0.0/0"], ["127.0.0.1"])).toBe("0.0.0.0/0");
    // Host bits set in a range: the range is what counts, as in the allow-list itself.
    expect(firstOutside(["10.0.0.77/24"], ["10.0.0.0/24"])).toBeUndefined();
  });

  it("counts a range covered by several entries together as within", () => {
    const halves = ["10.0.0.0/25", "10.0.0.128/25"];
    expect(firstOutside(["10.0.0.0/24"], halves)).toBeUndefined();
    expect(firstOutside(["10.0.0.0/23"], halves)).toBe("10.0.0.0/23");
    const quarters = ["2001:db8::/34", "2001:db8:4000::/34", "2001:db8:8000::/33"];
    expect(firstOutside(["2001:db8::/32"], quarters)).toBeUndefined();
    expect(firstOutside(["2001:db8::/32"], quarters.slice(1))).toBe("2001:db8::/32");
  });

  it("compares IPv6 entries with IPv6 entries", () => {
    expect(firstOutside(["2001:db8::1"], ["2001:db8::/64"])).toBeUndefined();
    expect(firstOutside(["::/0"], ["0.0.0.0/0"])).toBe("::/0");
    expect(firstOutside(["10.0.0.1"], ["::/0"])).toBe("10.0.0.1");
  });

  it("is exact: within exactly when every address the inner list allows, the outer allows", () => {
    // Small address spaces, so that every address can be tried: 10.0.0.0–31 and 2001:db8::0–1f.
    const v4 = fc
      .tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 27, max: 32 }))
      .map(([n, bits]) => (bits === 32 ? `10.0.0.${n}` : `10.0.0.${n}/${bits}`));
    const v6 = fc
      .tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 123, max: 128 }))
      .map(([n, bits]) =>
        bits === 128 ? `2001:db8::${n.toString(16)}` : `2001:db8::${n.toString(16)}/${bits}`,
      );
    const entries = fc.array(fc.oneof(v4, v6), { maxLength: 6 });
    const addresses = Array.from({ length: 32 }, (_, n) => [
      `10.0.0.${n}`,
      `2001:db8::${n.toString(16)}`,
    ]).flat();
    fc.assert(
      fc.property(entries, entries, (inner, outer) => {
        const [mine, theirs] = [list(inner), list(outer)];
        const escapes = addresses.some((a) => mine.allows(a) && !theirs.allows(a));
        expect(firstOutside(inner, outer) !== undefined).toBe(escapes);
      }),
      { numRuns: 3000 },
    );
  });

  it("is sound with IPv4-mapped IPv6 entries and clients too", () => {
    const v4 = fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 28, max: 32 }))
      .map(([n, bits]) => (bits === 32 ? `10.0.0.${n}` : `10.0.0.${n}/${bits}`));
    const mapped = fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 124, max: 128 }))
      .map(([n, bits]) => (bits === 128 ? `::ffff:10.0.0.${n}` : `::ffff:10.0.0.${n}/${bits}`));
    const entries = fc.array(fc.oneof(v4, mapped), { maxLength: 5 });
    const clients = Array.from({ length: 16 }, (_, n) => [
      `10.0.0.${n}`,
      `::ffff:10.0.0.${n}`,
    ]).flat();
    fc.assert(
      fc.property(entries, entries, (inner, outer) => {
        fc.pre(firstOutside(inner, outer) === undefined);
        const [mine, theirs] = [list(inner), list(outer)];
        for (const c of clients) if (mine.allows(c)) expect(theirs.allows(c)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
