/** What `verifyWebhookSignature` checks. */
export interface VerifyWebhookSignatureInput {
  /**
   * The request body exactly as received: the raw text or bytes, before any JSON parsing
   * (re-serialised JSON differs in spacing and order, and its signature does not match).
   */
  payload: string | Uint8Array;
  /** The `Latchkey-Signature` header: `t=<unix seconds>,v1=<hex>`. */
  header: string | null | undefined;
  /** The endpoint's signing secret (`whsec_…`), shown once when the endpoint was registered. */
  secret: string;
  /**
   * How far the signed time may be from now, in seconds (default 300). An older request is
   * refused even with a valid signature, so a recorded delivery cannot be replayed later.
   */
  toleranceSeconds?: number;
  /** The current time; by default the clock's. */
  now?: Date;
}

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return undefined;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/** The timestamp and v1 signatures of the header; undefined when it is not well-formed. */
function parseHeader(
  header: string,
): { t: string; signatures: Uint8Array<ArrayBuffer>[] } | undefined {
  let t: string | undefined;
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  for (const part of header.split(",")) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (name === "t" && /^\d{1,12}$/.test(value)) t = value;
    if (name === "v1") {
      const bytes = hexToBytes(value);
      if (bytes) signatures.push(bytes);
    }
  }
  return t === undefined || signatures.length === 0 ? undefined : { t, signatures };
}

/**
 * Checks that a webhook request comes from Latchkey: the `Latchkey-Signature` header must hold
 * a `v1` HMAC-SHA256 of `"<t>.<payload>"` under the endpoint's secret, and its time `t` must be
 * within `toleranceSeconds` of now. Resolves to true or false, never throws for a bad request.
 * Works in Node (20+) and browsers with Web Crypto; no dependencies. The comparison is done by
 * `crypto.subtle.verify`, in constant time.
 *
 * A valid request may still arrive twice (delivery is at least once): deduplicate on the
 * `Latchkey-Event-Id` header.
 *
 * @example
 * import { verifyWebhookSignature } from "@latchkey/sdk";
 * app.post("/hooks/latchkey", express.text({ type: "application/json" }), async (req, res) => {
 *   const ok = await verifyWebhookSignature({
 *     payload: req.body, // the raw text
 *     header: req.get("latchkey-signature"),
 *     secret: process.env.LATCHKEY_WEBHOOK_SECRET ?? "",
 *   });
 *   if (!ok) return res.status(400).end();
 *   const event = JSON.parse(req.body);
 *   res.status(204).end();
 * });
 */
export async function verifyWebhookSignature(input: VerifyWebhookSignatureInput): Promise<boolean> {
  const { payload, header, secret, toleranceSeconds = 300, now = new Date() } = input;
  if (typeof header !== "string" || secret === "") return false;
  const parsed = parseHeader(header);
  if (parsed === undefined) return false;
  const age = Math.abs(now.getTime() / 1000 - Number(parsed.t));
  if (!(age <= toleranceSeconds)) return false;

  const body = typeof payload === "string" ? encoder.encode(payload) : payload;
  const prefix = encoder.encode(`${parsed.t}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix, 0);
  signed.set(body, prefix.length);
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  // The format allows several v1 entries (as Stripe's does); any one matching is enough.
  for (const signature of parsed.signatures) {
    if (await crypto.subtle.verify("HMAC", key, signature, signed)) return true;
  }
  return false;
}
