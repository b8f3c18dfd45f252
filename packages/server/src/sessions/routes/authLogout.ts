import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { SESSION_COOKIE, sessionCookieOptions } from "../../http/cookie.js";
import { unwrap } from "../../http/result.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

export const authLogout: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("POST", "/api/v0/auth/logout/", { sessionOnly: true }),
    schema: {
      summary: "Log out: end the calling session",
      tags: ["account"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const caller = principalOf(request);
      unwrap(await ctx.sessions.endSession(caller, caller.key.id, originOf(request, ctx)));
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
      return { success: true as const, msg: "Logged out." };
    },
  });
};
