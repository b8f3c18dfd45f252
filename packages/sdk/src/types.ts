import type { components, paths } from "./openapi.gen.js";

/**
 * The SDK's public types, taken from the types generated from the server's OpenAPI document
 * (openapi.gen.ts), so a change of the wire shapes shows up here as a compile error.
 */

type Schemas = components["schemas"];
type Method = "get" | "post" | "put" | "delete";

/** The JSON body of a route's 200 answer, as the OpenAPI document describes it. */
export type ResponseOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

/** The JSON body a route accepts. */
export type RequestOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer T } };
}
  ? T
  : never;

export type Category = Schemas["Catalogue"]["categories"][number]["name"];

/** One parameter's constraint: every operator given must hold. */
export interface Constraint {
  eq?: number | string | boolean;
  lte?: number;
  gte?: number;
}

/** A grant of one route (or `*`, the category's routes not named beside it). */
export interface RouteGrant {
  constraints?: Record<string, Constraint>;
}

/**
 * Vast's permission tree, `{"api": {<category>: <rule>}}`. `{}` as a rule grants the whole
 * category. Stricter than the document's schema, which leaves rules open; a type test checks
 * that every tree of this type is one the document accepts.
 */
export interface PermissionTree {
  api: Partial<Record<Category, Record<string, RouteGrant>>>;
}

type WithTree<T> = Omit<T, "permissions"> & { permissions: PermissionTree | null };

export type KeyParams = NonNullable<Schemas["KeyParams"]>;
/** An API key as listed: never its secret. `permissions: null` is full access. */
export type ApiKey = WithTree<Schemas["ApiKey"]>;
/** An API key with its secret (`key`), as create and reset return it, once. */
export type ApiKeyWithSecret = WithTree<Schemas["ApiKeyWithSecret"]>;
export type Session = Schemas["Session"];
export type AuditLog = Schemas["AuditLog"];
export type ErrorBody = Schemas["ErrorBody"];
/** The server's error codes. */
export type ErrorCode = ErrorBody["error"];
export type Preset = WithTree<Schemas["Catalogue"]["presets"][number]>;
export type CatalogueRoute = Schemas["Catalogue"]["categories"][number]["routes"][number];
/** The categories with the routes each grants, and the presets. */
export type Catalogue = Omit<Schemas["Catalogue"], "presets"> & { presets: Preset[] };

export type SignUpResult = ResponseOf<"/api/v0/users/", "post">;
export type LoginInput = RequestOf<"/api/v0/auth/login/", "post">;
export type LoginResult = ResponseOf<"/api/v0/auth/login/", "post">;
export type TeamSessionInput = RequestOf<"/api/v0/auth/sessions/team/", "post">;
export type TeamSessionResult = ResponseOf<"/api/v0/auth/sessions/team/", "post">;
export type CurrentUser = ResponseOf<"/api/v0/users/current/", "get">;
export type Success = ResponseOf<"/api/v0/auth/apikeys/{id}/", "delete">;
export type EndSessionsResult = ResponseOf<"/api/v0/auth/sessions/", "delete">;
export type ResetCurrentResult = ResponseOf<"/api/v0/commands/reset_apikey/", "put">;
/** What `resetApiKey` takes: `grace_seconds` keeps the old secret working (at most 7 days). */
export type ResetApiKeyInput = NonNullable<RequestOf<"/api/v0/auth/apikeys/{id}/reset/", "post">>;
/** A key's verified and denied requests per hour; hours without requests are left out. */
export type KeyUsage = ResponseOf<"/api/v0/auth/apikeys/{id}/usage/", "get">;
/** How far back `apiKeyUsage` looks, in hours (1 to 2160; default 168, a week). */
export type KeyUsageQuery = NonNullable<
  paths["/api/v0/auth/apikeys/{id}/usage/"]["get"]["parameters"]["query"]
>;
/** The account's key lifecycle policy; `null` turns a rule off. */
export type AccountPolicy = ResponseOf<"/api/v0/users/current/policy/", "get">;
/** What `updateAccountPolicy` takes: fields left out keep their value. */
export type AccountPolicyInput = RequestOf<"/api/v0/users/current/policy/", "put">;
/** What `listApiKeysPage` takes: up to `limit` keys (1 to 1000, default 100) with an id above `after`. */
export type ApiKeyPageQuery = NonNullable<
  paths["/api/v0/auth/apikeys/"]["get"]["parameters"]["query"]
>;
/** One page of the account's API keys; `next_after` is the next page's `after`, null on the last. */
export interface ApiKeyPage {
  apikeys: ApiKey[];
  next_after: number | null;
}
export type AuditLogFilter = NonNullable<
  paths["/api/v0/audit_logs/"]["get"]["parameters"]["query"]
>;

