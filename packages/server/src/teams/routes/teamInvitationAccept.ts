import type { RouteEntry } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { TokenParams } from "../teamSchemas.js";
import { memberView, teamView } from "../teamViews.js";

const acceptEntry = serverRoute({
  method: "POST",
  path: "/api/v0/team/invitations/{token}/accept/",
  category: "user_read",
  name: "api.team.accept_invitation",
  summary: "Accept an invitation",
});

/** The link Vast sends invitees: the same operation as a GET. */
const inviteLinkEntry = serverRoute({
  method: "GET",
  path: "/api/v0/team/invite/{token}/",
  category: "user_read",
  name: "api.team.accept_invite",
  summary: "Accept an invitation (Vast's link)",
});

const acceptRoute = (entry: RouteEntry, description: string) =>
  defineRoute(entry, (app, deps) => {
    typed(app).route({
      ...endpoint(entry),
      schema: {
        summary: entry.summary,
        description,
        tags: ["teams"],
        security: [{ bearer: [] }],
        params: TokenParams,
        response: {
          200: Type.Object({
            success: Type.Literal(true),
            msg: Type.String(),
            team: Type.Ref("Team"),
            member: Type.Ref("TeamMember"),
          }),
          ...errorResponses,
        },
      },
      handler: async (request) => {
        const { team, member } = unwrap(
          await deps.teams.accept(
            principalOf(request),
            request.params.token,
            originOf(request, deps),
          ),
        );
        return {
          success: true as const,
          msg: `You joined team '${team.name}' as '${member.roleName}'.`,
          team: teamView(team, member.roleName),
          member: memberView(member),
        };
      },
    });
  });

export const teamInvitationAccept = acceptRoute(
  acceptEntry,
  "With the personal credential of the person invited (their email must match): they join with the invited role. `token` is the invitation's token, or its id as GET /api/v0/users/current/invitations/ lists it.",
);
export const teamInviteAccept = acceptRoute(
  inviteLinkEntry,
  "Vast's form of POST /api/v0/team/invitations/{token}/accept/: the same rules.",
);
