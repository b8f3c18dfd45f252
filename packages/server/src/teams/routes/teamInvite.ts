import { ApiError } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { InviteFields } from "../teamSchemas.js";
import { invitationView } from "../teamViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/team/invite/",
  category: "team_write",
  name: "api.team.invite",
  summary: "Invite a person to the team",
});

export const teamInvite = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "`email` and `role` in the query string (as Vast's CLI sends them) or in a JSON body. The role must lie within the inviter's rights. An invitation lasts 4 hours; a team sends at most 20 an hour; the same email again within 10 minutes is 429 with Retry-After. Latchkey sends no email: the invitee sees it after signing in (GET /api/v0/users/current/invitations/), and the team's webhooks get team.invitation_created.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      querystring: Type.Object(InviteFields),
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          invitation: Type.Ref("TeamInvitation"),
          token: Type.String({
            description:
              "Accepts the invitation (POST /api/v0/team/invitations/{token}/accept/) for the person it was sent to only; shown in this answer only.",
          }),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      // Vast's CLI sends no body; its docs show a JSON one. Either works; the body wins.
      const body = inviteBody(request.body);
      const email = body.email ?? request.query.email;
      const role = body.role ?? request.query.role;
      const issued = unwrap(
        await deps.teams.invite(principalOf(request), { email, role }, originOf(request, deps)),
      );
      return {
        success: true as const,
        msg: `Invited ${issued.invitation.email} as '${issued.roleName}' until ${issued.invitation.expiresAt}.`,
        invitation: invitationView(issued.invitation, issued.roleName),
        token: issued.token,
      };
    },
  });
});

/** The JSON body's email and role, when there is a body; the schema checks the query string. */
function inviteBody(body: unknown): { email?: unknown; role?: unknown } {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw new ApiError(
      "invalid_request",
      'body: send {"email": …, "role": …} or use the query string',
    );
  }
  const { email, role, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined)
    throw new ApiError("invalid_request", `body: unknown field '${unknown}'`);
  return { email, role };
}