/** What `createApiKey` takes; `key_params` may also be a JSON string, as Vast's CLI sends it. */
export interface CreateApiKeyInput {
  name: string;
  /** Omitted or null: full access. */
  permissions?: PermissionTree | null;
  key_params?: KeyParams | string | null;
  /**
   * When the key stops working: an RFC 3339 date-time with its zone, e.g.
   * `2027-01-31T00:00:00Z`, in 1970-9999 (the server answers a 400 otherwise).
   */
  expires_at?: string | null;
  /**
   * Makes a team key: the id of a team you belong to (from your personal key or session). Its
   * rights are `permissions` cut to your role in the team, on every request.
   */
  team_id?: number;
}

/** The verification API's answer (HTTP 200 for every well-formed request). */
export type Verdict = WithTree<Schemas["Verdict"]>;
/** VALID, NOT_FOUND, EXPIRED, REVOKED, FORBIDDEN, IP_NOT_ALLOWED or RATE_LIMITED. */
export type VerdictCode = Verdict["code"];

/**
 * What `verify` asks: may this key call this category and/or catalogued route with these
 * parameters, from this IP address?
 */
export type VerifyInput = RequestOf<"/api/v0/auth/verify/", "post">;

/** A webhook endpoint (never its signing secret). `events: null` is every key event. */
export type Webhook = Schemas["Webhook"];
/** A webhook endpoint with its signing secret (`secret`), as create returns it, once. */
export type WebhookWithSecret = Schemas["WebhookWithSecret"];
/** A verifier credential as listed: its streams, the node of each, acknowledgement lag. */
export type VerifierRecord = Schemas["Verifier"];
/** A new verifier credential with its token (`token`), as create returns it, once. */
export type VerifierWithToken = Schemas["VerifierWithToken"];
/** One event queued for one endpoint: status, attempts, last answer or error, next attempt. */
export type WebhookDelivery = Schemas["WebhookDelivery"];
/** key.created, key.reset, key.deleted, key.expiring, key.expired, key.leaked or key.unused. */
export type KeyEventType = Schemas["KeyEventType"];
/** What a webhook request can carry: a key event, or the ping of a test. */
export type WebhookEventType = KeyEventType | "ping";
export type CreateWebhookInput = RequestOf<"/api/v0/webhooks/", "post">;
/** Fields left out keep their value. */
export type UpdateWebhookInput = RequestOf<"/api/v0/webhooks/{id}/", "put">;
export type WebhookDeliveryFilter = NonNullable<
  paths["/api/v0/webhooks/{id}/deliveries/"]["get"]["parameters"]["query"]
>;
/** Secrets found somewhere public, and where. */
export type LeakReport = RequestOf<"/api/v0/auth/apikeys/report-leak/", "post">;
/** The same for every report, whether any secret was valid or not. */
export type LeakReportAnswer = paths["/api/v0/auth/apikeys/report-leak/"]["post"] extends {
  responses: { 202: { content: { "application/json": infer T } } };
}
  ? T
  : never;

/**
 * The JSON body of a webhook request, once its signature is verified. `data.key` describes
 * the key (id, name, prefix, last4, expires_at, last_used_at), never its secret; other fields
 * depend on the type (e.g. `url` for key.leaked, `grace_until` for key.reset).
 */
export interface WebhookEvent {
  /** The same as the Latchkey-Event-Id header: deduplicate on it. */
  id: string;
  type: WebhookEventType;
  created_at: string;
  data: Record<string, unknown>;
}

/** A team, as the team routes answer it (`role`: the caller's). */
export type Team = Schemas["Team"];
/** A member: `id` is their person account's id; `roles` is a list of one. */
export type TeamMember = Schemas["TeamMember"];
/** A role: a name and a permission tree in the key format; null is full access (the owner's). */
export type TeamRole = WithTree<Schemas["TeamRole"]>;
export type TeamInvitation = Schemas["TeamInvitation"];
/** A team's API key as the team's key list shows it: never a secret. */
export type TeamKey = Schemas["TeamKey"];
/** What `createTeam` takes; `transfer_credit` other than 0 is refused (Latchkey holds no credit). */
export type CreateTeamInput = RequestOf<"/api/v0/team/", "post">;
export type DestroyTeamResult = ResponseOf<"/api/v0/team/", "delete">;
/** An invitation and its token, which only the person invited may accept with; shown once. */
export type InviteResult = ResponseOf<"/api/v0/team/invite/", "post">;
export type AcceptInvitationResult = ResponseOf<"/api/v0/team/invitations/{token}/accept/", "post">;
export type RemoveMemberResult = ResponseOf<"/api/v0/team/members/{id}/", "delete">;
/** `role_id`, or `role` (a role's name). */
export type SetMemberRoleInput = { role_id: number } | { role: string };
export interface CreateRoleInput {
  name: string;
  permissions: PermissionTree;
}
export interface UpdateRoleInput {
  name?: string;
  permissions?: PermissionTree;
}
/** One of the calling person's teams, with their role in it. */
export type MyTeam = ResponseOf<"/api/v0/users/current/teams/", "get">["teams"][number];
