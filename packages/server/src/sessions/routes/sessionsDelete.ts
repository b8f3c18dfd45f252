import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";

export const sessionsDelete: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("DELETE", "/api/v0/auth/sessions/{id}/"),
    schema: {
      summary: "End one session",
      tags: ["account"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      unwrap(
        await ctx.sessions.endSession(
          principalOf(request),
          request.params.id,
          originOf(request, ctx),
        ),
      );
      return { success: true as const, msg: "Session ended." };
    },
  });
};
