import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { CreateKeyBody } from "../keySchemas.js";
import { keyView } from "../keyViews.js";

export const apiKeysCreate: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("POST", "/api/v0/auth/apikeys/", { limit: "sensitive" }),
    schema: {
      summary: "Create an API key",
      description:
        "Without `permissions` the key has full access. The secret is in `key`, in this answer only: store it now.",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      body: CreateKeyBody,
      response: { 200: { $ref: "ApiKeyWithSecret#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { record, secret } = unwrap(
        await ctx.keys.create(principalOf(request), request.body, originOf(request, ctx)),
      );
      return { success: true as const, ...keyView(record, ctx.usage, ctx.now()), key: secret };
    },
  });
};
