import { MAX_WEBHOOK_DESCRIPTION_LENGTH, MAX_WEBHOOK_URL_LENGTH } from "@latchkey/core";
import { Type } from "@sinclair/typebox";
import { endpoint, originOf, principalOf } from "../../http/access.js";
import { unwrap } from "../../http/result.js";
import { defineRoute, serverRoute, typed } from "../../http/route.js";
import { errorResponses } from "../../http/schemas.js";
import { EventList } from "../webhookSchemas.js";
import { webhookView } from "../webhookViews.js";

const entry = serverRoute({
  method: "POST",
  path: "/api/v0/webhooks/",
  category: "user_write",
  name: "api.webhooks.create",
  summary: "Register a webhook endpoint",
});

export const webhooksCreate = defineRoute(entry, (app, deps) => {
  typed(app).route({
    ...endpoint(entry),
    schema: {
      summary: entry.summary,
      description:
        "Key events of this account are POSTed to `url`, signed with the endpoint's secret (`Latchkey-Signature`). The secret is in `secret`, in this answer only: store it now. An account has at most 20 endpoints. Unless the server allows it (LATCHKEY_WEBHOOK_ALLOW_PRIVATE), loopback, private and link-local addresses are refused.",
      tags: ["webhooks"],
      security: [{ bearer: [] }],
      body: Type.Object(
        {
          url: Type.String({
            maxLength: MAX_WEBHOOK_URL_LENGTH,
            description: `http or https, without credentials or #fragment; at most ${MAX_WEBHOOK_URL_LENGTH} characters.`,
          }),
          events: Type.Optional(EventList),
          description: Type.Optional(
            Type.String({
              maxLength: MAX_WEBHOOK_DESCRIPTION_LENGTH,
              description: `For your eyes; at most ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters.`,
            }),
          ),
          active: Type.Optional(Type.Boolean({ default: true })),
        },
        { additionalProperties: false },
      ),
      response: { 200: { $ref: "WebhookWithSecret#" }, ...errorResponses },
    },
    handler: async (request) => {
      const { record, secret } = unwrap(
        await deps.webhooks.create(principalOf(request), request.body, originOf(request, deps)),
      );
      return { success: true as const, ...webhookView(record), secret };
    },
  });
});
