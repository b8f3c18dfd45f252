import { hash } from "node:crypto";
import type { AuditFilter, AuditRecord, JsonObject, NewAudit } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../schema.js";
import { fromStoredJson, toStoredJson } from "./storedJson.js";

/** The account's audit log. */

export const toAudit = (r: Selectable<Database["audit_logs"]>): AuditRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: r.api_key_id === null ? null : Number(r.api_key_id),
  action: r.action,
  apiRoute: r.api_route,
  args: fromStoredJson<JsonObject>(r.args),
  ipAddress: r.ip_address,
  createdAt: r.created_at,
  count: Number(r.count),
});

/**
 * The row an event is counted in: its minute, and everything that says what happened. The
 * args go in as their stored text, so the key is the one earlier versions computed.
 */
function aggregateKey(event: NewAudit, args: string): string {
  const minute = Math.floor(Date.parse(event.createdAt) / 60_000);
  const what = [event.userId, event.apiKeyId, event.action, event.apiRoute, args, minute];
  return hash("sha256", JSON.stringify(what), "base64url");
}

/** The columns of one audit row. */
function auditRow(event: NewAudit) {
  return {
    user_id: event.userId,
    api_key_id: event.apiKeyId,
    action: event.action,
    api_route: event.apiRoute,
    args: toStoredJson(event.args),
    ip_address: event.ipAddress,
    created_at: event.createdAt,
  };
}

export async function countAudit(db: Kysely<Database>, event: NewAudit): Promise<void> {
  const row = auditRow(event);
  await db
    .insertInto("audit_logs")
    .values({ ...row, count: 1, aggregate_key: aggregateKey(event, row.args) })
    // One statement, so concurrent repeats (on any node) add up without losing one.
    .onConflict((oc) =>
      oc.column("aggregate_key").doUpdateSet((eb) => ({ count: eb("audit_logs.count", "+", 1) })),
    )
    .execute();
}

export async function insertAudit(db: Kysely<Database>, event: NewAudit): Promise<void> {
  await db.insertInto("audit_logs").values(auditRow(event)).execute();
}

export async function listAudit(db: Kysely<Database>, userId: number, filter: AuditFilter) {
  let query = db.selectFrom("audit_logs").selectAll().where("user_id", "=", userId);
  if (filter.action !== undefined) query = query.where("action", "=", filter.action);
  if (filter.apiKeyId !== undefined) query = query.where("api_key_id", "=", filter.apiKeyId);
  if (filter.before !== undefined) query = query.where("id", "<", filter.before);
  const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
  return rows.map(toAudit);
}
