import { isStoredInstant, MAX_INSTANT_MS } from "@latchkey/core";
import { type Kysely, sql } from "kysely";

const DAY = 86_400_000;

/**
 * Repairs key expiries stored before dates were read strictly. An `expires_at` past 9999 was
 * stored as `+010000-01-01T00:00:00.000Z`, which sorts before every real date: it slipped
 * past the account's maximum lifetime, failed to serialise, and read as expired to the leak
 * report and the sweeper while the key went on working. Each such expiry becomes what the
 * account's maximum lifetime allows from the key's creation, or the last instant stored
 * (9999-12-31T23:59:59.999Z) when the account has none; its reminder and expiry notices are
 * cleared, since they were sent (or held back) for a misread date.
 */
export function canonicalTimes() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // Every stored form has 24 characters, so only the others need reading.
      const { rows } = await sql<{
        id: number;
        created_at: string;
        expires_at: string;
        max_key_lifetime_days: number | null;
      }>`
        select api_keys.id, api_keys.created_at, api_keys.expires_at, users.max_key_lifetime_days
        from api_keys join users on users.id = api_keys.user_id
        where api_keys.expires_at is not null and length(api_keys.expires_at) <> 24`.execute(db);
      for (const row of rows) {
        if (isStoredInstant(row.expires_at)) continue;
        const days = row.max_key_lifetime_days === null ? null : Number(row.max_key_lifetime_days);
        const created = Date.parse(row.created_at);
        const capped =
          days === null || Number.isNaN(created)
            ? MAX_INSTANT_MS
            : Math.min(created + days * DAY, MAX_INSTANT_MS);
        await sql`
          update api_keys
          set expires_at = ${new Date(capped).toISOString()},
              expiry_reminded_at = null, expiry_notified_at = null
          where id = ${Number(row.id)}`.execute(db);
      }
    },
  };
}
