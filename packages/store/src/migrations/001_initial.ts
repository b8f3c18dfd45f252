import type { Kysely } from "kysely";
import type { Capabilities } from "../dialect.js";

export function initial(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("users")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("is_admin", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("key_hash", "text", (c) => c.notNull().unique())
        .addColumn("hash_version", "integer", (c) => c.notNull())
        .addColumn("prefix", "text", (c) => c.notNull())
        .addColumn("last4", "text", (c) => c.notNull())
        .addColumn("permissions", "text")
        .addColumn("key_params", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .addColumn("last_used_at", "text")
        .addColumn("last_used_ip", "text")
        .addColumn("expires_at", "text")
        .addColumn("deleted_at", "text")
        .execute();
      await db.schema
        .createIndex("api_keys_user_kind")
        .on("api_keys")
        .columns(["user_id", "kind"])
        .execute();

      await db.schema
        .createTable("audit_logs")
        .addColumn("id", "integer", caps.primaryKey)
        .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
        .addColumn("api_key_id", "integer")
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("api_route", "text", (c) => c.notNull())
        .addColumn("args", "text", (c) => c.notNull())
        .addColumn("ip_address", "text")
        .addColumn("created_at", "text", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("audit_logs_user_id")
        .on("audit_logs")
        .columns(["user_id", "id"])
        .execute();
    },
  };
}
