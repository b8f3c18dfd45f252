import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/verifiers/{id}/",
  category: "user_write",
  name: "api.verifiers.delete",
  summary: "Delete a verifier",
});

export const verifiersDelete = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Takes effect before the answer: its streams end on every node and its token gets 401.",
      tags: ["verifiers"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: {
        200: Type.Object({ success: Type.Literal(true), msg: Type.String() }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      unwrap(
        await deps.verifiers.delete(
          principalOf(request),
          request.params.id,
          originOf(request, deps),
        ),
      );
      return { success: true as const, msg: "Verifier deleted" };
    },
  });
});
