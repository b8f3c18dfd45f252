import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/auth/sessions/",
  category: "user_write",
  name: "api.sessions.delete_others",
  summary: "End every session but the calling one",
});

export const sessionsDeleteOthers = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["account"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({
          success: Type.Literal(true),
          msg: Type.String(),
          ended: Type.Integer(),
        }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const ended = await deps.sessions.endOtherSessions(
        principalOf(request),
        originOf(request, deps),
      );
      return { success: true as const, msg: `Ended ${ended} other session(s).`, ended };
    },
  });
});
