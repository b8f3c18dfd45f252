import { instantMs, type KeyRecord } from "@latchkey/core";
import type { UsageRecorder } from "../auth/usageRecorder.js";
import type { ApiKeyView } from "./keySchemas.js";

export function keyView(record: KeyRecord, usage: UsageRecorder, now: Date): ApiKeyView {
  const used = usage.lastUse(record);
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
