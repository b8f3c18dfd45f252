/**
 * The one catalogue of error codes. Every non-2xx answer of the server is built from an entry
 * here, so a code always means the same status and the same kind of message.
 */
export const errorCatalogue = {
  invalid_request: { status: 400, msg: "The request is invalid." },
  invalid_json: { status: 400, msg: "The request body is not valid JSON." },
  invalid_permissions: { status: 400, msg: "The permission tree is invalid." },
  api_key_in_query: {
    status: 400,
    msg: "API keys are not accepted in the query string; send them as 'Authorization: Bearer <key>'.",
  },
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
  session_expired: { status: 401, msg: "The session has expired; log in again." },
  invalid_login: { status: 401, msg: "The email or password is wrong." },
  permission_denied: { status: 403, msg: "The credential lacks the permission this route needs." },
  permission_escalation: {
    status: 403,
    msg: "A key cannot be given rights beyond those of the credential that creates it.",
  },
  ip_not_allowed: { status: 403, msg: "This key may not be used from this IP address." },
  session_required: { status: 403, msg: "This route needs a session (log in), not an API key." },
  superseded_secret: {
    status: 403,
    msg: "A superseded secret (grace window) may use its key but not manage credentials; use the new secret.",
  },
  team_required: {
    status: 403,
    msg: "This route acts on a team: call it with a team key (or a team session), not a personal credential.",
  },
  signup_closed: {
    status: 403,
    msg: "Sign-up is closed on this server; an administrator must create the account.",
  },
  cross_origin: {
    status: 403,
    msg: "Cookie-authenticated writes must come from the console's own origin.",
  },
  not_found: { status: 404, msg: "Not found." },
  route_not_found: { status: 404, msg: "No such route; see /api/v0/openapi.json." },
  method_not_allowed: { status: 405, msg: "This route does not accept that method." },
  email_taken: { status: 409, msg: "An account with this email already exists; log in instead." },
  api_key_limit_reached: {
    status: 409,
    msg: "This account has as many live API keys as it may have; delete one first.",
  },
  session_limit_reached: {
    status: 409,
    msg: "This account has as many live sessions as it may have; end one, or wait for one to expire.",
  },
  role_in_use: {
    status: 409,
    msg: "Members hold this role; give them another role first.",
  },
  already_member: { status: 409, msg: "This person is already a member of the team." },
  payload_too_large: { status: 413, msg: "The request body is too large." },
  unsupported_media_type: {
    status: 415,
    msg: "Send the request body as JSON with 'Content-Type: application/json'.",
  },
  rate_limited: { status: 429, msg: "Too many requests; retry after the time in Retry-After." },
  internal_error: {
    status: 500,
    msg: "The server failed to handle the request; it has been logged.",
  },
  unavailable: { status: 503, msg: "The server is not ready; retry shortly." },
} as const satisfies Record<string, { status: number; msg: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

/** The wire body of every error answer. */
export interface ErrorBody {
  success: false;
  error: ErrorCode;
  msg: string;
  [extra: string]: unknown;
}

/**
 * An error with a catalogued code. Thrown by the HTTP layer (and only there) and turned into
 * an answer in exactly one place, the server's error handler.
 *
 * Below 500 it is an answer, not a fault: it carries no stack trace. Capturing one (through
 * Fastify's hooks and the awaits above them) cost more than the rest of a refused request,
 * and every request with a forged key is one. A 5xx keeps its stack for the log.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, msg?: string, extra: Record<string, unknown> = {}) {
    const { status } = errorCatalogue[code];
    const limit = Error.stackTraceLimit;
    if (status < 500) Error.stackTraceLimit = 0;
    try {
      super(msg ?? errorCatalogue[code].msg);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.extra = extra;
  }

  toBody(): ErrorBody {
    return { success: false, error: this.code, msg: this.message, ...this.extra };
  }
}
