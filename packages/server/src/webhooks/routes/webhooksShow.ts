import { ApiError } from "@latchkey/core";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { webhookView } from "../webhookViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/webhooks/{id}/",
  category: "user_read",
  name: "api.webhooks.show",
  summary: "Show one webhook endpoint",
});

export const webhooksShow = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "Webhook#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { id } = request.params;
      const hook = await deps.store.findWebhook(principalOf(request).user.id, id);
      if (!hook) throw new ApiError("not_found", `Webhook ${id} not found in this account.`);
      return webhookView(hook);
    },
  });
});
