import type { VerifierConnection } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../schema.js";

/** Verifier streams as each node reports them (the list of verifiers reads them). */

const toConnection = (r: Selectable<Database["verifier_connections"]>): VerifierConnection => ({
  id: r.id,
  verifierId: Number(r.verifier_id),
  nodeId: r.node_id,
  connectedAt: r.connected_at,
  seenAt: r.seen_at,
  ackLagMs: r.ack_lag_ms === null ? null : Number(r.ack_lag_ms),
});

export async function reportVerifierConnections(
  db: Kysely<Database>,
  nodeId: string,
  connections: readonly VerifierConnection[],
  staleBefore: string,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const ids = connections.map((c) => c.id);
    let gone = trx
      .deleteFrom("verifier_connections")
      .where((eb) => eb.or([eb("node_id", "=", nodeId), eb("seen_at", "<", staleBefore)]));
    if (ids.length > 0) gone = gone.where("id", "not in", ids);
    await gone.execute();
    for (const c of connections) {
      const row = {
        id: c.id,
        verifier_id: c.verifierId,
        node_id: c.nodeId,
        connected_at: c.connectedAt,
        seen_at: c.seenAt,
        ack_lag_ms: c.ackLagMs,
      };
      await trx
        .insertInto("verifier_connections")
        .values(row)
        .onConflict((oc) =>
          oc.column("id").doUpdateSet({ seen_at: row.seen_at, ack_lag_ms: row.ack_lag_ms }),
        )
        .execute();
    }
  });
}

export async function listVerifierConnections(
  db: Kysely<Database>,
  verifierIds: readonly number[],
): Promise<VerifierConnection[]> {
  if (verifierIds.length === 0) return [];
  const rows = await db
    .selectFrom("verifier_connections")
    .selectAll()
    .where("verifier_id", "in", verifierIds)
    .orderBy("connected_at")
    .orderBy("id")
    .execute();
  return rows.map(toConnection);
}
