import type { Kysely } from "kysely";

/**
 * The streams of verifiers (services verifying keys in-process, docs/revocation.md), as the
 * node serving each one last reported it: which node, since when, and how late its
 * acknowledgements are. Only for listing; the guarantee itself lives in each node's memory.
 * Verifiers themselves are credentials of kind `verifier` in api_keys.
 */
export function verifierConnections() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable("verifier_connections")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("verifier_id", "integer", (c) => c.notNull())
        .addColumn("node_id", "text", (c) => c.notNull())
        .addColumn("connected_at", "text", (c) => c.notNull())
        .addColumn("seen_at", "text", (c) => c.notNull())
        .addColumn("ack_lag_ms", "integer")
        .execute();
      await db.schema
        .createIndex("verifier_connections_verifier")
        .on("verifier_connections")
        .column("verifier_id")
        .execute();
    },
  };
}
