import type { FastifyInstance } from "fastify";

/**
 * The console's content security policy: only its own scripts, styles and API, no inline
 * script, no eval, never framed. API answers are JSON and get the same headers, which cost
 * nothing and keep a browser from sniffing them into something executable.
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

const HEADERS = Object.freeze({
  "content-security-policy": CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=()",
});

export function registerSecurityHeaders(app: FastifyInstance): void {
  // Synchronous: it runs on every answer and has nothing to wait for.
  app.addHook("onSend", (request, reply, payload, done) => {
    reply.headers(HEADERS);
    if (request.protocol === "https") {
      reply.header("strict-transport-security", "max-age=31536000; includeSubDomains");
    }
    // Answers that may carry a secret (a new key, a session) must never be cached.
    if (request.url.startsWith("/api/")) reply.header("cache-control", "no-store");
    done(null, payload);
  });
}
