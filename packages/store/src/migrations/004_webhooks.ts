import { type Kysely, sql } from "kysely";
import type { Capabilities } from "../dialect.js";

/**
 * Webhooks: endpoints per account, and their deliveries, which are the durable queue (a
 * delivery row outlives restarts until it is delivered or runs out of attempts). Outbox events
 * get `dispatched_at`, set when they have been fanned out to the account's endpoints.
 */
export function webhooks(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("webhooks")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("description", "text", (c) => c.notNull())
        // JSON list of event types; null is every key event, including types added later.
        .addColumn("events", "text")
        .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
        // The signing secret, encrypted under a key derived from the pepper of this version.
        .addColumn("secret_ciphertext", "text", (c) => c.notNull())
        .addColumn("secret_key_version", "integer", (c) => c.notNull())
        .addColumn("secret_last4", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("updated_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("webhooks_user_id")
        .on("webhooks")
        .columns(["user_id", "id"])
        .execute();

      await db.schema
        .createTable("webhook_deliveries")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("webhook_id", "integer", (c) => c.notNull())
        .addColumn("user_id", "integer", (c) => c.notNull())
        // The outbox event delivered; null for pings and redeliveries.
        .addColumn("source_event_id", "integer")
        .addColumn("event_id", "text", (c) => c.notNull())
        .addColumn("event_type", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "text")
        // Set while a node is sending an attempt: only that node may record its outcome.
        .addColumn("lease_token", "text")
        .addColumn("last_attempt_at", "text")
        .addColumn("last_status_code", "integer")
        .addColumn("last_error", "text")
        .addColumn("delivered_at", "text")
        .addColumn("redelivery_of", "integer")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      // Fan-out on several nodes at once can never queue one event twice for one endpoint;
      // pings and redeliveries (no source event) are not limited by it.
      await db.schema
        .createIndex("webhook_deliveries_event")
        .on("webhook_deliveries")
        .columns(["webhook_id", "source_event_id"])
        .unique()
        .execute();
      await db.schema
        .createIndex("webhook_deliveries_log")
        .on("webhook_deliveries")
        .columns(["webhook_id", "id"])
        .execute();
      await sql`create index webhook_deliveries_due on webhook_deliveries (next_attempt_at)
        where status = 'pending'`.execute(db);

      await db.schema.alterTable("key_events").addColumn("dispatched_at", "text").execute();
      // Events from before webhooks existed had no endpoint to go to.
      await sql`update key_events set dispatched_at = created_at`.execute(db);
      await sql`create index key_events_undispatched on key_events (id)
        where dispatched_at is null`.execute(db);
    },
  };
}
