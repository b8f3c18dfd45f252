/** The exit statuses of `latchkey`, one per class of outcome, documented in `--help`. */
export const ExitCode = {
  ok: 0,
  /** The request failed for another reason, or `scan` found keys. */
  failure: 1,
  /** The command line is wrong: unknown option, bad JSON, missing confirmation. */
  usage: 2,
  /** The server refused the credential (401) or its permissions (403). */
  auth: 3,
  notFound: 4,
  /** The server failed (5xx), rate-limited us (429) or could not be reached. */
  server: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const exitCodeHelp = `Exit status:
  0  success
  1  failure (the server said no for another reason), or scan found keys
  2  usage error (bad option or argument, missing --yes)
  3  authentication or permission error (HTTP 401 or 403)
  4  not found (HTTP 404)
  5  server, rate-limit or network error (HTTP 5xx, 429, connection failed)`;
