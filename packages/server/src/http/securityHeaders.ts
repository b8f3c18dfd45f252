import type { FastifyInstance } from "fastify";

/**
 * The console's content security policy: only its own scripts, styles and API, no inline
 * script, no eval, never framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** The console's pages and files: everything a browser applies to a document. */
const DOCUMENT_HEADERS = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
});

/**
 * An API answer is JSON, never a document: it loads nothing and is never framed (a policy of
 * `default-src 'none'`, stricter than the console's), is not sniffed into something
 * executable, is not read by other sites' pages, and may carry a secret (a new key, a
 * session), so it is never cached. The document-only headers (referrer, opener and
 * permissions policies) would add bytes to every answer and nothing a JSON body can use.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";
const API_HEADERS = Object.freeze({
  "content-security-policy": API_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
});

const HSTS = "max-age=31536000; includeSubDomains";

/**
 * Every answer's own headers, in one synchronous hook (it runs on every answer and has nothing
 * to wait for): the request id, so that a client's error report can be matched with the
 * server's log line, and the security headers above: an API route's (every route in the
 * catalogue, `/healthz` and `/readyz` included) or a document's (the console, and anything
 * answered before routing).
 */
export function registerAnswerHeaders(app: FastifyInstance): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.header("x-request-id", request.id);
    const api = request.access !== undefined || request.url.startsWith("/api/");
    reply.headers(api ? API_HEADERS : DOCUMENT_HEADERS);
    if (request.protocol === "https") reply.header("strict-transport-security", HSTS);
    done(null, payload);
  });
}
