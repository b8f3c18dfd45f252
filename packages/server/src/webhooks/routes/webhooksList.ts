import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { webhookView } from "../webhookViews.js";

export const webhooksList: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/webhooks/"),
    schema: {
      summary: "List the account's webhook endpoints",
      description: "Oldest first; never a signing secret.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ webhooks: Type.Array(Type.Ref("Webhook")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const hooks = await ctx.store.listWebhooks(principalOf(request).user.id);
      return { webhooks: hooks.map(webhookView) };
    },
  });
};
