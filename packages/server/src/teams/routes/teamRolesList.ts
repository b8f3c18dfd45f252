import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/roles/",
  category: "team_read",
  name: "api.team.roles",
  summary: "The team's role names",
});

export const teamRolesList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Every role's name, owner included.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: { 200: Type.Array(Type.String()), ...errorResponses },
    },
    handler: async (request) => {
      return unwrap(await deps.teams.roles(principalOf(request))).map((r) => r.name);
    },
  });
});
