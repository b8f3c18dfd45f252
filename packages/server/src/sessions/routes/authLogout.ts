import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import {
  cookieOf,
  SESSION_COOKIE,
  sessionCookieOptions,
  TEAM_SESSION_COOKIE,
} from "../../http/cookie.js";
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
    ...endpoint(entry, { sessionOnly: true, endsCaller: true }),
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
      const origin = originOf(request, deps);
      unwrap(await deps.sessions.endSession(caller, caller.key.id, origin));
      // The console's team session ends with the personal one (docs/teams.md, "Team sessions").
      const team = cookieOf(request, TEAM_SESSION_COOKIE);
      const person = caller.key.memberId ?? caller.user.id;
      if (team && caller.via === "cookie") {
        await deps.sessions.endTeamSessionOf(person, team, origin);
      }
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
      reply.clearCookie(TEAM_SESSION_COOKIE, sessionCookieOptions(request));
      return { success: true as const, msg: "Logged out." };
    },
  });
});
