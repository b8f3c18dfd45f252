import { ApiError, MAX_WEBHOOK_DELIVERIES_PAGE } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, principalOf } from "../../http/access.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { DeliveryStatusSchema } from "../webhookSchemas.js";
import { deliveryView } from "../webhookViews.js";

const entry = serverRoute({
  method: "GET",
  path: "/api/v0/webhooks/{id}/deliveries/",
  category: "user_read",
  name: "api.webhooks.deliveries",
  summary: "A webhook endpoint's delivery log, newest first",
});

export const webhookDeliveriesList = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Every event queued for the endpoint, with its status, attempts, the last answer or error and the next attempt. Delivered and failed entries are kept LATCHKEY_WEBHOOK_RETENTION_DAYS (30 by default).",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      querystring: Type.Object(
        {
          status: Type.Optional(DeliveryStatusSchema),
          before: Type.Optional(
            Type.Integer({
              minimum: 1,
              description: "Only deliveries with a smaller id (paging).",
            }),
          ),
          limit: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_WEBHOOK_DELIVERIES_PAGE, default: 50 }),
          ),
        },
        { additionalProperties: false },
      ),
      response: {
        200: Type.Object({ deliveries: Type.Array(Type.Ref("WebhookDelivery")) }),
        ...errorResponses,
      },
    },
    handler: async (request) => {
      const { id } = request.params;
      const userId = principalOf(request).user.id;
      if (!(await deps.store.findWebhook(userId, id))) {
        throw new ApiError("not_found", `Webhook ${id} not found in this account.`);
      }
      const q = request.query;
      const rows = await deps.store.listDeliveries(userId, id, {
        status: q.status,
        before: q.before,
        limit: q.limit ?? 50,
      });
      const max = deps.webhookDispatcher.maxAttempts;
      return { deliveries: rows.map((row) => deliveryView(row, max)) };
    },
  });
});
