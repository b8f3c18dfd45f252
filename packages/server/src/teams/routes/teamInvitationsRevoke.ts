import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { Done } from "../teamSchemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/team/invitations/{id}/",
  category: "team_write",
  name: "api.team.revoke_invitation",
  summary: "Revoke a pending invitation",
});

export const teamInvitationsRevoke = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "The invitation can no longer be accepted.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: Done, ...errorResponses },
    },
    handler: async (request) => {
      unwrap(
        await deps.teams.revokeInvitation(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
        ),
      );
      return { success: true as const, msg: `Invitation ${request.params.id} revoked.` };
    },
  });
});
