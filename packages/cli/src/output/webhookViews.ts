import type { Webhook, WebhookDelivery } from "@latchkey/sdk";
import type { Context } from "../context.js";
import { renderFields, renderTable } from "./table.js";
import { formatTime } from "./time.js";

/** `all events`, or the subscribed types. */
export const eventsSummary = (events: Webhook["events"]) =>
  events === null ? "all key events" : events.join(", ");

/** `whsec_…abcd`: enough to tell secrets apart. */
export const shownSecret = (hook: Pick<Webhook, "secret_last4">) => `whsec_…${hook.secret_last4}`;

export function webhooksTable(ctx: Context, hooks: readonly Webhook[]): string {
  const now = ctx.now();
  return renderTable(
    ["ID", "URL", "EVENTS", "ACTIVE", "CREATED"],
    hooks.map((hook) => [
      String(hook.id),
      hook.url,
      eventsSummary(hook.events),
      hook.active ? "yes" : "no",
      formatTime(hook.created_at, now),
    ]),
    ctx.out.bold,
  );
}

export function webhookDetails(ctx: Context, hook: Webhook): string {
  const now = ctx.now();
  return renderFields(
    [
      ["ID", String(hook.id)],
      ["URL", hook.url],
      ["Description", hook.description === "" ? "—" : hook.description],
      ["Events", eventsSummary(hook.events)],
      ["Active", hook.active ? "yes" : "no: nothing is sent to it"],
      ["Secret", `${shownSecret(hook)} (shown in full once, when the webhook was created)`],
      ["Created", formatTime(hook.created_at, now)],
      ["Updated", formatTime(hook.updated_at, now)],
    ],
    ctx.out.bold,
  );
}

/** The last answer, or why there was none. */
function lastOutcome(delivery: WebhookDelivery): string {
  if (delivery.last_attempt_at === null) return "not tried yet";
  if (delivery.last_error === null) return `HTTP ${delivery.last_status_code}`;
  return delivery.last_error.length > 48
    ? `${delivery.last_error.slice(0, 47)}…`
    : delivery.last_error;
}

function statusText(ctx: Context, delivery: WebhookDelivery): string {
  const { green, red, yellow } = ctx.out;
  if (delivery.status === "delivered") return green("delivered");
  if (delivery.status === "failed") return red("failed");
  return yellow("pending");
}

/** When it was delivered, or when the next attempt is due. */
function when(ctx: Context, delivery: WebhookDelivery): string {
  const now = ctx.now();
  if (delivery.status === "delivered") return formatTime(delivery.delivered_at, now);
  if (delivery.status === "pending") return `next ${formatTime(delivery.next_attempt_at, now)}`;
  return "gave up";
}

export function deliveriesTable(ctx: Context, deliveries: readonly WebhookDelivery[]): string {
  const now = ctx.now();
  return renderTable(
    ["ID", "EVENT", "STATUS", "ATTEMPTS", "LAST ANSWER", "WHEN", "CREATED"],
    deliveries.map((delivery) => [
      `${delivery.id}${delivery.redelivery_of === null ? "" : ` (again ${delivery.redelivery_of})`}`,
      delivery.event_type,
      statusText(ctx, delivery),
      `${delivery.attempts}/${delivery.max_attempts}`,
      lastOutcome(delivery),
      when(ctx, delivery),
      formatTime(delivery.created_at, now),
    ]),
    ctx.out.bold,
  );
}

/** One line about a delivery just queued (test, redeliver). */
export function queuedLine(delivery: WebhookDelivery): string {
  return `Queued delivery ${delivery.id} (${delivery.event_type}, event ${delivery.event_id}) for webhook ${delivery.webhook_id}; it is sent at once.`;
}
