import type { Generated } from "kysely";

/**
 * The tables as Kysely sees them. Column names are snake_case, as in the wire format.
 *
 * Every time column (`*_at`, `hour`) is text in the stored form of core's instant.ts,
 * `YYYY-MM-DDTHH:mm:ss.sssZ`: fixed width, UTC, 1970-9999. Only in that form is text order
 * time order, which the queries' comparisons and ORDER BYs on these columns rely on; key
 * deadlines are checked on write (queries/storedTime.ts), the other times come from the
 * server's clock through toISOString.
 */
export interface Database {
  users: {
    id: Generated<number>;
    kind: Generated<string>;
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
    member_id: number | null;
    access_version: Generated<number>;
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
    dispatched_at: string | null;
  };
  webhooks: {
    id: Generated<number>;
    user_id: number;
    url: string;
    description: string;
    events: string | null;
    active: number;
    secret_ciphertext: string;
    secret_key_version: number;
    secret_last4: string;
    created_at: string;
    updated_at: string;
  };
  webhook_deliveries: {
    id: Generated<number>;
    webhook_id: number;
    user_id: number;
    source_event_id: number | null;
    event_id: string;
    event_type: string;
    body: string;
    status: string;
    attempts: number;
    next_attempt_at: string | null;
    lease_token: string | null;
    last_attempt_at: string | null;
    last_status_code: number | null;
    last_error: string | null;
    delivered_at: string | null;
    redelivery_of: number | null;
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
    /** Occurrences this row stands for: 1, or more for an aggregated refusal. */
    count: Generated<number>;
    aggregate_key: string | null;
  };
  teams: {
    id: number;
    name: string;
    created_at: string;
    deleted_at: string | null;
  };
  team_roles: {
    id: Generated<number>;
    team_id: number;
    name: string;
    builtin: string | null;
    permissions: string | null;
    created_at: string;
    updated_at: string;
  };
  team_members: {
    team_id: number;
    user_id: number;
    role_id: number;
    created_at: string;
  };
  team_invitations: {
    id: Generated<number>;
    team_id: number;
    email: string;
    role_id: number;
    token_hash: string;
    invited_by: number;
    created_at: string;
    expires_at: string;
    accepted_at: string | null;
    revoked_at: string | null;
  };
  verifier_connections: {
    id: string;
    verifier_id: number;
    node_id: string;
    connected_at: string;
    seen_at: string;
    ack_lag_ms: number | null;
  };
}
