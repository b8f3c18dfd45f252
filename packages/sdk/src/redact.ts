/**
 * A secret as it may be shown: its prefix and last four characters (`lk_…ab12`), so a person
 * can tell keys apart without the secret appearing in logs, terminals or `--explain` output.
 *
 * @example
 * redactSecret(key); // "lk_…ab12"
 */
export function redactSecret(secret: string): string {
  const underscore = secret.indexOf("_");
  // Short or unknown-format values reveal nothing at all.
  if (secret.length < 16) return "…";
  const prefix = underscore > 0 && underscore <= 16 ? secret.slice(0, underscore + 1) : "";
  return `${prefix}…${secret.slice(-4)}`;
}

/** Body fields that hold secrets: passwords, and keys being verified. */
const SECRET_FIELDS = new Set(["password", "key", "api_key", "session_key", "new_api_key"]);

/** A copy of a request body with every secret field redacted, for `onRequest` observers. */
export function redactBody(body: unknown): unknown {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return body;
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (SECRET_FIELDS.has(name) && typeof value === "string") {
      copy[name] = name === "password" ? "[REDACTED]" : redactSecret(value);
    } else {
      copy[name] = value;
    }
  }
  return copy;
}
