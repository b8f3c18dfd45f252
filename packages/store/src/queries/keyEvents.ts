import type { JsonObject, KeyEventRecord, KeyEventType, NewKeyEvent } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Capabilities } from "../dialect.js";
import type { Database } from "../schema.js";
import { nullableNumber } from "./nullableNumber.js";
import { fromStoredJson, toStoredJson } from "./storedJson.js";

/** The key events outbox: written with the change, claimed once for the webhooks. */

export const toEvent = (r: Selectable<Database["key_events"]>): KeyEventRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: nullableNumber(r.api_key_id),
  type: r.type as KeyEventType,
  payload: fromStoredJson<JsonObject>(r.payload),
  createdAt: r.created_at,
});

export async function insertEvent(db: Kysely<Database>, event: NewKeyEvent): Promise<void> {
  await db
    .insertInto("key_events")
    .values({
      user_id: event.userId,
      api_key_id: event.apiKeyId,
      type: event.type,
      payload: toStoredJson(event.payload),
      created_at: event.createdAt,
    })
    .execute();
}

export async function claimEvents(
  db: Kysely<Database>,
  caps: Capabilities,
  limit: number,
  at: string,
): Promise<KeyEventRecord[]> {
  let pick = db
    .selectFrom("key_events")
    .select("id")
    .where("dispatched_at", "is", null)
    .orderBy("id")
    .limit(limit);
  if (caps.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
  const ids = (await pick.execute()).map((r) => Number(r.id));
  if (ids.length === 0) return [];
  // Conditional, so that even without row locks an event is marked by one caller only.
  const rows = await db
    .updateTable("key_events")
    .set({ dispatched_at: at })
    .where("id", "in", ids)
    .where("dispatched_at", "is", null)
    .returningAll()
    .execute();
  return rows.map(toEvent).sort((a, b) => a.id - b.id);
}

export async function listEvents(
  db: Kysely<Database>,
  userId: number,
  afterId: number,
  limit: number,
) {
  const rows = await db
    .selectFrom("key_events")
    .selectAll()
    .where("user_id", "=", userId)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}
