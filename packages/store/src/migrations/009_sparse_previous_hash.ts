import type { Kysely } from "kysely";

/**
 * The index of previous secrets only holds the keys that have one (a reset with a grace
 * window), as a partial index. Nearly every key's previous_key_hash is null, and a look-up of
 * an unknown key in the full index cost several times the look-up by key_hash on SQLite.
 */
export function sparsePreviousHash() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex("api_keys_previous_key_hash").execute();
      await db.schema
        .createIndex("api_keys_previous_key_hash")
        .on("api_keys")
        .column("previous_key_hash")
        .where("previous_key_hash", "is not", null)
        .execute();
    },
  };
}
