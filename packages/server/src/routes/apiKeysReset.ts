import { endpoint, originOf, principalOf } from "../http/access.js";
import { errorResponses, IdParams } from "../http/schemas.js";
import { keyView } from "../http/views.js";
import { unwrap } from "../services/result.js";
import { type RouteModule, typed } from "./types.js";

export const apiKeysReset: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("POST", "/api/v0/auth/apikeys/{id}/reset/"),
    schema: {
      summary: "Reset an API key",
      description:
        "Gives the key a new secret, returned once in `key`; id, name and permissions stay. The old secret gets 401 from the moment this answers.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "ApiKeyWithSecret#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { record, secret } = unwrap(
        await ctx.keys.reset(principalOf(request), request.params.id, originOf(request, ctx)),
      );
      return { success: true as const, ...keyView(record, ctx.usage), key: secret };
    },
  });
};
