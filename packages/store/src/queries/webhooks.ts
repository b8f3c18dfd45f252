import type { KeyEventType, NewWebhook, WebhookPatch, WebhookRecord } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../schema.js";
import { fromNullableJson, toNullableJson } from "./storedJson.js";

/** Webhook endpoints; deleting one deletes its deliveries. */

export const toWebhook = (r: Selectable<Database["webhooks"]>): WebhookRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  url: r.url,
  description: r.description,
  events: fromNullableJson<KeyEventType[]>(r.events),
  active: Number(r.active) === 1,
  secretCiphertext: r.secret_ciphertext,
  secretKeyVersion: Number(r.secret_key_version),
  secretLast4: r.secret_last4,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listWebhooks(db: Kysely<Database>, userId: number): Promise<WebhookRecord[]> {
  const rows = await db
    .selectFrom("webhooks")
    .selectAll()
    .where("user_id", "=", userId)
    .orderBy("id")
    .execute();
  return rows.map(toWebhook);
}

export async function insertWebhook(
  db: Kysely<Database>,
  webhook: NewWebhook,
): Promise<WebhookRecord> {
  const row = await db
    .insertInto("webhooks")
    .values({
      user_id: webhook.userId,
      url: webhook.url,
      description: webhook.description,
      events: toNullableJson(webhook.events),
      active: webhook.active ? 1 : 0,
      secret_ciphertext: webhook.secretCiphertext,
      secret_key_version: webhook.secretKeyVersion,
      secret_last4: webhook.secretLast4,
      created_at: webhook.createdAt,
      updated_at: webhook.updatedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toWebhook(row);
}

export async function findWebhook(db: Kysely<Database>, userId: number, id: number) {
  const row = await db
    .selectFrom("webhooks")
    .selectAll()
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  return row && toWebhook(row);
}

export async function updateWebhook(
  db: Kysely<Database>,
  userId: number,
  id: number,
  patch: WebhookPatch,
) {
  const row = await db
    .updateTable("webhooks")
    .set({
      updated_at: patch.updatedAt,
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.events !== undefined ? { events: toNullableJson(patch.events) } : {}),
      ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
      ...(patch.secretCiphertext !== undefined
        ? { secret_ciphertext: patch.secretCiphertext }
        : {}),
      ...(patch.secretKeyVersion !== undefined
        ? { secret_key_version: patch.secretKeyVersion }
        : {}),
    })
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .returningAll()
    .executeTakeFirst();
  return row && toWebhook(row);
}

export async function deleteWebhook(db: Kysely<Database>, userId: number, id: number) {
  return db.transaction().execute(async (trx) => {
    const gone = await trx
      .deleteFrom("webhooks")
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .returning("id")
      .execute();
    if (gone.length === 0) return false;
    await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
    return true;
  });
}
