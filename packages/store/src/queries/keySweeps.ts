import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { toKey } from "./keys.js";

/** The keys the lifecycle sweeper acts on: reminders, expiries and long-unused keys. */

export async function keysToRemind(db: Kysely<Database>, before: string, limit: number) {
  const rows = await db
    .selectFrom("api_keys")
    .innerJoin("users", "users.id", "api_keys.user_id")
    .selectAll("api_keys")
    .select("users.expiry_reminder_days as reminder_days")
    .where("api_keys.kind", "=", "api")
    .where("api_keys.deleted_at", "is", null)
    .where("api_keys.expiry_reminded_at", "is", null)
    .where("api_keys.expires_at", "is not", null)
    .where("api_keys.expires_at", "<=", before)
    .where("users.expiry_reminder_days", "is not", null)
    .orderBy("api_keys.expires_at")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ key: toKey(r), reminderDays: Number(r.reminder_days) }));
}

export async function keysExpiredUnnotified(db: Kysely<Database>, now: string, limit: number) {
  const rows = await db
    .selectFrom("api_keys")
    .selectAll()
    .where("kind", "=", "api")
    .where("deleted_at", "is", null)
    .where("expiry_notified_at", "is", null)
    .where("expires_at", "is not", null)
    .where("expires_at", "<=", now)
    .orderBy("expires_at")
    .limit(limit)
    .execute();
  return rows.map(toKey);
}

export async function keysUnusedSince(
  db: Kysely<Database>,
  userId: number,
  cutoff: string,
  limit: number,
) {
  const rows = await db
    .selectFrom("api_keys")
    .selectAll()
    .where("user_id", "=", userId)
    .where("kind", "=", "api")
    .where("deleted_at", "is", null)
    .where((eb) => eb(eb.fn.coalesce("last_used_at", "created_at"), "<", cutoff))
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toKey);
}
