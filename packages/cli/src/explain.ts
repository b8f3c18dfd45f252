import { redactKey, redactKeys } from "@latchkey/core/keyFormat";

/** Fields of a request body that hold a secret; `--explain` shows them as "<hidden>". */
const SECRET_FIELDS = new Set(["password", "key", "api_key", "session_key", "new_api_key"]);

/** Every well-formed key in `text`, even glued to other characters, as `prefix_…last4`. */
export { redactKeys };

function hideSecretFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(hideSecretFields);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([name, inner]) => [
      name,
      SECRET_FIELDS.has(name) ? "<hidden>" : hideSecretFields(inner),
    ]),
  );
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null || body === "") return undefined;
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return body;
    }
  }
  return JSON.stringify(hideSecretFields(value));
}

function headerLines(headers: unknown): [string, string][] {
  if (headers instanceof Headers) return [...headers.entries()];
  if (headers !== null && typeof headers === "object") {
    return Object.entries(headers).map(([name, value]) => [name, String(value)]);
  }
  return [];
}

export interface ExplainedRequest {
  method: string;
  url: string;
  headers: unknown;
  body?: unknown;
}

/**
 * The request as `--explain` prints it. The SDK already redacts the bearer; this also hides
 * secret body fields (a login password) and, as a last guard, any well-formed key anywhere.
 */
export function explainRequest(info: ExplainedRequest): string {
  const lines = [`> ${info.method} ${info.url}`];
  for (const [name, value] of headerLines(info.headers)) {
    const shown = name.toLowerCase() === "authorization" ? redactAuthorization(value) : value;
    lines.push(`> ${name}: ${shown}`);
  }
  const body = bodyText(info.body);
  if (body !== undefined) lines.push(`> ${body}`);
  return `${redactKeys(lines.join("\n"))}\n`;
}

/** "Bearer lk_…abcd" whatever the SDK passed: never more than the prefix and last four. */
function redactAuthorization(value: string): string {
  const [scheme, credential] = value.split(" ", 2);
  if (credential === undefined) return value.includes("…") ? value : "<hidden>";
  if (credential.includes("…") || credential === "<redacted>") return value;
  return `${scheme} ${credential.length > 8 ? redactKey(credential) : "<hidden>"}`;
}
