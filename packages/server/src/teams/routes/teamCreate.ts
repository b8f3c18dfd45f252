import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { TeamNameBody } from "../teamSchemas.js";
import { teamView } from "../teamViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/team/",
  category: "user_write",
  name: "api.team.create",
  summary: "Create a team",
});

export const teamCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Creates a team owned by the caller, with the roles owner, manager and member. An API key that calls this becomes the owner's team key: its later requests act on the team (Vast's rule); a session stays personal.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      body: TeamNameBody,
      response: { 200: { $ref: "Team#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { team_name, transfer_credit } = request.body;
      const { team } = unwrap(
        await deps.teams.create(
          principalOf(request),
          { teamName: team_name, transferCredit: transfer_credit },
          originOf(request, deps),
        ),
      );
      return teamView(team, "owner");
    },
  });
});
