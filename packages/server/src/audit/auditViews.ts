import type { AuditRecord } from "@latchkey/core";

export function auditView(record: AuditRecord) {
  return {
    id: record.id,
    action: record.action,
    api_key_id: record.apiKeyId,
    api_route: record.apiRoute,
    args: JSON.parse(record.args) as unknown,
    ip_address: record.ipAddress,
    created_at: record.createdAt,
    count: record.count,
  };
}
