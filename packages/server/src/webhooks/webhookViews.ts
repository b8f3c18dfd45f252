import type { DeliveryRecord, WebhookRecord } from "@latchkey/core";
import type { WebhookDeliveryView, WebhookView } from "./webhookSchemas.js";

export function webhookView(record: WebhookRecord): WebhookView {
  return {
    id: record.id,
    url: record.url,
    description: record.description,
    events: record.events,
    active: record.active,
    secret_last4: record.secretLast4,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export function deliveryView(record: DeliveryRecord, maxAttempts: number): WebhookDeliveryView {
  return {
    id: record.id,
    webhook_id: record.webhookId,
    event_id: record.eventId,
    event_type: record.eventType,
    status: record.status,
    attempts: record.attempts,
    max_attempts: maxAttempts,
    next_attempt_at: record.nextAttemptAt,
    last_attempt_at: record.lastAttemptAt,
    last_status_code: record.lastStatusCode,
    last_error: record.lastError,
    delivered_at: record.deliveredAt,
    redelivery_of: record.redeliveryOf,
    created_at: record.createdAt,
    payload: JSON.parse(record.body) as WebhookDeliveryView["payload"],
  };
}
