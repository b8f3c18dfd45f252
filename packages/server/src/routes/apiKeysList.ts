import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../http/access.js";
import { errorResponses } from "../http/schemas.js";
import { keyView } from "../http/views.js";
import { type RouteModule, typed } from "./types.js";

export const apiKeysList: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/auth/apikeys/"),
    schema: {
      summary: "List the account's API keys",
      tags: ["api keys"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ apikeys: Type.Array(Type.Ref("ApiKey")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const keys = await ctx.store.listKeys(principalOf(request).user.id, "api");
      const now = ctx.now();
      return { apikeys: keys.map((k) => keyView(k, ctx.usage, now)) };
    },
  });
};
