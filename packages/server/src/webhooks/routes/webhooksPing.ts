import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { deliveryView } from "../webhookViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/webhooks/{id}/test/",
  category: "user_write",
  name: "api.webhooks.test",
  summary: "Send a ping event to a webhook endpoint",
});

export const webhooksPing = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Queues a `ping` event (signed like any other) whatever events the endpoint subscribes to, and sends it at once. Answers with the delivery; follow it in the delivery log. The endpoint must be active.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      response: { 200: { $ref: "WebhookDelivery#" }, ...errorResponses },
    },
    handler: async (request) => {
      const delivery = unwrap(
        await deps.webhooks.ping(principalOf(request), request.params.id, originOf(request, deps)),
      );
      return deliveryView(delivery, deps.webhookDispatcher.maxAttempts);
    },
  });
});
