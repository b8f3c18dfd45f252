import type { Verdict } from "../types.js";

/** The catalogued error body a protected service answers with (the server's own codes). */
export interface DenialBody {
  success: false;
  error: string;
  msg: string;
  required?: Verdict["required"];
}

export interface Denial {
  status: number;
  body: DenialBody;
  headers: Record<string, string>;
}

/**
 * The server's catalogue entries for the codes the middleware answers with, copied so the
 * SDK stays dependency-free; a test checks they equal the server's.
 */
export const denialCatalogue = {
  auth_required: {
    status: 401,
    msg: "This route needs a credential: send 'Authorization: Bearer <key>'.",
  },
  invalid_api_key: {
    status: 401,
    msg: "The API key is not valid: it is unknown, reset or deleted.",
  },
  malformed_api_key: {
    status: 401,
    msg: "The credential is not a Latchkey key (its format or checksum is wrong); check that it was copied whole.",
  },
  api_key_expired: { status: 401, msg: "The API key has expired; create a new one." },
  permission_denied: { status: 403, msg: "The credential lacks the permission this route needs." },
  ip_not_allowed: { status: 403, msg: "This key may not be used from this IP address." },
  rate_limited: { status: 429, msg: "Too many requests; retry after the time in Retry-After." },
  unavailable: { status: 503, msg: "The server is not ready; retry shortly." },
} as const;

export type DenialCode = keyof typeof denialCatalogue;

export function deny(
  code: DenialCode,
  extra: { msg?: string; required?: Verdict["required"]; retryAfter?: number } = {},
): Denial {
  const entry = denialCatalogue[code];
  const body: DenialBody = { success: false, error: code, msg: extra.msg ?? entry.msg };
  if (extra.required !== undefined) body.required = extra.required;
  const headers: Record<string, string> =
    extra.retryAfter === undefined ? {} : { "retry-after": String(extra.retryAfter) };
  return { status: entry.status, body, headers };
}

/** The answer for a verdict that is not VALID. */
export function denialFor(verdict: Verdict): Denial {
  switch (verdict.code) {
    case "NOT_FOUND":
    case "REVOKED":
      return deny("invalid_api_key");
    case "EXPIRED":
      return deny("api_key_expired");
    case "IP_NOT_ALLOWED":
      return deny("ip_not_allowed");
    case "RATE_LIMITED":
      return deny("rate_limited", { retryAfter: verdict.retry_after ?? 1 });
    default:
      return deny("permission_denied", {
        msg: `Permission denied: ${verdict.reason ?? "the key lacks this permission"}.`,
        required: verdict.required,
      });
  }
}
