import type { Generated } from "kysely";

/** The tables as Kysely sees them. Column names are snake_case, as in the wire format. */
export interface Database {
  users: {
    id: Generated<number>;
    email: string;
    password_hash: string;
    is_admin: number;
    created_at: string;
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
