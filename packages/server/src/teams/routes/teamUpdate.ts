import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { TeamNameBody } from "../teamSchemas.js";
import { teamView } from "../teamViews.js";

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/team/",
  category: "team_write",
  name: "api.team.update",
  summary: "Rename the team",
});

export const teamUpdate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Renames the team a team credential acts on.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      body: TeamNameBody,
      response: { 200: { $ref: "Team#" }, ...errorResponses },
    },
    handler: async (request) => {
      const team = unwrap(
        await deps.teams.rename(
          principalOf(request),
          { teamName: request.body.team_name },
          originOf(request, deps),
        ),
      );
      return teamView(team);
    },
  });
});
