import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { SESSION_COOKIE, sessionCookieOptions } from "../../http/cookie.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/logout/",
  category: "user_write",
  name: "api.auth.logout",
  summary: "Log out: end the calling session",
});

export const authLogout = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { sessionOnly: true }),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const caller = principalOf(request);
      unwrap(await deps.sessions.endSession(caller, caller.key.id, originOf(request, deps)));
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
      return { success: true as const, msg: "Logged out." };
    },
  });
});
