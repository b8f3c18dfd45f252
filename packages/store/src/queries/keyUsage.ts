import type { UsageCount } from "@latchkey/core";
import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { batches } from "./batches.js";

/** Verified and denied requests per key and hour. */

export async function recordUsage(db: Kysely<Database>, counts: readonly UsageCount[]) {
  if (counts.length === 0) return;
  await db.transaction().execute(async (trx) => {
    // One statement per batch. A (key, hour) pair appears at most once in `counts` (the
    // recorder sums them), as PostgreSQL requires of one INSERT … ON CONFLICT.
    for (const batch of batches(counts)) {
      await trx
        .insertInto("key_usage")
        .values(
          batch.map((c) => ({
            api_key_id: c.keyId,
            hour: c.hour,
            verified: c.verified,
            denied: c.denied,
          })),
        )
        .onConflict((oc) =>
          oc.columns(["api_key_id", "hour"]).doUpdateSet((eb) => ({
            verified: eb("key_usage.verified", "+", eb.ref("excluded.verified")),
            denied: eb("key_usage.denied", "+", eb.ref("excluded.denied")),
          })),
        )
        .execute();
    }
  });
}

export async function listUsage(
  db: Kysely<Database>,
  keyId: number,
  fromHour: string,
  toHour: string,
) {
  const rows = await db
    .selectFrom("key_usage")
    .selectAll()
    .where("api_key_id", "=", keyId)
    .where("hour", ">=", fromHour)
    .where("hour", "<=", toHour)
    .orderBy("hour")
    .execute();
  return rows.map((r) => ({
    keyId: Number(r.api_key_id),
    hour: r.hour,
    verified: Number(r.verified),
    denied: Number(r.denied),
  }));
}
