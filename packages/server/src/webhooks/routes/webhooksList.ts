import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { webhookView } from "../webhookViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/webhooks/",
  category: "user_read",
  name: "api.webhooks.list",
  summary: "List the account's webhook endpoints",
});

export const webhooksList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description: "Oldest first; never a signing secret.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      response: {
        200: Type.Object({ webhooks: Type.Array(Type.Ref("Webhook")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const hooks = await deps.store.listWebhooks(principalOf(request).user.id);
      return { webhooks: hooks.map(webhookView) };
    },
  });
});
