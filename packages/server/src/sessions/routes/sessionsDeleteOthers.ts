import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";

export const sessionsDeleteOthers: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("DELETE", "/api/v0/auth/sessions/"),
    schema: {
      summary: "End every session but the calling one",
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
      const ended = await ctx.sessions.endOtherSessions(
        principalOf(request),
        originOf(request, ctx),
      );
      return { success: true as const, msg: `Ended ${ended} other session(s).`, ended };
    },
  });
};
