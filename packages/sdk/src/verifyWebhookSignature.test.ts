import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyWebhookSignature } from "./verifyWebhookSignature.js";

/** Signatures made independently, with node:crypto, as the server makes them. */
const secret = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
const body =
  '{"id":"evt_1","type":"key.created","created_at":"2027-01-01T00:00:00.000Z","data":{}}';
const t = 1_798_761_600; // 2027-01-01T00:00:00Z
const sign = (text: string, at = t, key = secret) =>
  createHmac("sha256", key).update(`${at}.${text}`).digest("hex");
const header = (signature = sign(body), at = t) => `t=${at},v1=${signature}`;
const now = new Date(t * 1000 + 42_000);

describe("verifyWebhookSignature", () => {
  it("accepts a genuine request, as text or bytes", async () => {
    expect(await verifyWebhookSignature({ payload: body, header: header(), secret, now })).toBe(
      true,
    );
    const bytes = new TextEncoder().encode(body);
    expect(await verifyWebhookSignature({ payload: bytes, header: header(), secret, now })).toBe(
      true,
    );
  });

  it("refuses a tampered body, another secret, or re-serialised JSON", async () => {
    const tampered = body.replace("key.created", "key.deleted");
    expect(await verifyWebhookSignature({ payload: tampered, header: header(), secret, now })).toBe(
      false,
    );
    expect(
      await verifyWebhookSignature({ payload: body, header: header(), secret: `${secret}x`, now }),
    ).toBe(false);
    const reformatted = JSON.stringify(JSON.parse(body), null, 2);
    expect(
      await verifyWebhookSignature({ payload: reformatted, header: header(), secret, now }),
    ).toBe(false);
  });

  it("refuses a timestamp outside the tolerance, and a signature moved to another time", async () => {
    const late = new Date((t + 301) * 1000);
    expect(
      await verifyWebhookSignature({ payload: body, header: header(), secret, now: late }),
    ).toBe(false);
    expect(
      await verifyWebhookSignature({
        payload: body,
        header: header(),
        secret,
        now: late,
        toleranceSeconds: 600,
      }),
    ).toBe(true);
    const early = new Date((t - 301) * 1000);
    expect(
      await verifyWebhookSignature({ payload: body, header: header(), secret, now: early }),
    ).toBe(false);
    // The time is signed: a valid signature with a fresh t is refused.
    expect(
      await verifyWebhookSignature({
        payload: body,
        header: header(sign(body), t + 100),
        secret,
        now,
      }),
    ).toBe(false);
  });

  it("refuses missing and malformed headers without throwing, and accepts any matching v1", async () => {
    for (const bad of [
      undefined,
      null,
      "",
      "garbage",
      `v1=${sign(body)}`,
      `t=${t}`,
      `t=${t},v1=${sign(body).slice(2)}`,
      `t=${t},v1=${sign(body).toUpperCase()}zz`,
      `t=soon,v1=${sign(body)}`,
    ]) {
      expect(
        await verifyWebhookSignature({ payload: body, header: bad, secret, now }),
        String(bad),
      ).toBe(false);
    }
    expect(await verifyWebhookSignature({ payload: body, header: header(), secret: "", now })).toBe(
      false,
    );
    const two = `t=${t},v1=${"0".repeat(64)},v1=${sign(body)}`;
    expect(await verifyWebhookSignature({ payload: body, header: two, secret, now })).toBe(true);
  });
});
