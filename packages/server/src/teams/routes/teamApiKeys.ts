import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { teamKeyView } from "../teamViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/team/apikeys/",
  category: "team_write",
  name: "api.team.apikeys",
  summary: "The team's API keys",
});

export const teamApiKeys = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Every member's team keys, with their member and role; never a secret (`key` is always empty).",
      tags: ["teams"],
      security: [{ bearer: [] }],
      response: { 200: Type.Array(Type.Ref("TeamKey")), ...errorResponses },
    },
    handler: async (request) => {
      const keys = unwrap(await deps.teams.keys(principalOf(request)));
      return keys.map((k) => teamKeyView(k, deps.usage));
    },
  });
});
