import { crc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32Ascii } from "./crc32.js";

describe("crc32Ascii", () => {
  it("is zlib's CRC-32 of the same ASCII bytes", () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
          maxLength: 200,
        }),
        (text) => {
          expect(crc32Ascii(text)).toBe(crc32(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("covers only the first `end` characters when told", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme-ascii", maxLength: 80 }), fc.nat(), (text, n) => {
        const end = text.length === 0 ? 0 : n % (text.length + 1);
        expect(crc32Ascii(text, end)).toBe(crc32(text.slice(0, end)));
      }),
    );
  });

  it("gives the check value of the standard", () => {
    // CRC-32/ISO-HDLC of "123456789": the value every implementation is checked against.
    expect(crc32Ascii("123456789")).toBe(0xcbf43926);
    expect(crc32Ascii("")).toBe(0);
  });
});
