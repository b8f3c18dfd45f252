import type { AuditFilter, AuditRecord, NewAudit } from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../schema.js";

/** The account's audit log. */

export const toAudit = (r: Selectable<Database["audit_logs"]>): AuditRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: r.api_key_id === null ? null : Number(r.api_key_id),
  action: r.action,
  apiRoute: r.api_route,
  args: r.args,
  ipAddress: r.ip_address,
  createdAt: r.created_at,
});

export async function insertAudit(db: Kysely<Database>, event: NewAudit): Promise<void> {
  await db
    .insertInto("audit_logs")
    .values({
      user_id: event.userId,
      api_key_id: event.apiKeyId,
      action: event.action,
      api_route: event.apiRoute,
      args: event.args,
      ip_address: event.ipAddress,
      created_at: event.createdAt,
    })
    .execute();
}

export async function listAudit(db: Kysely<Database>, userId: number, filter: AuditFilter) {
  let query = db.selectFrom("audit_logs").selectAll().where("user_id", "=", userId);
  if (filter.action !== undefined) query = query.where("action", "=", filter.action);
  if (filter.apiKeyId !== undefined) query = query.where("api_key_id", "=", filter.apiKeyId);
  if (filter.before !== undefined) query = query.where("id", "<", filter.before);
  const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
  return rows.map(toAudit);
}
