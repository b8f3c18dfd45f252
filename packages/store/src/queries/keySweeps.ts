import { formatInstant, instantMs, type KeyRecord, MAX_INSTANT_MS } from "@latchkey/core";
import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { toKey } from "./keys.js";

/** The keys the lifecycle sweeper acts on: reminders, expiries and long-unused keys. */

const DAY = 86_400_000;

/**
 * Keys due for their key.expiring reminder at `now`: not yet reminded, not yet expired, and
 * expiring within their own account's reminder days. The due test is made here, per account
 * policy, so that every row returned is one to claim: keys not yet due never fill a batch
 * and hold up other accounts' reminders. One query per distinct reminder length (at most
 * 365), each comparing stored times, whose text order is their time order.
 */
export async function keysToRemind(db: Kysely<Database>, now: string, limit: number) {
  const nowMs = instantMs(now);
  const lengths = await db
    .selectFrom("users")
    .select("expiry_reminder_days")
    .distinct()
    .where("expiry_reminder_days", "is not", null)
    .orderBy("expiry_reminder_days")
    .execute();
  const due: { key: KeyRecord; reminderDays: number }[] = [];
  for (const { expiry_reminder_days } of lengths) {
    if (due.length >= limit) break;
    const days = Number(expiry_reminder_days);
    const horizon = formatInstant(Math.min(nowMs + days * DAY, MAX_INSTANT_MS));
    const rows = await db
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .selectAll("api_keys")
      .where("users.expiry_reminder_days", "=", days)
      .where("api_keys.kind", "=", "api")
      .where("api_keys.deleted_at", "is", null)
      .where("api_keys.expiry_reminded_at", "is", null)
      .where("api_keys.expires_at", ">", now)
      .where("api_keys.expires_at", "<=", horizon)
      .orderBy("api_keys.expires_at")
      .orderBy("api_keys.id")
      .limit(limit - due.length)
      .execute();
    for (const r of rows) due.push({ key: toKey(r), reminderDays: days });
  }
  return due;
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
