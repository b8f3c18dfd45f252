/**
 * The wire shapes the console reads (DESIGN.md §2). client.ts returns the SDK's answers as
 * these types, so the compiler checks them against the SDK's types, which are generated from
 * the server's OpenAPI document. Permission trees are looser here than in the SDK: the JSON
 * editor holds whatever the user types, and the server is the judge.
 */

/** Vast's permission tree; `null` is full access. */
export interface PermissionTree {
  api: Record<string, Record<string, unknown>>;
}

export interface ApiKey {
  id: number;
  user_id: number;
  name: string;
  permissions: PermissionTree | null;
  key_params: unknown;
  prefix: string;
  last4: string;
  created_at: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  expires_at: string | null;
  /** After a reset with a grace window: until when the old value still works. */
  previous_expires_at: string | null;
}

/** A key as create and reset answer it: the only time `key` (the secret) is seen. */
export interface ApiKeyWithSecret extends ApiKey {
  key: string;
}

export interface Session {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  last_used_ip: string | null;
  expires_at: string | null;
  current: boolean;
}

export interface AuditLog {
  id: number;
  action: string;
  api_key_id: number | null;
  api_route: string;
  args: unknown;
  ip_address: string | null;
  created_at: string;
}

export interface AuditFilter {
  action?: string;
  api_key_id?: number;
  before?: number;
  limit?: number;
}

export interface CurrentUser {
  id: number;
  email: string;
  key_id: number;
  created_at: string;
}

export interface CatalogueRoute {
  method: string;
  path: string;
  name: string;
  summary: string;
}

export interface Catalogue {
  categories: { name: string; description: string; routes: CatalogueRoute[] }[];
  presets: {
    name: string;
    label: string;
    description: string;
    permissions: PermissionTree | null;
  }[];
}

/** A key's verified and denied requests per hour (hours without requests are left out). */
export interface KeyUsage {
  key_id: number;
  from: string;
  to: string;
  totals: { verified: number; denied: number };
  hours: { hour: string; verified: number; denied: number }[];
}

/** The account's key lifecycle policy: each rule a number of days, or null (off). */
export interface AccountPolicy {
  max_key_lifetime_days: number | null;
  expiry_reminder_days: number | null;
  revoke_unused_after_days: number | null;
}

/** The key events a webhook endpoint can receive. */
export type KeyEventType =
  | "key.created"
  | "key.reset"
  | "key.deleted"
  | "key.expiring"
  | "key.expired"
  | "key.leaked"
  | "key.unused";

/** A webhook endpoint, never its signing secret; `events: null` is every key event. */
export interface Webhook {
  id: number;
  url: string;
  description: string;
  events: KeyEventType[] | null;
  active: boolean;
  secret_last4: string;
  created_at: string;
  updated_at: string;
}

/** An endpoint as create answers it: the only time `secret` is seen. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface WebhookInput {
  url: string;
  description?: string;
  events?: KeyEventType[] | null;
  active?: boolean;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** One event queued for one endpoint, with what happened to it. */
export interface WebhookDelivery {
  id: number;
  webhook_id: number;
  event_id: string;
  event_type: KeyEventType | "ping";
  status: DeliveryStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
  redelivery_of: number | null;
  created_at: string;
  payload: { id: string; type: string; created_at: string; data: Record<string, unknown> };
}

export interface CreateKeyInput {
  name: string;
  permissions?: PermissionTree | null;
  expires_at?: string | null;
}

/** Everything the console asks of the server; one implementation, in client.ts. */
export interface ConsoleApi {
  signUp(input: { email: string; password: string }): Promise<unknown>;
  login(input: { email: string; password: string }): Promise<unknown>;
  logout(): Promise<unknown>;
  currentUser(): Promise<CurrentUser>;
  listSessions(): Promise<Session[]>;
  endSession(id: number): Promise<unknown>;
  endOtherSessions(): Promise<unknown>;
  createApiKey(input: CreateKeyInput): Promise<ApiKeyWithSecret>;
  listApiKeys(): Promise<ApiKey[]>;
  deleteApiKey(id: number): Promise<unknown>;
  /** With `graceSeconds` > 0 the old value keeps working that long. */
  resetApiKey(id: number, graceSeconds: number): Promise<ApiKeyWithSecret>;
  /** Ends a reset's grace window now: the old value is refused from then on. */
  endGraceWindow(id: number): Promise<ApiKey>;
  apiKeyUsage(id: number, hours: number): Promise<KeyUsage>;
  accountPolicy(): Promise<AccountPolicy>;
  updateAccountPolicy(input: Partial<AccountPolicy>): Promise<AccountPolicy>;
  listWebhooks(): Promise<Webhook[]>;
  createWebhook(input: WebhookInput): Promise<WebhookWithSecret>;
  updateWebhook(id: number, input: Partial<WebhookInput>): Promise<Webhook>;
  deleteWebhook(id: number): Promise<unknown>;
  /** Queues a signed ping to the endpoint. */
  testWebhook(id: number): Promise<WebhookDelivery>;
  webhookDeliveries(id: number, filter: { status?: DeliveryStatus }): Promise<WebhookDelivery[]>;
  redeliver(id: number, deliveryId: number): Promise<WebhookDelivery>;
  auditLogs(filter: AuditFilter): Promise<AuditLog[]>;
  permissionCatalogue(): Promise<Catalogue>;
}

/** What the console shows of a failed call, whatever threw it. */
export interface ProblemInfo {
  status: number | undefined;
  code: string | undefined;
  msg: string;
  /** For invalid_permissions: a JSON Pointer to the offending node of the tree. */
  path: string | undefined;
}
