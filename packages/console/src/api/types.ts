/**
 * The wire shapes the console reads. client.ts returns the SDK's answers as
 * these types, so the compiler checks them against the SDK's types, which are generated from
 * the server's OpenAPI document. Permission trees are looser here than in the SDK: the JSON
 * editor holds whatever the user types, and the server is the judge.
 */

import type {
  AccountPolicy,
  AuditLog,
  AuditLogFilter,
  CurrentUser,
  KeyEventType,
  KeyUsage,
  LatchkeyErrorCode,
  MyTeam,
  Session,
  Team,
  TeamInvitation,
  TeamMember,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from "@latchkey/sdk";

/** The SDK's own types, where the console needs nothing looser. */
export type {
  AccountPolicy,
  AuditLog,
  CurrentUser,
  KeyEventType,
  KeyUsage,
  MyTeam,
  Session,
  Team,
  TeamInvitation,
  TeamMember,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
} from "@latchkey/sdk";
export type AuditFilter = NonNullable<AuditLogFilter>;
export type DeliveryStatus = WebhookDelivery["status"];

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

export interface WebhookInput {
  url: string;
  description?: string;
  events?: KeyEventType[] | null;
  active?: boolean;
}

export interface CreateKeyInput {
  name: string;
  permissions?: PermissionTree | null;
  expires_at?: string | null;
}

/** A team role; `permissions` as loose as the editor's trees. */
export interface TeamRole {
  id: number;
  name: string;
  identifier: string;
  builtin: boolean;
  permissions: PermissionTree | null;
}

export interface RoleInput {
  name?: string;
  permissions?: PermissionTree | null;
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
  /** The signed-in person's teams and invitations (always through the personal session). */
  myTeams(): Promise<MyTeam[]>;
  myInvitations(): Promise<TeamInvitation[]>;
  acceptInvitation(id: number): Promise<unknown>;
  createTeam(name: string): Promise<Team>;
  /** Sets the HttpOnly team session cookie for that team, replacing the one there. */
  openTeamSession(teamId: number): Promise<unknown>;
  /** The team of the team context, and the other team routes. */
  getTeam(): Promise<Team>;
  listMembers(): Promise<TeamMember[]>;
  setMemberRole(id: number, roleId: number): Promise<TeamMember>;
  removeMember(id: number): Promise<unknown>;
  listInvitations(): Promise<TeamInvitation[]>;
  inviteMember(input: { email: string; role: string }): Promise<unknown>;
  revokeInvitation(id: number): Promise<unknown>;
  /** Every role but the owner's, with its tree. */
  listRoles(): Promise<TeamRole[]>;
  createRole(input: { name: string; permissions: PermissionTree | null }): Promise<TeamRole>;
  updateRole(id: number, input: RoleInput): Promise<TeamRole>;
  deleteRole(id: number): Promise<unknown>;
}

/** What the console shows of a failed call, whatever threw it. */
export interface ProblemInfo {
  status: number | undefined;
  code: LatchkeyErrorCode | undefined;
  msg: string;
  /** For invalid_permissions: a JSON Pointer to the offending node of the tree. */
  path: string | undefined;
}
