import { backoffMs, mayRetry, parseRetryAfter } from "./backoff.js";
import { LatchkeyError } from "./latchkeyError.js";
import { redactBody, redactSecret } from "./redact.js";
import { type Env, type ResolvedCredentials, resolveCredentials } from "./resolveCredentials.js";
import type {
  AcceptInvitationResult,
  AccountPolicy,
  AccountPolicyInput,
  ApiKey,
  ApiKeyPage,
  ApiKeyPageQuery,
  ApiKeyWithSecret,
  AuditLog,
  AuditLogFilter,
  Catalogue,
  CreateApiKeyInput,
  CreateRoleInput,
  CreateTeamInput,
  CreateWebhookInput,
  CurrentUser,
  DestroyTeamResult,
  EndSessionsResult,
  InviteResult,
  KeyUsage,
  KeyUsageQuery,
  LeakReport,
  LeakReportAnswer,
  LoginInput,
  LoginResult,
  MyTeam,
  RemoveMemberResult,
  ResetApiKeyInput,
  ResetCurrentResult,
  Session,
  SetMemberRoleInput,
  SignUpResult,
  Success,
  Team,
  TeamInvitation,
  TeamKey,
  TeamMember,
  TeamRole,
  TeamSessionInput,
  TeamSessionResult,
  UpdateRoleInput,
  UpdateWebhookInput,
  Verdict,
  VerifierRecord,
  VerifierWithToken,
  VerifyInput,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryFilter,
  WebhookWithSecret,
} from "./types.js";

/** One HTTP call as the SDK makes it, with every secret redacted (for `latchkey --explain`). */
export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface LatchkeyOptions {
  /** The API key (or session key); else LATCHKEY_API_KEY, else the key file. */
  apiKey?: string;
  /** The server; else LATCHKEY_URL, else http://127.0.0.1:8080. "" is the page's own origin. */
  url?: string;
  /** Retries on 429/502/503/504 and network errors, with backoff honouring Retry-After. Default 2. */
  retries?: number;
  /** Time allowed for a whole call, retries included. Default 30000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** For the browser console: "same-origin" and no apiKey uses the session cookie. */
  credentials?: RequestCredentials;
  /**
   * With the session cookies: `"team"` sends `X-Latchkey-Account: team`, so that the server
   * reads the team session cookie (set by `openTeamSession({ set_cookie: true })`) instead of
   * the personal one. An apiKey (a Bearer header) always wins over both.
   */
  account?: "personal" | "team";
  /** Called before each HTTP attempt, with the bearer and body secrets redacted. */
  onRequest?: (info: RequestInfo) => void;
  /** Where LATCHKEY_* are read; defaults to process.env where it exists. */
  env?: Env;
}

/** Per-call options: they override the client's. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  retries?: number;
}

interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Whether the credential is sent; public routes (login, verify…) get none. */
  auth: boolean;
}

const DEFAULT_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 30_000;

const idPath = (id: number) => encodeURIComponent(String(id));

function networkCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function errorFrom(response: Response): Promise<LatchkeyError> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(await response.text());
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone must do.
  }
  const code = typeof body?.error === "string" ? body.error : `http_${response.status}`;
  const msg =
    typeof body?.msg === "string"
      ? body.msg
      : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new LatchkeyError({ status: response.status, code, msg, requestId, body, retryAfter });
}

/**
 * The Latchkey client: one method per route of the REST API, typed from the server's OpenAPI
 * document. Zero dependencies; works in Node (20+) and browsers.
 *
 * @example
 * import { Latchkey } from "@latchkey/sdk";
 * const client = new Latchkey(); // key from LATCHKEY_API_KEY or ~/.config/latchkey/api_key
 * const { key } = await client.createApiKey({ name: "ci", permissions: { api: { instance_read: {} } } });
 */
export class Latchkey {
  readonly #options: LatchkeyOptions;
  #resolved: Promise<ResolvedCredentials> | undefined;
  /** Set when this client reset its own key: later calls use the new secret. */
  #replacedKey: string | undefined;

  constructor(options: LatchkeyOptions = {}) {
    this.#options = { ...options };
  }

