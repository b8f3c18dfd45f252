import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { teamView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/",
  category: "team_read",
  name: "api.team.show",
  summary: "The team a team credential acts on",
});

export const teamShow = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "The team and the caller's role in it.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: { 200: { $ref: "Team#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { team, me } = unwrap(await deps.teams.show(principalOf(request)));
      return teamView(team, me.roleName);
    },
  });
});
