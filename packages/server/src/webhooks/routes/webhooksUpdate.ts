import { MAX_WEBHOOK_DESCRIPTION_LENGTH, MAX_WEBHOOK_URL_LENGTH } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses, IdParams } from "../../http/schemas.js";
import { EventList } from "../webhookSchemas.js";
import { webhookView } from "../webhookViews.js";

const entry = serverRoute({
  method: "PUT",
  path: "/api/v0/webhooks/{id}/",
  category: "user_write",
  name: "api.webhooks.update",
  summary: "Change a webhook endpoint",
});

export const webhooksUpdate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Fields left out keep their value; `events: null` subscribes to every key event. Setting `active: false` stops new events and holds pending deliveries until it is set back to true. The signing secret does not change.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      params: IdParams,
      body: Type.Object(
        {
          url: Type.Optional(Type.String({ maxLength: MAX_WEBHOOK_URL_LENGTH })),
          events: Type.Optional(EventList),
          description: Type.Optional(Type.String({ maxLength: MAX_WEBHOOK_DESCRIPTION_LENGTH })),
          active: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: { 200: { $ref: "Webhook#" }, ...errorResponses },
    },
    handler: async (request) => {
      const record = unwrap(
        await deps.webhooks.update(
          principalOf(request),
          request.params.id,
          request.body,
          originOf(request, deps),
        ),
      );
      return webhookView(record);
    },
  });
});
