import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { cookieOf, sessionCookieOptions, TEAM_SESSION_COOKIE } from "../../http/cookie.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/auth/sessions/team/",
  category: "user_write",
  name: "api.sessions.team",
  summary: "Open a team session (Latchkey extension)",
});

export const teamSessionOpen = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry, { limit: "sensitive" }),
    schema: {
      summary: entry.summary,
      description:
        "A Latchkey extension (Vast has no such route): from a member's personal session or key, a session of the team's account that belongs to that member. Its rights are the calling credential's own cut to the member's current role, on every request; removing the member, destroying the team or logging out ends it. With `set_cookie: true` (the console) it is set as the HttpOnly, SameSite=Strict cookie `latchkey_team_session`, replacing (and ending) the one there, and left out of the body; requests that send `X-Latchkey-Account: team` then use it instead of the personal cookie. It expires with the credential that opened it, after 7 days at most.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      body: Type.Object(
        {
          team_id: Type.Integer({ minimum: 1 }),
          set_cookie: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          session_key: Type.Optional(Type.String()),
          expires_at: Type.String({ format: "date-time" }),
          user_id: Type.Integer({ description: "The team's account id." }),
          member_id: Type.Integer({ description: "The calling person, as the team's member." }),
          session_id: Type.Integer(),
          role: Type.String({ description: "The member's role now." }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request, reply) => {
      const caller = principalOf(request);
      const origin = originOf(request, deps);
      const device = request.headers["user-agent"] ?? "unknown device";
      const session = unwrap(
        await deps.sessions.openTeamSession(
          caller,
          { teamId: request.body.team_id, device },
          origin,
        ),
      );
      const member = await deps.store.findMember(session.record.userId, caller.user.id);
      const answer = {
        success: true as const,
        expires_at: session.record.expiresAt ?? "",
        user_id: session.record.userId,
        member_id: caller.user.id,
        session_id: session.record.id,
        role: member?.roleName ?? "",
      };
      if (!request.body.set_cookie) return { ...answer, session_key: session.secret };
      const previous = cookieOf(request, TEAM_SESSION_COOKIE);
      if (previous) await deps.sessions.endTeamSessionOf(caller.user.id, previous, origin);
      reply.setCookie(TEAM_SESSION_COOKIE, session.secret, {
        ...sessionCookieOptions(request),
        maxAge: Math.max(
          1,
          Math.floor((Date.parse(answer.expires_at) - origin.at.getTime()) / 1000),
        ),
      });
      return answer;
    },
  });
});
