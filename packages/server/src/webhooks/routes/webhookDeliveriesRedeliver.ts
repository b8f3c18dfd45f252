import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { deliveryView } from "../webhookViews.js";

const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/webhooks/{id}/deliveries/{delivery_id}/redeliver/",
  category: "user_write",
  name: "api.webhooks.redeliver",
  summary: "Send a delivery's event again",
});

export const webhookDeliveriesRedeliver = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Queues the same body, with the same Latchkey-Event-Id, as a new delivery (with `redelivery_of`) and a fresh set of attempts; it is sent at once. The endpoint must be active.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: Type.Object({ id: Id, delivery_id: Id }),
      response: { 200: { $ref: "WebhookDelivery#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { id, delivery_id } = request.params;
      const delivery = unwrap(
        await deps.webhooks.redeliver(
          principalOf(request),
          id,
          delivery_id,
          originOf(request, deps),
        ),
      );
      return deliveryView(delivery, deps.webhookDispatcher.maxAttempts);
    },
  });
});