  /**
   * The key, its source and the URL this client uses (resolved once, on first use).
   *
   * @example
   * const { source, keyFile } = await client.resolved(); // "argument" | "env" | "file" | "none"
   */
  async resolved(): Promise<ResolvedCredentials> {
    this.#resolved ??= resolveCredentials({
      apiKey: this.#options.apiKey,
      url: this.#options.url,
      env: this.#options.env,
    });
    const resolved = await this.#resolved;
    return this.#replacedKey === undefined ? resolved : { ...resolved, apiKey: this.#replacedKey };
  }

  /**
   * Signs up (while sign-up is open; when closed, the client's key must be an administrator's).
   *
   * @example
   * await new Latchkey().signUp({ email: "ada@example.com", password: "correct horse battery" });
   */
  signUp(input: { email: string; password: string }, o?: CallOptions): Promise<SignUpResult> {
    return this.#call({ method: "POST", path: "/api/v0/users/", body: input, auth: true }, o);
  }

  /**
   * Logs in: returns a session key valid 7 days (or, with `set_cookie: true` in a browser, sets
   * it as an HttpOnly cookie and leaves it out of the answer).
   *
   * @example
   * const { session_key } = await new Latchkey().login({ email, password });
   * const client = new Latchkey({ apiKey: session_key });
   */
  login(input: LoginInput, o?: CallOptions): Promise<LoginResult> {
    return this.#call({ method: "POST", path: "/api/v0/auth/login/", body: input, auth: false }, o);
  }

  /**
   * Ends the calling session (session keys only).
   *
   * @example
   * await new Latchkey({ apiKey: session_key }).logout();
   */
  logout(o?: CallOptions): Promise<{ success: true; msg: string }> {
    return this.#call({ method: "POST", path: "/api/v0/auth/logout/", auth: true }, o);
  }

  /**
   * The account and the id of the calling key; never a secret.
   *
   * @example
   * const { email, key_id } = await client.currentUser();
   */
  currentUser(o?: CallOptions): Promise<CurrentUser> {
    return this.#call({ method: "GET", path: "/api/v0/users/current/", auth: true }, o);
  }

  /**
   * The account's live sessions (console and CLI logins).
   *
   * @example
   * for (const s of await client.listSessions()) console.log(s.id, s.name, s.current);
   */
  async listSessions(o?: CallOptions): Promise<Session[]> {
    const answer = await this.#call<{ sessions: Session[] }>(
      { method: "GET", path: "/api/v0/auth/sessions/", auth: true },
      o,
    );
    return answer.sessions;
  }

  /**
   * Ends one session.
   *
   * @example
   * await client.endSession(17);
   */
  endSession(id: number, o?: CallOptions): Promise<Success> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/auth/sessions/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /**
   * Ends every session but the calling one.
   *
   * @example
   * const { ended } = await client.endOtherSessions();
   */
  endOtherSessions(o?: CallOptions): Promise<EndSessionsResult> {
    return this.#call({ method: "DELETE", path: "/api/v0/auth/sessions/", auth: true }, o);
  }

  /**
   * Creates an API key. Without `permissions` it has full access. The secret is in `key` of this
   * answer only: store it now.
   *
   * @example
   * const created = await client.createApiKey({
   *   name: "dashboard",
   *   permissions: { api: { instance_read: {}, user_read: {} } },
   *   key_params: { ip_whitelist: ["10.0.0.0/8"] },
   * });
   * console.log(created.id, created.key);
   */
  createApiKey(input: CreateApiKeyInput, o?: CallOptions): Promise<ApiKeyWithSecret> {
    return this.#call(
      { method: "POST", path: "/api/v0/auth/apikeys/", body: input, auth: true },
      o,
    );
  }

  /**
   * The account's API keys (prefix and last four characters only, never a secret).
   *
   * @example
   * for (const k of await client.listApiKeys()) console.log(`${k.id} ${k.name} ${k.prefix}…${k.last4}`);
   */
  async listApiKeys(o?: CallOptions): Promise<ApiKey[]> {
    const answer = await this.#call<{ apikeys: ApiKey[] }>(
      { method: "GET", path: "/api/v0/auth/apikeys/", auth: true },
      o,
    );
    return answer.apikeys;
  }

  /**
   * Your own team keys in a team, from your personal key or session (what `createApiKey` with
   * `team_id` makes), whatever your role there says of user_read.
   *
   * @example
   * const mine = await client.listMyTeamKeys(12);
   */
  async listMyTeamKeys(teamId: number, o?: CallOptions): Promise<ApiKey[]> {
    const answer = await this.#call<{ apikeys: ApiKey[] }>(
      { method: "GET", path: "/api/v0/auth/apikeys/", query: { team_id: teamId }, auth: true },
      o,
    );
    return answer.apikeys;
  }

  /**
   * One page of the account's API keys, in id order: up to `limit` (default 100, at most 1000)
   * with an id above `after` (default 0). Pass `next_after` as the next call's `after`; it is
   * null on the last page. Keys created or deleted between pages never make a page skip or
   * repeat another key.
   *
   * @example
   * for (let after: number | null = 0; after !== null; ) {
   *   const page = await client.listApiKeysPage({ limit: 100, after });
   *   for (const k of page.apikeys) console.log(k.id, k.name);
   *   after = page.next_after;
   * }
   */
  async listApiKeysPage(page: ApiKeyPageQuery = {}, o?: CallOptions): Promise<ApiKeyPage> {
    // `after` is always sent: without `limit` and `after` the server answers every key at once.
    const answer = await this.#call<{ apikeys: ApiKey[]; next_after?: number | null }>(
      {
        method: "GET",
        path: "/api/v0/auth/apikeys/",
        query: { after: 0, ...page },
        auth: true,
      },
      o,
    );
    return { apikeys: answer.apikeys, next_after: answer.next_after ?? null };
  }

  /**
   * One API key.
   *
   * @example
   * const key = await client.getApiKey(42);
   */
  getApiKey(id: number, o?: CallOptions): Promise<ApiKey> {
    return this.#call(
      { method: "GET", path: `/api/v0/auth/apikeys/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /**
   * Deletes an API key: it gets 401 from the moment this returns.
   *
   * @example
   * await client.deleteApiKey(42);
   */
  deleteApiKey(id: number, o?: CallOptions): Promise<Success> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/auth/apikeys/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /**
   * Gives a key a new secret (same id, name and permissions); the old one gets 401 at once, or,
   * with `grace_seconds` (at most 7 days), when that window ends (`previous_expires_at`).
   *
   * @example
   * const { key } = await client.resetApiKey(42);
   * // The old secret keeps working for an hour while deployments pick up the new one:
   * const rotated = await client.resetApiKey(42, { grace_seconds: 3600 });
   * console.log(rotated.previous_expires_at);
   */
  resetApiKey(
    id: number,
    input: ResetApiKeyInput = {},
    o?: CallOptions,
  ): Promise<ApiKeyWithSecret> {
    return this.#call(
      {
        method: "POST",
        path: `/api/v0/auth/apikeys/${idPath(id)}/reset/`,
        ...(input.grace_seconds === undefined ? {} : { body: input }),
        auth: true,
      },
      o,
    );
  }

  /**
   * Ends a reset's grace window now: the key's previous secret gets 401 from the moment this
   * returns. Answers the key, with `previous_expires_at` null.
   *
   * @example
   * await client.endGraceWindow(42);
   */
  endGraceWindow(id: number, o?: CallOptions): Promise<ApiKey> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/auth/apikeys/${idPath(id)}/previous/`, auth: true },
      o,
    );
  }

  /**
   * A key's verified and denied requests per hour over the last `hours` (default a week).
   * Hours without requests are left out.
   *
   * @example
   * const { totals, hours } = await client.apiKeyUsage(42, { hours: 24 });
   * console.log(`${totals.verified} verified, ${totals.denied} denied today`);
   */
  apiKeyUsage(id: number, query: KeyUsageQuery = {}, o?: CallOptions): Promise<KeyUsage> {
    return this.#call(
      {
        method: "GET",
        path: `/api/v0/auth/apikeys/${idPath(id)}/usage/`,
        query: { ...query },
        auth: true,
      },
      o,
    );
  }

  /**
   * Resets the key this client is using (Vast's `{"client_id": "me"}` form). This client goes
   * on with the new secret; save it where the old one was kept.
   *
   * @example
   * const { new_api_key } = await client.resetCurrentApiKey();
   */
  async resetCurrentApiKey(o?: CallOptions): Promise<ResetCurrentResult> {
    const answer = await this.#call<ResetCurrentResult>(
      {
        method: "PUT",
        path: "/api/v0/commands/reset_apikey/",
        body: { client_id: "me" },
        auth: true,
      },
      o,
    );
    this.#replacedKey = answer.new_api_key;
    return answer;
  }

  /**
   * The account's key lifecycle policy: maximum lifetime of new keys, expiry reminders and
   * revocation of unused keys, each a number of days or null (off).
   *
   * @example
   * const { max_key_lifetime_days } = await client.accountPolicy();
   */
  accountPolicy(o?: CallOptions): Promise<AccountPolicy> {
    return this.#call({ method: "GET", path: "/api/v0/users/current/policy/", auth: true }, o);
  }

  /**
   * Changes the account's lifecycle policy. Fields left out keep their value; null turns a
   * rule off. Answers the whole policy as it now is.
   *
   * @example
   * await client.updateAccountPolicy({ max_key_lifetime_days: 90, expiry_reminder_days: 7 });
   */
  updateAccountPolicy(input: AccountPolicyInput, o?: CallOptions): Promise<AccountPolicy> {
    return this.#call(
      { method: "PUT", path: "/api/v0/users/current/policy/", body: input, auth: true },
      o,
    );
  }

  /**
   * The account's audit log, newest first: creates, resets, deletes and denied uses.
   *
   * @example
   * const denied = await client.auditLogs({ action: "api_key.denied", limit: 20 });
   */
  async auditLogs(filter: AuditLogFilter = {}, o?: CallOptions): Promise<AuditLog[]> {
    const answer = await this.#call<{ audit_logs: AuditLog[] }>(
      { method: "GET", path: "/api/v0/audit_logs/", query: { ...filter }, auth: true },
      o,
    );
    return answer.audit_logs;
  }

  /**
   * The permission categories, every route a tree can name, and the presets. Public.
   *
   * @example
   * const { categories, presets } = await client.permissionCatalogue();
   */
  permissionCatalogue(o?: CallOptions): Promise<Catalogue> {
    return this.#call({ method: "GET", path: "/api/v0/permissions/", auth: false }, o);
  }

  /**
   * Asks the server whether `key` may call a category or a named route with these parameters.
   * Needs no credential; the answer is a verdict, not an error, for every well-formed request.
   *
   * @example
   * const verdict = await client.verify({
   *   key: presented,
   *   route: "api.instance.reboot",
   *   params: { id: 1227 },
   *   ip: request.ip,
   * });
   * if (!verdict.valid) console.log(verdict.code); // "FORBIDDEN", "NOT_FOUND"…
   */
  verify(input: VerifyInput, o?: CallOptions): Promise<Verdict> {
    return this.#call(
      { method: "POST", path: "/api/v0/auth/verify/", body: input, auth: false },
      o,
    );
  }

  /**
   * Reports secrets found where they should not be (a public repository, a paste). Each live
   * key among them is revoked at once and its owner told (audit log, key.leaked webhook). Needs
   * no credential; the answer is the same whether any secret was valid or not.
   *
   * @example
   * await new Latchkey({ url }).reportLeak({ secrets: [found], url: "https://github.com/o/r/blob/main/.env" });
   */
  reportLeak(input: LeakReport, o?: CallOptions): Promise<LeakReportAnswer> {
    return this.#call(
      { method: "POST", path: "/api/v0/auth/apikeys/report-leak/", body: input, auth: false },
      o,
    );
  }

  /**
   * Makes a verifier credential for a service that verifies keys in-process (`Verifier`). The
   * token is in `token` of this answer only: give it to the service (it can open the
   * revocation stream and verify keys, nothing else). Needs `user_write`.
   *
   * @example
   * const { token } = await client.createVerifier({ name: "billing service" });
   */
  createVerifier(input: { name: string }, o?: CallOptions): Promise<VerifierWithToken> {
    return this.#call({ method: "POST", path: "/api/v0/verifiers/", body: input, auth: true }, o);
  }

  /**
   * The account's verifier credentials, whether each is connected, to which node, since when,
   * and how far behind its acknowledgements are (never a token).
   *
   * @example
   * for (const v of await client.listVerifiers()) console.log(v.name, v.connected, v.ack_lag_ms);
   */
  async listVerifiers(o?: CallOptions): Promise<VerifierRecord[]> {
    const answer = await this.#call<{ verifiers: VerifierRecord[] }>(
      { method: "GET", path: "/api/v0/verifiers/", auth: true },
      o,
    );
    return answer.verifiers;
  }

  /**
   * Deletes a verifier credential: its streams end on every node before this returns, and its
   * token is refused from then on (the services using it verify through the API again).
   *
   * @example
   * await client.deleteVerifier(4);
   */
  deleteVerifier(id: number, o?: CallOptions): Promise<Success> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/verifiers/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /**
   * Registers a webhook endpoint for the account's key events. The signing secret is in
   * `secret` of this answer only: store it with the receiver, which checks each request with
   * `verifyWebhookSignature`.
   *
   * @example
   * const hook = await client.createWebhook({
   *   url: "https://example.com/hooks/latchkey",
   *   events: ["key.leaked", "key.expiring"],
   * });
   * saveSecret(hook.secret);
   */
  createWebhook(input: CreateWebhookInput, o?: CallOptions): Promise<WebhookWithSecret> {
    return this.#call({ method: "POST", path: "/api/v0/webhooks/", body: input, auth: true }, o);
  }

  /**
   * The account's webhook endpoints (never their secrets).
   *
   * @example
   * for (const h of await client.listWebhooks()) console.log(h.id, h.url, h.events ?? "all");
   */
  async listWebhooks(o?: CallOptions): Promise<Webhook[]> {
    const answer = await this.#call<{ webhooks: Webhook[] }>(
      { method: "GET", path: "/api/v0/webhooks/", auth: true },
      o,
    );
    return answer.webhooks;
  }

  /**
   * One webhook endpoint.
   *
   * @example
   * const hook = await client.getWebhook(3);
   */
  getWebhook(id: number, o?: CallOptions): Promise<Webhook> {
    return this.#call({ method: "GET", path: `/api/v0/webhooks/${idPath(id)}/`, auth: true }, o);
  }

  /**
   * Changes an endpoint's URL, events, description or whether it is active; fields left out
   * keep their value. `events: null` subscribes to every key event.
   *
   * @example
   * await client.updateWebhook(3, { active: false }); // pause it
   */
  updateWebhook(id: number, input: UpdateWebhookInput, o?: CallOptions): Promise<Webhook> {
    return this.#call(
      { method: "PUT", path: `/api/v0/webhooks/${idPath(id)}/`, body: input, auth: true },
      o,
    );
  }

  /**
   * Deletes an endpoint, its delivery log and its pending deliveries.
   *
   * @example
   * await client.deleteWebhook(3);
   */
  deleteWebhook(id: number, o?: CallOptions): Promise<Success> {
    return this.#call({ method: "DELETE", path: `/api/v0/webhooks/${idPath(id)}/`, auth: true }, o);
  }

  /**
   * An endpoint's delivery log, newest first: status, attempts, last answer or error, next
   * attempt and the body sent.
   *
   * @example
   * const failed = await client.listWebhookDeliveries(3, { status: "failed" });
   */
  async listWebhookDeliveries(
    id: number,
    filter: WebhookDeliveryFilter = {},
    o?: CallOptions,
  ): Promise<WebhookDelivery[]> {
    const answer = await this.#call<{ deliveries: WebhookDelivery[] }>(
      {
        method: "GET",
        path: `/api/v0/webhooks/${idPath(id)}/deliveries/`,
        query: { ...filter },
        auth: true,
      },
      o,
    );
    return answer.deliveries;
  }

  /**
   * Sends a delivery's event again, as a new delivery with the same event id.
   *
   * @example
   * const again = await client.redeliverWebhookDelivery(3, failed[0].id);
   */
  redeliverWebhookDelivery(
    id: number,
    deliveryId: number,
    o?: CallOptions,
  ): Promise<WebhookDelivery> {
    return this.#call(
      {
        method: "POST",
        path: `/api/v0/webhooks/${idPath(id)}/deliveries/${idPath(deliveryId)}/redeliver/`,
        auth: true,
      },
      o,
    );
  }

  /**
   * Sends a signed `ping` event to the endpoint; answers with the queued delivery.
   *
   * @example
   * const ping = await client.testWebhook(3);
   */
  testWebhook(id: number, o?: CallOptions): Promise<WebhookDelivery> {
    return this.#call(
      { method: "POST", path: `/api/v0/webhooks/${idPath(id)}/test/`, auth: true },
      o,
    );
  }

  // ---- teams (docs/teams.md) ----

  /**
   * Creates a team owned by the caller. An API key that calls this becomes the owner's team
   * key (its later requests act on the team), as with Vast; a session stays personal.
   *
   * @example
   * const team = await client.createTeam({ team_name: "Acme" });
   */
  createTeam(input: CreateTeamInput, o?: CallOptions): Promise<Team> {
    return this.#call({ method: "POST", path: "/api/v0/team/", body: input, auth: true }, o);
  }

  /** The team a team credential acts on, and the caller's role in it. */
  getTeam(o?: CallOptions): Promise<Team> {
    return this.#call({ method: "GET", path: "/api/v0/team/", auth: true }, o);
  }

  /** Renames the team. */
  renameTeam(teamName: string, o?: CallOptions): Promise<Team> {
    return this.#call(
      { method: "PUT", path: "/api/v0/team/", body: { team_name: teamName }, auth: true },
      o,
    );
  }

  /**
   * Destroys the team (owner only): its keys stop working everywhere at once; the calling API
   * key becomes the owner's personal key again.
   */
  destroyTeam(o?: CallOptions): Promise<DestroyTeamResult> {
    return this.#call({ method: "DELETE", path: "/api/v0/team/", auth: true }, o);
  }

  /**
   * Invites an email with a role (a name or id) within the caller's rights. Answers the
   * invitation and its token, which only the person invited can accept with.
   *
   * @example
   * const { token } = await client.inviteMember({ email: "ana@example.com", role: "member" });
   */
  inviteMember(input: { email: string; role: string }, o?: CallOptions): Promise<InviteResult> {
    return this.#call({ method: "POST", path: "/api/v0/team/invite/", body: input, auth: true }, o);
  }

  /** The team's pending invitations, newest first. */
  async listInvitations(o?: CallOptions): Promise<TeamInvitation[]> {
    const answer = await this.#call<{ invitations: TeamInvitation[] }>(
      { method: "GET", path: "/api/v0/team/invitations/", auth: true },
      o,
    );
    return answer.invitations;
  }

  /** Revokes a pending invitation. */
  revokeInvitation(id: number, o?: CallOptions): Promise<Success> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/team/invitations/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /** The pending invitations sent to the calling person's email, in every team. */
  async myInvitations(o?: CallOptions): Promise<TeamInvitation[]> {
    const answer = await this.#call<{ invitations: TeamInvitation[] }>(
      { method: "GET", path: "/api/v0/users/current/invitations/", auth: true },
      o,
    );
    return answer.invitations;
  }

  /**
   * Accepts an invitation by its token or its id, with the invited person's own key or session.
   *
   * @example
   * const [first] = await client.myInvitations();
   * await client.acceptInvitation(first.id);
   */
  acceptInvitation(tokenOrId: string | number, o?: CallOptions): Promise<AcceptInvitationResult> {
    return this.#call(
      {
        method: "POST",
        path: `/api/v0/team/invitations/${encodeURIComponent(String(tokenOrId))}/accept/`,
        auth: true,
      },
      o,
    );
  }

  /**
   * Opens a team session (a Latchkey extension): from your personal session or key, a session
   * of the team's account that is yours as a member, with your current role's rights. With
   * `set_cookie: true` in a browser it becomes the HttpOnly team cookie that a client made with
   * `account: "team"` uses; otherwise the answer carries `session_key`.
   *
   * @example
   * const { session_key } = await client.openTeamSession({ team_id: 12 });
   * const team = new Latchkey({ apiKey: session_key });
   */
  openTeamSession(input: TeamSessionInput, o?: CallOptions): Promise<TeamSessionResult> {
    return this.#call(
      { method: "POST", path: "/api/v0/auth/sessions/team/", body: input, auth: true },
      o,
    );
  }

  /** The teams the calling person belongs to, with their role in each. */
  async myTeams(o?: CallOptions): Promise<MyTeam[]> {
    const answer = await this.#call<{ teams: MyTeam[] }>(
      { method: "GET", path: "/api/v0/users/current/teams/", auth: true },
      o,
    );
    return answer.teams;
  }

  /** The team's members, each with their role. */
  listMembers(o?: CallOptions): Promise<TeamMember[]> {
    return this.#call({ method: "GET", path: "/api/v0/team/members/", auth: true }, o);
  }

  /** Removes a member: all their team keys and sessions stop working at once. */
  removeMember(id: number, o?: CallOptions): Promise<RemoveMemberResult> {
    return this.#call(
      { method: "DELETE", path: `/api/v0/team/members/${idPath(id)}/`, auth: true },
      o,
    );
  }

  /** Gives a member another role; their keys have its rights from their next request on. */
  async setMemberRole(id: number, role: SetMemberRoleInput, o?: CallOptions): Promise<TeamMember> {
    const answer = await this.#call<{ member: TeamMember }>(
      { method: "PUT", path: `/api/v0/team/members/${idPath(id)}/roles/`, body: role, auth: true },
      o,
    );
    return answer.member;
  }

  /** The names of the team's roles, owner included. */
  listRoleNames(o?: CallOptions): Promise<string[]> {
    return this.#call({ method: "GET", path: "/api/v0/team/roles/", auth: true }, o);
  }

  /** The team's roles with their permissions, the owner's excluded. */
  listRoles(o?: CallOptions): Promise<TeamRole[]> {
    return this.#call({ method: "GET", path: "/api/v0/team/roles-full/", auth: true }, o);
  }

  /** One role, by name (any case) or id. */
  getRole(nameOrId: string | number, o?: CallOptions): Promise<TeamRole> {
    return this.#call(
      {
        method: "GET",
        path: `/api/v0/team/roles/${encodeURIComponent(String(nameOrId))}/`,
        auth: true,
      },
      o,
    );
  }

  /**
   * Creates a role within the caller's own rights.
   *
   * @example
   * await client.createRole({ name: "ci", permissions: { api: { instance_read: {} } } });
   */
  async createRole(input: CreateRoleInput, o?: CallOptions): Promise<TeamRole> {
    const answer = await this.#call<{ role: TeamRole }>(
      { method: "POST", path: "/api/v0/team/roles/", body: input, auth: true },
      o,
    );
    return answer.role;
  }

  /** Renames a role or replaces its tree; members holding it get the new rights at once. */
  async updateRole(
    nameOrId: string | number,
    input: UpdateRoleInput,
    o?: CallOptions,
  ): Promise<TeamRole> {
    const answer = await this.#call<{ role: TeamRole }>(
      {
        method: "PUT",
        path: `/api/v0/team/roles/${encodeURIComponent(String(nameOrId))}/`,
        body: input,
        auth: true,
      },
      o,
    );
    return answer.role;
  }

  /** Removes a role no member holds (409 role_in_use otherwise). */
  deleteRole(nameOrId: string | number, o?: CallOptions): Promise<Success> {
    return this.#call(
      {
        method: "DELETE",
        path: `/api/v0/team/roles/${encodeURIComponent(String(nameOrId))}/`,
        auth: true,
      },
      o,
    );
  }

  /** Makes a manager the owner (owner only); the old owner becomes a manager. */
  async transferTeam(newOwnerId: number, o?: CallOptions): Promise<TeamMember> {
    const answer = await this.#call<{ owner: TeamMember }>(
      {
        method: "PUT",
        path: "/api/v0/team/transfer/",
        body: { new_team_owner_id: newOwnerId },
        auth: true,
      },
      o,
    );
    return answer.owner;
  }

  /** Every member's team keys, with member and role; never a secret. */
  listTeamKeys(o?: CallOptions): Promise<TeamKey[]> {
    return this.#call({ method: "GET", path: "/api/v0/team/apikeys/", auth: true }, o);
  }

  async #call<T>(call: Call, o: CallOptions = {}): Promise<T> {
    const resolved = await this.resolved();
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) query.set(name, String(value));
    }
    const search = query.toString();
    const url = `${resolved.url}${call.path}${search === "" ? "" : `?${search}`}`;
    const headers: Record<string, string> = { accept: "application/json" };
    const shown: Record<string, string> = { accept: "application/json" };
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      shown["content-type"] = "application/json";
    }
    if (call.auth && this.#options.account !== undefined) {
      headers["x-latchkey-account"] = this.#options.account;
      shown["x-latchkey-account"] = this.#options.account;
    }
    if (call.auth && resolved.apiKey !== undefined) {
      headers.authorization = `Bearer ${resolved.apiKey}`;
      shown.authorization = `Bearer ${redactSecret(resolved.apiKey)}`;
    }
    const retries = o.retries ?? this.#options.retries ?? DEFAULT_RETRIES;
    const timeoutMs = o.timeoutMs ?? this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    o.signal?.addEventListener("abort", onAbort, { once: true });
    if (o.signal?.aborted) controller.abort();
    const stopped = (cause: unknown) =>
      timedOut
        ? new LatchkeyError({
            status: 0,
            code: "timeout",
            msg: `${call.method} ${call.path} took longer than ${timeoutMs} ms.`,
            cause,
          })
        : new LatchkeyError({
            status: 0,
            code: "aborted",
            msg: `${call.method} ${call.path} was aborted.`,
            cause: o.signal?.reason ?? cause,
          });
    const doFetch = this.#options.fetch ?? globalThis.fetch;
    const init: RequestInit = {
      method: call.method,
      headers,
      signal: controller.signal,
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      ...(this.#options.credentials === undefined
        ? {}
        : { credentials: this.#options.credentials }),
    };
    const shownBody = call.body === undefined ? {} : { body: redactBody(call.body) };
    try {
      for (let attempt = 0; ; attempt++) {
        this.#options.onRequest?.({
          method: call.method,
          url,
          headers: { ...shown },
          ...shownBody,
        });
        let failure: LatchkeyError;
        let retryable: boolean;
        try {
          const response = await doFetch(url, init);
          if (response.ok) {
            const text = await response.text();
            return (text === "" ? {} : JSON.parse(text)) as T;
          }
          failure = await errorFrom(response);
          retryable = mayRetry(call.method, { status: response.status });
        } catch (err) {
          if (controller.signal.aborted) throw stopped(err);
          if (err instanceof SyntaxError) {
            throw new LatchkeyError({
              status: 0,
              code: "invalid_response",
              msg: `${call.method} ${call.path} answered something that is not JSON.`,
              cause: err,
            });
          }
          const code = networkCode(err);
          failure = new LatchkeyError({
            status: 0,
            code: "network_error",
            msg: `Cannot reach ${resolved.url || "the server"}${code ? ` (${code})` : ""}.`,
            cause: err,
          });
          retryable = mayRetry(call.method, { networkCode: code });
        }
        if (!retryable || attempt >= retries) throw failure;
        const delay =
          failure.retryAfter !== undefined ? failure.retryAfter * 1000 : backoffMs(attempt);
        // Waiting past the deadline would only end in a timeout; the real answer says more.
        if (Date.now() + delay >= deadline) throw failure;
        try {
          await sleep(delay, controller.signal);
        } catch (err) {
          throw stopped(err);
        }
      }
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener("abort", onAbort);
    }
  }
}
