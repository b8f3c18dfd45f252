import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { roleView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/roles-full/",
  category: "team_read",
  name: "api.team.roles_full",
  summary: "The team's roles with their permissions",
});

export const teamRolesFull = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Every role but the owner's (which is always full access).",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: { 200: Type.Array(Type.Ref("TeamRole")), ...errorResponses },
    },
    handler: async (request) => {
      const roles = unwrap(await deps.teams.roles(principalOf(request)));
      return roles.filter((r) => r.builtin !== "owner").map(roleView);
    },
  });
});
