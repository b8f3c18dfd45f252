import type { Kysely } from "kysely";

/**
 * Refusals are audited as counts: one row per key, action, route, arguments and minute, whose
 * `count` grows with each repeat, so that a flood of refused requests cannot grow the audit log
 * by one row per request. `aggregate_key` names that row (null for rows written one per event).
 */
export function auditCounts() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable("audit_logs")
        .addColumn("count", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable("audit_logs").addColumn("aggregate_key", "text").execute();
      // Unique, so concurrent refusals add to one row (NULLs never collide).
      await db.schema
        .createIndex("audit_logs_aggregate_key")
        .on("audit_logs")
        .column("aggregate_key")
        .unique()
        .execute();
    },
  };
}
