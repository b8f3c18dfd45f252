import type { AuditRecord } from "@latchkey/core";

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
