import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/team/members/{id}/",
  category: "team_write",
  name: "api.team.remove_member",
  summary: "Remove a member",
});

export const teamMemberRemove = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Removes the member and deletes all their team keys and team sessions, refused on every node before this answers. Not the owner, not oneself, not a member whose role is beyond the caller's rights.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          revoked_keys: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { target, ids } = unwrap(
        await deps.teams.removeMember(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
        ),
      );
      return {
        success: true as const,
        msg: `Removed ${target.email}; ${ids.length} of their team credentials stopped working.`,
        revoked_keys: ids.length,
      };
    },
  });
});
