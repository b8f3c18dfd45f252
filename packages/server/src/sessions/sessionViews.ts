import type { KeyRecord } from "@latchkey/core";
import type { UsageRecorder } from "../auth/usageRecorder.js";

export function sessionView(record: KeyRecord, usage: UsageRecorder, currentId: number) {
  const used = usage.lastUse(record);
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
