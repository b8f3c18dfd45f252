import { type AuditRecord, instantMs, type KeyRecord } from "@latchkey/core";
import type { UsageRecorder } from "../auth/usageRecorder.js";
import type { ApiKeyView } from "./schemas.js";

/** Last use, including a use not yet flushed to the database. */
function lastUse(record: KeyRecord, usage: UsageRecorder) {
  const pending = usage.pending(record.id);
  return pending
    ? { at: pending.at, ip: pending.ip }
    : { at: record.lastUsedAt, ip: record.lastUsedIp };
}

export function keyView(record: KeyRecord, usage: UsageRecorder, now: Date): ApiKeyView {
  const used = lastUse(record, usage);
  const pending =
    record.previousExpiresAt !== null && instantMs(record.previousExpiresAt) > now.getTime();
  return {
    id: record.id,
    user_id: record.userId,
    name: record.name,
    permissions: record.permissions as ApiKeyView["permissions"],
    key_params: record.keyParams,
    prefix: record.prefix,
    last4: record.last4,
    created_at: record.createdAt,
    last_used_at: used.at,
    last_used_ip: used.ip,
    expires_at: record.expiresAt,
    previous_expires_at: pending ? record.previousExpiresAt : null,
  };
}

export function sessionView(record: KeyRecord, usage: UsageRecorder, currentId: number) {
  const used = lastUse(record, usage);
  return {
    id: record.id,
    name: record.name,
    created_at: record.createdAt,
    last_used_at: used.at,
    last_used_ip: used.ip,
    expires_at: record.expiresAt,
    current: record.id === currentId,
  };
}

export function auditView(record: AuditRecord) {
  return {
    id: record.id,
    action: record.action,
    api_key_id: record.apiKeyId,
    api_route: record.apiRoute,
    args: record.args,
    ip_address: record.ipAddress,
    created_at: record.createdAt,
    count: record.count,
  };
}
