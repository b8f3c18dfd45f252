import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/auth/sessions/{id}/",
  category: "user_write",
  name: "api.sessions.delete",
  summary: "End one session",
});

export const sessionsDelete = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
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
        await deps.sessions.endSession(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
        ),
      );
      return { success: true as const, msg: "Session ended." };
    },
  });
});
