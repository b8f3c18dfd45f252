import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { memberView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/members/",
  category: "team_read",
  name: "api.team.members",
  summary: "The team's members",
});

export const teamMembers = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Each member with their role (Vast's shape: `roles` is a list of one).",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: { 200: Type.Array(Type.Ref("TeamMember")), ...errorResponses },
    },
    handler: async (request) => {
      return unwrap(await deps.teams.members(principalOf(request))).map(memberView);
    },
  });
});
