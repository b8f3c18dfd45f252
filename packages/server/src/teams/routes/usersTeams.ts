import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/users/current/teams/",
  category: "user_read",
  name: "api.users.teams",
  summary: "Your teams",
});

export const usersTeams = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "The teams the calling person belongs to, with their role in each: what a console's account switcher lists. Make a team key with POST /api/v0/auth/apikeys/ and `team_id`.",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          teams: Type.Array(
            Type.Object({
              id: Type.Integer(),
              team_name: Type.String(),
              role: Type.String(),
              role_id: Type.Integer(),
              joined_at: Type.String({ format: "date-time" }),
            }),
          ),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const teams = unwrap(await deps.teams.teamsOfMe(principalOf(request)));
      return {
        teams: teams.map(({ team, member }) => ({
          id: team.id,
          team_name: team.name,
          role: member.roleName,
          role_id: member.roleId,
          joined_at: member.createdAt,
        })),
      };
    },
  });
});
