import { Type } from "@sinclair/typebox";
import { endpoint, originOf } from "../../http/access.js";
import { SESSION_COOKIE, sessionCookieOptions } from "../../http/cookie.js";
import { limited } from "../../http/rateLimitHooks.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const LOCKED = {
  address: "Too many failed logins from this address.",
  account:
    "Too many failed logins for this account; its sessions and keys keep working, logins resume after the wait.",
} as const;

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/login/",
  category: null,
  name: "api.auth.login",
  summary: "Log in",
});

export const authLogin = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "Returns a session key valid 7 days. With `set_cookie: true` (the console) the key is set as an HttpOnly, SameSite=Strict cookie instead and left out of the body. Failed logins are limited per address and per account (429 with `Retry-After`).",
      tags: ["account"],
      body: Type.Object(
        {
          email: Type.String({ maxLength: 1024 }),
          password: Type.String({ maxLength: 1024 }),
          set_cookie: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          session_key: Type.Optional(Type.String()),
          expires_at: Type.String({ format: "date-time" }),
          user_id: Type.Integer(),
          session_id: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const device = request.headers["user-agent"] ?? "unknown device";
      const { email, password } = request.body;
      // Decided before the account is read or the password hashed.
      const admission = await deps.logins.admit(request.ip, email);
      if (!admission.ok) {
        deps.metrics.refused("login");
        throw limited(admission.retryAfterMs, LOCKED[admission.scope]);
      }
      const result = await deps.sessions.logIn(
        { email, password, device },
        originOf(request, deps),
      );
      if (result.ok) await admission.succeeded();
      const session = unwrap(result);
      const answer = {
        success: true as const,
        expires_at: session.record.expiresAt ?? "",
        user_id: session.record.userId,
        session_id: session.record.id,
      };
      if (request.body.set_cookie) {
        reply.setCookie(SESSION_COOKIE, session.secret, sessionCookieOptions(request));
        return answer;
      }
      return { ...answer, session_key: session.secret };
    },
  });
});
