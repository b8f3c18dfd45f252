import type { Kysely } from "kysely";
import type { Capabilities } from "../dialect.js";

/**
 * Beyond the reference: account lifecycle policy, rotation with a grace window, per-key usage
 * counts, and the outbox of key events (webhooks deliver from it).
 */
export function lifecycle(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of [
        "max_key_lifetime_days",
        "expiry_reminder_days",
        "revoke_unused_after_days",
      ]) {
        await db.schema.alterTable("users").addColumn(column, "integer").execute();
      }
      // The previous secret of a key reset with a grace window, valid until previous_expires_at.
      await db.schema.alterTable("api_keys").addColumn("previous_key_hash", "text").execute();
      await db.schema
        .alterTable("api_keys")
        .addColumn("previous_hash_version", "integer")
        .execute();
      await db.schema.alterTable("api_keys").addColumn("previous_expires_at", "text").execute();
      await db.schema.alterTable("api_keys").addColumn("expiry_reminded_at", "text").execute();
      await db.schema.alterTable("api_keys").addColumn("expiry_notified_at", "text").execute();
      await db.schema
        .createIndex("api_keys_previous_key_hash")
        .on("api_keys")
        .column("previous_key_hash")
        .execute();

      // Verified and denied uses per key per hour, written in batches.
      await db.schema
        .createTable("key_usage")
        .addColumn("api_key_id", "integer", (c) => c.notNull())
        .addColumn("hour", "text", (c) => c.notNull())
        .addColumn("verified", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("denied", "integer", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("key_usage_pk", ["api_key_id", "hour"])
        .execute();

      // The outbox: every key event, written in the transaction of the change it reports.
      await db.schema
        .createTable("key_events")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("user_id", "integer", (c) => c.notNull())
        .addColumn("api_key_id", "integer")
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("key_events_user_id")
        .on("key_events")
        .columns(["user_id", "id"])
        .execute();
    },
  };
}
