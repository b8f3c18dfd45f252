import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { keyView } from "../keyViews.js";

export const apiKeysEndGrace: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("DELETE", "/api/v0/auth/apikeys/{id}/previous/"),
    schema: {
      summary: "End a reset's grace window now",
      description: "The key's previous secret gets 401 on every node from the moment this answers.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "ApiKey#" }, ...errorResponses },
    },
    handler: async (request) => {
      const record = unwrap(
        await ctx.keys.endGrace(principalOf(request), request.params.id, originOf(request, ctx)),
      );
      return keyView(record, ctx.usage, ctx.now());
    },
  });
};
