import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { RoleParams, RolePatchBody } from "../teamSchemas.js";
import { roleView } from "../teamViews.js";

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/team/roles/{id}/",
  category: "team_write",
  name: "api.team.update_role",
  summary: "Rename a role or change its permissions",
});

export const teamRoleUpdate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "By id (or by name). Within the caller's rights, before and after. Members holding it have the new rights from their next request on, on every node. The owner role is never edited; the built-in roles keep their names.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      params: RoleParams,
      body: RolePatchBody,
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          role: Type.Ref("TeamRole"),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const role = unwrap(
        await deps.teams.updateRole(
          principalOf(request),
          request.params.id,
          request.body,
          originOf(request, deps),
        ),
      );
      return { success: true as const, msg: `Role '${role.name}' updated.`, role: roleView(role) };
    },
  });
});
