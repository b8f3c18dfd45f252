import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { RoleBody } from "../teamSchemas.js";
import { roleView } from "../teamViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/team/roles/",
  category: "team_write",
  name: "api.team.create_role",
  summary: "Create a role",
});

export const teamRoleCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "A name (2 to 50 characters, unique in the team whatever its case) and a permission tree in the key format, within the caller's own rights.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      body: RoleBody,
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
        await deps.teams.createRole(principalOf(request), request.body, originOf(request, deps)),
      );
      return { success: true as const, msg: `Role '${role.name}' created.`, role: roleView(role) };
    },
  });
});
