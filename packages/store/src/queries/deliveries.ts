import type {
  AttemptOutcome,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStatus,
  NewDelivery,
  WebhookEventType,
} from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Capabilities } from "../dialect.js";
import type { Database } from "../schema.js";
import { nullableNumber } from "./nullableNumber.js";

/** Webhook deliveries: queued, claimed under a lease, finished or released. */

export const toDelivery = (r: Selectable<Database["webhook_deliveries"]>): DeliveryRecord => ({
  id: Number(r.id),
  webhookId: Number(r.webhook_id),
  userId: Number(r.user_id),
  sourceEventId: nullableNumber(r.source_event_id),
  eventId: r.event_id,
  eventType: r.event_type as WebhookEventType,
  body: r.body,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatusCode: nullableNumber(r.last_status_code),
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  redeliveryOf: nullableNumber(r.redelivery_of),
  createdAt: r.created_at,
});

export async function insertDelivery(
  db: Kysely<Database>,
  delivery: NewDelivery,
): Promise<DeliveryRecord | undefined> {
  const row = await db
    .insertInto("webhook_deliveries")
    .values({
      webhook_id: delivery.webhookId,
      user_id: delivery.userId,
      source_event_id: delivery.sourceEventId,
      event_id: delivery.eventId,
      event_type: delivery.eventType,
      body: delivery.body,
      status: "pending",
      attempts: 0,
      next_attempt_at: delivery.nextAttemptAt,
      redelivery_of: delivery.redeliveryOf,
      created_at: delivery.createdAt,
    })
    .onConflict((oc) => oc.columns(["webhook_id", "source_event_id"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toDelivery(row);
}

export async function claimDeliveries(
  db: Kysely<Database>,
  caps: Capabilities,
  now: string,
  leaseUntil: string,
  lease: string,
  limit: number,
) {
  return db.transaction().execute(async (trx) => {
    let pick = trx
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .where("webhook_id", "in", (eb) =>
        eb.selectFrom("webhooks").select("webhooks.id").where("webhooks.active", "=", 1),
      )
      .orderBy("next_attempt_at")
      .limit(limit);
    if (caps.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
    const ids = (await pick.execute()).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    // The conditions again: a row taken by another node meanwhile is no longer due.
    const rows = await trx
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        lease_token: lease,
        next_attempt_at: leaseUntil,
        attempts: eb("attempts", "+", 1),
      }))
      .where("id", "in", ids)
      .where("status", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .returningAll()
      .execute();
    return rows.map(toDelivery).sort((a, b) => a.id - b.id);
  });
}

export async function finishAttempt(
  db: Kysely<Database>,
  id: number,
  lease: string,
  outcome: AttemptOutcome,
) {
  const rows = await db
    .updateTable("webhook_deliveries")
    .set({
      status: outcome.status,
      next_attempt_at: outcome.status === "pending" ? outcome.nextAttemptAt : null,
      last_attempt_at: outcome.at,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      delivered_at: outcome.status === "delivered" ? outcome.at : null,
      lease_token: null,
    })
    .where("id", "=", id)
    .where("lease_token", "=", lease)
    .returning("id")
    .execute();
  return rows.length === 1;
}

export async function releaseDelivery(db: Kysely<Database>, id: number, lease: string, at: string) {
  const rows = await db
    .updateTable("webhook_deliveries")
    .set((eb) => ({
      next_attempt_at: at,
      attempts: eb("attempts", "-", 1),
      lease_token: null,
    }))
    .where("id", "=", id)
    .where("lease_token", "=", lease)
    .where("status", "=", "pending")
    .returning("id")
    .execute();
  return rows.length === 1;
}

export async function listDeliveries(
  db: Kysely<Database>,
  userId: number,
  webhookId: number,
  filter: DeliveryFilter,
) {
  let query = db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("user_id", "=", userId)
    .where("webhook_id", "=", webhookId);
  if (filter.status !== undefined) query = query.where("status", "=", filter.status);
  if (filter.before !== undefined) query = query.where("id", "<", filter.before);
  const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
  return rows.map(toDelivery);
}

export async function findDelivery(
  db: Kysely<Database>,
  userId: number,
  webhookId: number,
  id: number,
) {
  const row = await db
    .selectFrom("webhook_deliveries")
    .selectAll()
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("webhook_id", "=", webhookId)
    .executeTakeFirst();
  return row && toDelivery(row);
}

export async function pruneDeliveries(db: Kysely<Database>, before: string) {
  const result = await db
    .deleteFrom("webhook_deliveries")
    .where("status", "in", ["delivered", "failed"])
    .where("created_at", "<", before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The deliveries waiting to be sent to active endpoints (a paused endpoint's wait for it), and
 * when the oldest of them was queued: how far behind the webhooks are, for the metrics.
 */
export async function deliveryBacklog(db: Kysely<Database>) {
  const row = await db
    .selectFrom("webhook_deliveries")
    .select((eb) => [eb.fn.countAll().as("pending"), eb.fn.min("created_at").as("oldest")])
    .where("status", "=", "pending")
    .where("webhook_id", "in", (eb) =>
      eb.selectFrom("webhooks").select("webhooks.id").where("webhooks.active", "=", 1),
    )
    .executeTakeFirst();
  return {
    pending: Number(row?.pending ?? 0),
    oldestCreatedAt: (row?.oldest as string | null | undefined) ?? null,
  };
}
