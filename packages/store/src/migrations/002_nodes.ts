import type { Kysely } from "kysely";
import type { Capabilities } from "../dialect.js";

/**
 * The registry of live server nodes (PostgreSQL mode: each node heartbeats its row, and a
 * revoking node waits for an acknowledgement from every node seen alive), and the trigger
 * that announces key changes. The table exists in SQLite too so both schemas stay alike.
 */
export function nodes(caps: Capabilities) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("nodes")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("host", "text", (c) => c.notNull())
        .addColumn("started_at", "timestamptz", (c) => c.notNull())
        .addColumn("last_seen", "timestamptz", (c) => c.notNull())
        // Set when another node gave up waiting for this one; its heartbeats then fail.
        .addColumn("evicted_at", "timestamptz")
        .execute();
      await caps.installChangeNotifications(db);
    },
  };
}
