import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/team/",
  category: "user_write",
  name: "api.team.destroy",
  summary: "Destroy the team",
});

export const teamDestroy = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Owner only. Deletes the team's keys (refused on every node before this answers), roles, invitations and memberships. The API key that calls it becomes the owner's personal key again.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          team_id: Type.Integer(),
          deleted_keys: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { team, deleted } = unwrap(
        await deps.teams.destroy(principalOf(request), originOf(request, deps)),
      );
      return {
        success: true as const,
        msg: `Team '${team.name}' destroyed; ${deleted.length} of its credentials were deleted.`,
        team_id: team.id,
        deleted_keys: deleted.length,
      };
    },
  });
});
