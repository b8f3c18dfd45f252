import { LatchkeyError } from "@latchkey/sdk";
import type { Context, CredentialOrigin } from "./context.js";
import { CommandFailure, UsageError } from "./errors.js";
import { ExitCode } from "./exitCodes.js";
import { Interrupted } from "./prompt/input.js";

interface Report {
  exitCode: number;
  message: string;
  hint?: string;
}

function describeOrigin(origin: CredentialOrigin): string {
  switch (origin.source) {
    case "argument":
      return "the --api-key option";
    case "env":
      return "the LATCHKEY_API_KEY environment variable";
    case "file":
      return `the key file ${origin.keyFile}`;
    case "session":
      return "the login session";
    default:
      return "nowhere";
  }
}

function unauthorised(err: LatchkeyError, origin: CredentialOrigin | undefined): Report {
  if (err.code === "invalid_login") {
    return { exitCode: ExitCode.auth, message: err.msg, hint: "check the email and password" };
  }
  if (origin === undefined || origin.apiKey === undefined) {
    return {
      exitCode: ExitCode.auth,
      message: `${err.msg} No API key was found (no --api-key, no LATCHKEY_API_KEY, no key file at ${origin?.keyFile ?? "the default path"}).`,
      hint: "run 'latchkey login', or 'latchkey set api-key' with a key from the console",
    };
  }
  const last4 = origin.apiKey.slice(-4);
  const hints: Record<string, string> = {
    argument:
      "check the key given to --api-key, or drop the option to use LATCHKEY_API_KEY or the key file",
    env: "unset LATCHKEY_API_KEY or set it to a valid key; it overrides the key file",
    file: "run 'latchkey login' or 'latchkey set api-key' to replace the saved key",
    session: "log in again",
  };
  return {
    exitCode: ExitCode.auth,
    message: `${err.msg}\nThe key came from ${describeOrigin(origin)} and ends in …${last4}.`,
    hint: hints[origin.source],
  };
}

/** Where to look the id up, by what the server says it did not find. */
const NOT_FOUND_HINTS: readonly [RegExp, string][] = [
  [
    /^Team /,
    "check the team id: 'latchkey accept invitation' printed it, and 'latchkey show user' in the team names it",
  ],
  [/^Webhook |^Delivery /, "check the id: 'latchkey show webhooks' lists your webhooks"],
  [/^Session /, "check the id: 'latchkey show sessions' lists your sessions"],
  [
    /^(Member|Invitation)/i,
    "check the id: 'latchkey show members' and 'latchkey show invitations' list them",
  ],
  [/^Role|role/i, "check the name or id: 'latchkey show team-roles' lists the team's roles"],
];

function notFoundHint(msg: string): string {
  return (
    NOT_FOUND_HINTS.find(([pattern]) => pattern.test(msg))?.[1] ??
    "check the id: 'latchkey show api-keys' lists your keys"
  );
}

function fromServer(err: LatchkeyError, ctx: Context): Report {
  const id = err.requestId === undefined ? "" : ` (request id ${err.requestId})`;
  if (err.status === 0) {
    return {
      exitCode: ExitCode.server,
      message: `Could not reach the server: ${err.msg}`,
      hint: "check that it runs and that --url or LATCHKEY_URL points at it (default http://127.0.0.1:8080)",
    };
  }
  if (err.status === 401) return unauthorised(err, ctx.origin);
  if (err.status === 403) {
    return {
      exitCode: ExitCode.auth,
      message: `${err.msg}${id}`,
      hint: FORBIDDEN_HINTS[err.code] ?? FORBIDDEN_HINTS.permission_denied,
    };
  }
  if (err.status === 404) {
    return { exitCode: ExitCode.notFound, message: `${err.msg}${id}`, hint: notFoundHint(err.msg) };
  }
  if (err.status === 429) {
    return {
      exitCode: ExitCode.server,
      message: `${err.msg}${id}`,
      hint: "wait a moment, or pass --retry N to retry with backoff",
    };
  }
  if (err.status >= 500) {
    return {
      exitCode: ExitCode.server,
      message: `The server failed (HTTP ${err.status}): ${err.msg}${id}`,
      hint: "retry with --retry N; if it persists, give the request id to the server's operator",
    };
  }
  if (err.code === "invalid_permissions") {
    return {
      exitCode: ExitCode.failure,
      message: `${err.msg}${id}`,
      hint: "'latchkey show permissions' lists the categories and route names a tree may use",
    };
  }
  return { exitCode: ExitCode.failure, message: `${err.msg}${id}` };
}

function describe(err: unknown, ctx: Context): Report {
  if (err instanceof LatchkeyError) return fromServer(err, ctx);
  if (err instanceof UsageError) {
    return {
      exitCode: ExitCode.usage,
      message: err.message,
      hint: err.hint ?? "see 'latchkey <command> --help'",
    };
  }
  if (err instanceof CommandFailure)
    return { exitCode: err.exitCode, message: err.message, hint: err.hint };
  if (err instanceof Interrupted) return { exitCode: 130, message: "Interrupted." };
  return {
    exitCode: ExitCode.failure,
    message: `Unexpected error: ${err instanceof Error ? err.message : String(err)}`,
  };
}

/** What to do about a 403, by its error code. */
const FORBIDDEN_HINTS: Record<string, string> = {
  permission_denied:
    "use a key whose permissions cover this command ('latchkey show permissions' lists the categories)",
  permission_escalation:
    "a key can only be given rights its creator has; narrow --permissions or use a key with more rights",
  superseded_secret:
    "this is the key's old secret from a reset with --grace; save the new one with 'latchkey set api-key <new key>' and run this again",
};

/** Writes the failure to stderr (message, then a hint of what to do) and returns the exit status. */
export function reportFailure(err: unknown, ctx: Context): number {
  const report = describe(err, ctx);
  ctx.io.stderr.write(`${ctx.err.red("error:")} ${report.message}\n`);
  if (report.hint !== undefined) ctx.io.stderr.write(`${ctx.err.dim(`hint: ${report.hint}`)}\n`);
  return report.exitCode;
}
