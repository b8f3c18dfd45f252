import { ApiError } from "@latchkey/core";
import { endpoint, principalOf } from "../../http/access.js";
import { type RouteModule, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { webhookView } from "../webhookViews.js";

export const webhooksShow: RouteModule = (app, ctx) => {
  typed(app).route({
    ...endpoint("GET", "/api/v0/webhooks/{id}/"),
    schema: {
      summary: "Show one webhook endpoint",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "Webhook#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { id } = request.params;
      const hook = await ctx.store.findWebhook(principalOf(request).user.id, id);
      if (!hook) throw new ApiError("not_found", `Webhook ${id} not found in this account.`);
      return webhookView(hook);
    },
  });
};
