import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { Done, RoleParams } from "../teamSchemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/team/roles/{id}/",
  category: "team_write",
  name: "api.team.delete_role",
  summary: "Remove a role",
});

export const teamRoleDelete = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "By name (or id). 409 role_in_use while members hold it; its pending invitations end with it. Built-in roles stay.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      params: RoleParams,
      response: { 200: Done, ...errorResponses },
    },
    handler: async (request) => {
      const role = unwrap(
        await deps.teams.deleteRole(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
        ),
      );
      return { success: true as const, msg: `Role '${role.name}' removed.` };
    },
  });
});
