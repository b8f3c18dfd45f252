import type { Generated } from "kysely";

/** The tables as Kysely sees them. Column names are snake_case, as in the wire format. */
export interface Database {
  users: {
    id: Generated<number>;
    email: string;
    password_hash: string;
    is_admin: number;
    created_at: string;
    max_key_lifetime_days: number | null;
    expiry_reminder_days: number | null;
    revoke_unused_after_days: number | null;
  };
  api_keys: {
    id: Generated<number>;
    user_id: number;
    kind: string;
    name: string;
    key_hash: string;
    hash_version: number;
    prefix: string;
    last4: string;
    permissions: string | null;
    key_params: string | null;
    created_at: string;
    last_used_at: string | null;
    last_used_ip: string | null;
    expires_at: string | null;
    deleted_at: string | null;
    previous_key_hash: string | null;
    previous_hash_version: number | null;
    previous_expires_at: string | null;
    expiry_reminded_at: string | null;
    expiry_notified_at: string | null;
  };
  key_usage: {
    api_key_id: number;
    hour: string;
    verified: number;
    denied: number;
  };
  key_events: {
    id: Generated<number>;
    user_id: number;
    api_key_id: number | null;
    type: string;
    payload: string;
    created_at: string;
  };
  audit_logs: {
    id: Generated<number>;
    user_id: number;
    api_key_id: number | null;
    action: string;
    api_route: string;
    args: string;
    ip_address: string | null;
    created_at: string;
  };
}
