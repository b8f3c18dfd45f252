import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { keyView } from "../keyViews.js";

const entry = serverRoute({
  method: "DELETE",
  path: "/api/v0/auth/apikeys/{id}/previous/",
  category: "user_write",
  name: "api.apikeys.end_grace",
  summary: "End a reset's grace window now",
});

export const apiKeysEndGrace = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "The key's previous secret gets 401 on every node from the moment this answers.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "ApiKey#" }, ...errorResponses },
    },
    handler: async (request) => {
      const record = unwrap(
        await deps.keys.endGrace(principalOf(request), request.params.id, originOf(request, deps)),
      );
      return keyView(record, deps.usage, deps.now());
    },
  });
});
