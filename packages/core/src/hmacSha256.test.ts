import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HmacSha256 } from "./hmacSha256.js";

const reference = (key: Uint8Array, message: string) =>
  createHmac("sha256", key).update(message, "utf8").digest("hex");

describe("HmacSha256", () => {
  it("matches RFC 4231 test case 2", () => {
    const hmac = new HmacSha256(Buffer.from("Jefe"));
    expect(hmac.hex("what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("matches node:crypto for any key and message (ASCII, Unicode, every padding length)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 })),
        (key, message) => {
          expect(new HmacSha256(key).hex(message)).toBe(reference(key, message));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("matches node:crypto at every message length around the block boundaries", () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256(key);
    for (let length = 0; length <= 300; length++) {
      const message = "k".repeat(length);
      expect(hmac.hex(message), `length ${length}`).toBe(reference(key, message));
    }
    const long = "é".repeat(5000);
    expect(hmac.hex(long)).toBe(reference(key, long));
  });

  it("keeps no state between calls", () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256(key);
    const first = hmac.hex("lk_first");
    hmac.hex("x".repeat(257));
    hmac.hex("ü");
    expect(hmac.hex("lk_first")).toBe(first);
    expect(first).toBe(reference(key, "lk_first"));
  });
});
