import type { ErrorCode } from "./types.js";

/**
 * The codes the SDK gives a failure itself: no answer came (`network_error`, `timeout`,
 * `aborted`), the answer was not JSON (`invalid_response`), or an error answer had no code
 * (`http_<status>`, e.g. a proxy's 502 page).
 */
export type ClientErrorCode =
  | "network_error"
  | "timeout"
  | "aborted"
  | "invalid_response"
  | `http_${number}`;

/**
 * A LatchkeyError's code: one of the server's catalogue (generated from its OpenAPI document)
 * or of the SDK's own, so editors offer them; `string & {}` keeps a code that a newer server
 * added representable without hiding the known ones from completion.
 */
export type LatchkeyErrorCode = ErrorCode | ClientErrorCode | (string & {});

/** What a LatchkeyError is built from. */
export interface LatchkeyErrorInit {
  /** The HTTP status; 0 when no answer came (network error, timeout, abort). */
  status: number;
  /** The server's error code (`invalid_api_key`, `permission_denied`…), or `network_error`, `timeout`, `aborted`. */
  code: LatchkeyErrorCode;
  /** The server's sentence (its `msg` field), or what went wrong on the way. */
  msg: string;
  /** The server's X-Request-Id, to match this error with the server's log line. */
  requestId?: string | undefined;
  /** The whole error body, with extra fields such as `required`. */
  body?: Readonly<Record<string, unknown>> | undefined;
  /** Seconds the server asked to wait (Retry-After), on 429 and 503. */
  retryAfter?: number | undefined;
  cause?: unknown;
}

/**
 * The one error every SDK call throws: an error answer of the server, or a failure to get one.
 * It never carries a secret: the message is the server's sentence plus the code and request id.
 *
 * @example
 * try {
 *   await client.getApiKey(42);
 * } catch (err) {
 *   if (err instanceof LatchkeyError && err.status === 404) console.log("no such key");
 *   else throw err;
 * }
 */
export class LatchkeyError extends Error {
  readonly status: number;
  readonly code: LatchkeyErrorCode;
  readonly msg: string;
  readonly requestId?: string;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly retryAfter?: number;

  constructor(init: LatchkeyErrorInit) {
    const where = init.status === 0 ? init.code : `${init.code}, HTTP ${init.status}`;
    const request = init.requestId === undefined ? "" : `, request ${init.requestId}`;
    super(
      `${init.msg} (${where}${request})`,
      init.cause === undefined ? {} : { cause: init.cause },
    );
    this.name = "LatchkeyError";
    this.status = init.status;
    this.code = init.code;
    this.msg = init.msg;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.body !== undefined) this.body = init.body;
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter;
  }
}
