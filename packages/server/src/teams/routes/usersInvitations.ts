import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { invitationView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/users/current/invitations/",
  category: "user_read",
  name: "api.users.invitations",
  summary: "Invitations to you",
});

export const usersInvitations = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "The pending invitations sent to the calling person's email, in every team. Accept one with POST /api/v0/team/invitations/{id}/accept/.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ invitations: Type.Array(Type.Ref("TeamInvitation")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const pending = unwrap(await deps.teams.invitationsForMe(principalOf(request), deps.now()));
      return {
        invitations: pending.map((p) => invitationView(p.invitation, p.roleName, p.team)),
      };
    },
  });
});
