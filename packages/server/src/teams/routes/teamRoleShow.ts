import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { RoleParams } from "../teamSchemas.js";
import { roleView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/roles/{id}/",
  category: "team_read",
  name: "api.team.role",
  summary: "One role",
});

export const teamRoleShow = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "By name (any case), or by id.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      params: RoleParams,
      response: { 200: { $ref: "TeamRole#" }, ...errorResponses },
    },
    handler: async (request) => {
      return roleView(unwrap(await deps.teams.role(principalOf(request), request.params.id)));
    },
  });
});
