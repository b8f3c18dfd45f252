import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { invitationView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/invitations/",
  category: "team_read",
  name: "api.team.invitations",
  summary: "The team's pending invitations",
});

export const teamInvitationsList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Invitations neither accepted, revoked nor expired, newest first.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ invitations: Type.Array(Type.Ref("TeamInvitation")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const pending = unwrap(await deps.teams.pendingInvitations(principalOf(request), deps.now()));
      return { invitations: pending.map((p) => invitationView(p.invitation, p.roleName)) };
    },
  });
});
