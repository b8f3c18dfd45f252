import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { guardedLookup, privateLiteral } from "./webhookTargets.js";

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the attempt (the node is stopping). */
  signal: AbortSignal;
}

/** What became of one attempt: the receiver's status, or why there was none. */
export type SendResult =
  | { kind: "answered"; statusCode: number }
  | { kind: "failed"; error: string }
  | { kind: "aborted" };

const USER_AGENT = "Latchkey-Webhooks/1";

/** A short, safe description of a connection error (no response body is ever kept). */
function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "EPRIVATE") return message;
  return typeof code === "string" ? `${message} (${code})` : message;
}

/**
 * POSTs one delivery. Redirects are not followed (a 3xx is a failed attempt: a receiver must
 * answer at its registered URL), the receiver's body is never read, and the whole attempt,
 * connecting included, is bounded by the timeout.
 */
export function sendWebhook(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: SendOptions,
): Promise<SendResult> {
  const target = new URL(url);
  if (!options.allowPrivate) {
    const literal = privateLiteral(target);
    if (literal !== undefined) {
      return Promise.resolve({
        kind: "failed",
        error: `${literal} is not a public unicast address: loopback, private, link-local and reserved ranges are refused (LATCHKEY_WEBHOOK_ALLOW_PRIVATE is off)`,
      });
    }
  }
  if (options.signal.aborted) return Promise.resolve({ kind: "aborted" });
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      req.destroy();
      resolve(result);
    };
    const req = request(
      target,
      {
        method: "POST",
        agent: false,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": USER_AGENT,
        },
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response: IncomingMessage) => {
        response.resume();
        settle({ kind: "answered", statusCode: response.statusCode ?? 0 });
      },
    );
    const timer = setTimeout(
      () => settle({ kind: "failed", error: `no answer within ${options.timeoutMs / 1000} s` }),
      options.timeoutMs,
    );
    const onAbort = () => settle({ kind: "aborted" });
    options.signal.addEventListener("abort", onAbort, { once: true });
    req.on("error", (err) => settle({ kind: "failed", error: describe(err) }));
    req.end(body);
  });
}
