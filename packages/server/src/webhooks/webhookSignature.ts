import { createHmac } from "node:crypto";

/**
 * The `Latchkey-Signature` header of a delivery attempt, as Stripe signs: `t=<unix seconds>,
 * v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is signed with the body, so a
 * receiver that refuses old timestamps cannot be fed a recorded request again later.
 */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac("sha256", secret).update(`${t}.${body}`, "utf8").digest("hex");
  return `t=${t},v1=${v1}`;
}
