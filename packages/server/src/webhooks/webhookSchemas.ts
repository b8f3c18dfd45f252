import { eventTypes, type KeyEventType } from "@latchkey/core";
import { type Static, Type } from "@sinclair/typebox";

/** The wire schemas of webhooks (registered with the shared schemas, so OpenAPI names them). */

const Timestamp = Type.String({ format: "date-time" });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const KeyEventTypeSchema = Type.Union(
  eventTypes.map((t) => Type.Literal(t)),
  {
    $id: "KeyEventType",
    description:
      "A key event: key.created, key.reset, key.deleted, key.expiring (a reminder before expiry), key.expired, key.leaked (revoked after a leak report) or key.unused (revoked by the unused-keys policy).",
  },
);

/** A reference to KeyEventType, typed as the union it names. */
const EventTypeRef = () => Type.Unsafe<KeyEventType>(Type.Ref("KeyEventType"));

/** For request bodies, which are validated without the shared schemas: the union inline. */
export const EventList = Type.Union(
  [
    Type.Array(Type.Union(eventTypes.map((t) => Type.Literal(t))), {
      minItems: 1,
      maxItems: eventTypes.length * 2,
    }),
    Type.Null(),
  ],
  {
    description:
      "The event types the endpoint receives; null or absent: every key event, including types added later.",
  },
);

const webhookFields = {
  id: Type.Integer(),
  url: Type.String({ description: "Where events are POSTed." }),
  description: Type.String({ description: "For the owner's eyes; may be empty." }),
  events: Type.Union([Type.Array(EventTypeRef()), Type.Null()], {
    description: "The event types it receives; null is every key event.",
  }),
  active: Type.Boolean({
    description: "An inactive endpoint gets no new events; its pending deliveries wait.",
  }),
  secret_last4: Type.String({
    description: "The signing secret's last four characters, to tell secrets apart.",
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const Webhook = Type.Object(webhookFields, {
  $id: "Webhook",
  description: "A webhook endpoint; never its signing secret.",
});
export type WebhookView = Static<typeof Webhook>;

export const WebhookWithSecret = Type.Object(
  {
    success: Type.Literal(true),
    ...webhookFields,
    secret: Type.String({
      description:
        "The signing secret (whsec_…), shown here once: it cannot be shown again. Verify each delivery's Latchkey-Signature with it.",
    }),
  },
  { $id: "WebhookWithSecret" },
);

export const DeliveryStatusSchema = Type.Union(
  [Type.Literal("pending"), Type.Literal("delivered"), Type.Literal("failed")],
  {
    description:
      "pending: queued or waiting for a retry (next_attempt_at); delivered: a 2xx answer; failed: every attempt failed.",
  },
);

export const WebhookDelivery = Type.Object(
  {
    id: Type.Integer(),
    webhook_id: Type.Integer(),
    event_id: Type.String({
      description:
        "Latchkey-Event-Id: the same on every attempt and on redeliveries; receivers deduplicate on it.",
    }),
    event_type: Type.Union([EventTypeRef(), Type.Literal("ping")]),
    status: DeliveryStatusSchema,
    attempts: Type.Integer({ description: "Attempts started so far." }),
    max_attempts: Type.Integer({ description: "Attempts before the delivery is failed." }),
    next_attempt_at: Type.Union([Timestamp, Type.Null()], {
      description: "While pending: when the next attempt is due (or the current one times out).",
    }),
    last_attempt_at: NullableTimestamp,
    last_status_code: Type.Union([Type.Integer(), Type.Null()], {
      description: "The receiver's HTTP status at the last attempt; null when it did not answer.",
    }),
    last_error: Type.Union([Type.String(), Type.Null()], {
      description:
        "Why the last attempt failed (HTTP status, timeout, connection error); null after a success.",
    }),
    delivered_at: NullableTimestamp,
    redelivery_of: Type.Union([Type.Integer(), Type.Null()], {
      description: "For a redelivery: the id of the delivery it repeats.",
    }),
    created_at: Timestamp,
    payload: Type.Object(
      {
        id: Type.String(),
        type: Type.String(),
        created_at: Timestamp,
        data: Type.Record(Type.String(), Type.Unknown()),
      },
      { description: "The JSON body sent (byte for byte the same on every attempt)." },
    ),
  },
  { $id: "WebhookDelivery", description: "One event queued for one endpoint." },
);
export type WebhookDeliveryView = Static<typeof WebhookDelivery>;

export const webhookSchemas = [KeyEventTypeSchema, Webhook, WebhookWithSecret, WebhookDelivery];
