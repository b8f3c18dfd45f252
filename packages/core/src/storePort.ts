import type { Permissions } from "./permissions/tree.js";

/**
 * The storage port: just what the server calls, implemented for SQLite and PostgreSQL by
 * @latchkey/store and run against both by one shared test suite. Records carry typed values;
 * how they are stored (JSON text, column names) is the store's business. Times are in the
 * stored form of instant.ts (`2027-01-31T09:30:00.000Z`, fixed width, 1970-9999), so that they
 * compare as text in every database exactly as they compare as instants; the store refuses to
 * write a key deadline in any other form.
 */
export type CredentialKind = "api" | "session" | "verifier";

/** An account's key lifecycle policy; null turns a rule off. */
export interface AccountPolicy {
  /** New keys expire within this many days (keys created without an expiry get it by default). */
  maxKeyLifetimeDays: number | null;
  /** A key.expiring event this many days before a key expires. */
  expiryReminderDays: number | null;
  /** Keys unused for this many days are revoked (a key.unused event says so). */
  revokeUnusedAfterDays: number | null;
}

export const NO_POLICY: AccountPolicy = {
  maxKeyLifetimeDays: null,
  expiryReminderDays: null,
  revokeUnusedAfterDays: null,
};

/** A key's parameters besides its permission tree. */
export interface KeyParams {
  /** Addresses and CIDR ranges the key may be used from; absent or empty is anywhere. */
  ip_whitelist?: string[];
}

/** A JSON object: what audit args and event payloads are. */
export type JsonObject = Record<string, unknown>;

/** A person (who logs in) or a team (an account its members' team keys act on). */
export type AccountKind = "person" | "team";

export interface UserRecord {
  id: number;
  kind: AccountKind;
  email: string;
  passwordHash: string;
  isAdmin: boolean;
  createdAt: string;
  policy: AccountPolicy;
}

export interface KeyRecord {
  id: number;
  /** The account the credential acts on: a person's, or a team's for a team key. */
  userId: number;
  /** A team credential's member (the person it belongs to); null for a personal one. */
  memberId: number | null;
  kind: CredentialKind;
  name: string;
  /** HMAC of the secret under pepper `hashVersion`; the secret itself is never stored. */
  keyHash: string;
  hashVersion: number;
  prefix: string;
  last4: string;
  /** The permission tree, as validated when the key was created; null is full access. */
  permissions: Permissions;
  /** Null when none were given. */
  keyParams: KeyParams | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  expiresAt: string | null;
  deletedAt: string | null;
  /** After a reset with a grace window: the old secret's hash, valid until previousExpiresAt. */
  previousKeyHash: string | null;
  previousHashVersion: number | null;
  previousExpiresAt: string | null;
  /** When the key.expiring reminder went out. */
  expiryRemindedAt: string | null;
  /** When the key.expired event went out. */
  expiryNotifiedAt: string | null;
}

export type NewKey = Omit<
  KeyRecord,
  | "id"
  | "memberId"
  | "lastUsedAt"
  | "lastUsedIp"
  | "deletedAt"
  | "previousKeyHash"
  | "previousHashVersion"
  | "previousExpiresAt"
  | "expiryRemindedAt"
  | "expiryNotifiedAt"
> & {
  /** A team credential's member; absent or null for a personal credential. */
  memberId?: number | null;
};

export interface AuditRecord {
  id: number;
  userId: number;
  apiKeyId: number | null;
  action: string;
  apiRoute: string;
  /** Never holds a secret. */
  args: JsonObject;
  ipAddress: string | null;
  /** The first occurrence, for an aggregated row. */
  createdAt: string;
  /** How many times this happened: 1, or the repeats of a refusal within its minute. */
  count: number;
}

export type NewAudit = Omit<AuditRecord, "id" | "count">;

export interface AuditFilter {
  action?: string | undefined;
  apiKeyId?: number | undefined;
  /** Rows with an id below this one (paging backwards). */
  before?: number | undefined;
  limit: number;
}

/** Verified and denied uses of one key in one hour (`hour` is an ISO time on the hour). */
export interface UsageCount {
  keyId: number;
  hour: string;
  verified: number;
  denied: number;
}

/** Every key event type, in the order documentation lists them. */
export const keyEventTypes = [
  "key.created",
  "key.reset",
  "key.deleted",
  "key.expiring",
  "key.expired",
  "key.leaked",
  "key.unused",
] as const;

/** Every team event type: the platform sends its own emails from these (docs/teams.md). */
export const teamEventTypes = [
  "team.renamed",
  "team.deleted",
  "team.transferred",
  "team.invitation_created",
  "team.invitation_revoked",
  "team.member_joined",
  "team.member_removed",
  "team.role_changed",
  "team.role_created",
  "team.role_updated",
  "team.role_deleted",
] as const;

export type TeamEventType = (typeof teamEventTypes)[number];

/** Every event type a webhook may subscribe to, in the order documentation lists them. */
export const eventTypes = [...keyEventTypes, ...teamEventTypes] as const;

export type KeyEventType = (typeof keyEventTypes)[number] | TeamEventType;

/** What a webhook delivers: a key event, or the ping of a test. */
export type WebhookEventType = KeyEventType | "ping";

/** A key event in the outbox; webhooks deliver these. The payload never holds a secret. */
export interface KeyEventRecord {
  id: number;
  userId: number;
  apiKeyId: number | null;
  type: KeyEventType;
  /** The event's `data`. */
  payload: JsonObject;
  createdAt: string;
}

export type NewKeyEvent = Omit<KeyEventRecord, "id">;

/** A webhook endpoint of an account. */
export interface WebhookRecord {
  id: number;
  userId: number;
  url: string;
  description: string;
  /** The event types it receives; null is every key event, including types added later. */
  events: KeyEventType[] | null;
  /** An inactive endpoint gets no new events and its pending deliveries wait. */
  active: boolean;
  /** The signing secret, encrypted under a key derived from pepper `secretKeyVersion`. */
  secretCiphertext: string;
  secretKeyVersion: number;
  /** The secret's last four characters, to tell secrets apart. */
  secretLast4: string;
  createdAt: string;
  updatedAt: string;
}

export type NewWebhook = Omit<WebhookRecord, "id">;

export type WebhookPatch = Partial<
  Pick<
    WebhookRecord,
    "url" | "description" | "events" | "active" | "secretCiphertext" | "secretKeyVersion"
  >
> & { updatedAt: string };

export type DeliveryStatus = "pending" | "delivered" | "failed";

/** One event queued for one endpoint, with the outcome of its latest attempt. */
export interface DeliveryRecord {
  id: number;
  webhookId: number;
  userId: number;
  /** The outbox event it delivers; null for pings and redeliveries. */
  sourceEventId: number | null;
  /** What receivers deduplicate on (Latchkey-Event-Id); a redelivery keeps the original's. */
  eventId: string;
  eventType: WebhookEventType;
  /**
   * The JSON body, sent byte for byte on every attempt. Text, not a value: it is signed, and
   * a redelivery must send exactly the bytes the original did.
   */
  body: string;
  status: DeliveryStatus;
  /** Attempts started. */
  attempts: number;
  /** When the next attempt is due; null once delivered or failed. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  /** For a redelivery: the delivery it repeats. */
  redeliveryOf: number | null;
  createdAt: string;
}

export type NewDelivery = Pick<
  DeliveryRecord,
  | "webhookId"
  | "userId"
  | "sourceEventId"
  | "eventId"
  | "eventType"
  | "body"
  | "redeliveryOf"
  | "createdAt"
> & { nextAttemptAt: string };

/** The outcome of one attempt, written only by the node holding the delivery's lease. */
export interface AttemptOutcome {
  status: DeliveryStatus;
  at: string;
  statusCode: number | null;
  error: string | null;
  /** When to try again (status pending); null otherwise. */
  nextAttemptAt: string | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus | undefined;
  /** Deliveries with an id below this one (paging backwards). */
  before?: number | undefined;
  limit: number;
}

/** A page of a key list: up to `limit` keys with an id above `after`. */
export interface KeyPage {
  after: number;
  limit: number;
}

export interface KeyUse {
  id: number;
  at: string;
  ip: string | null;
}

export interface SecretChange {
  keyHash: string;
  prefix: string;
  hashVersion: number;
  last4: string;
}

/**
 * A verifier's revocation stream as the node serving it last reported it (for the list of
 * verifiers; docs/revocation.md). `id` is the connection's own random id.
 */
export interface VerifierConnection {
  id: string;
  verifierId: number;
  nodeId: string;
  connectedAt: string;
  seenAt: string;
  /** The slowest acknowledgement since the last report, or the age of one still awaited. */
  ackLagMs: number | null;
}

/** A once-only notice about a key: its key.expiring reminder, or its key.expired event. */
export type KeyNotice = "expiryReminder" | "expired";

/** The three roles every team has (docs/teams.md). */
export type BuiltinRole = "owner" | "manager" | "member";

export interface TeamRecord {
  /** The team's account id (a users row of kind team). */
  id: number;
  name: string;
  createdAt: string;
}

export interface RoleRecord {
  id: number;
  teamId: number;
  name: string;
  /** Which built-in role this is; null for a role the team made. */
  builtin: BuiltinRole | null;
  /** A permission tree in the key format; null is full access (the owner's). */
  permissions: Permissions;
  createdAt: string;
  updatedAt: string;
}

export interface MemberRecord {
  teamId: number;
  /** The person's account id; also the member's id on the wire. */
  userId: number;
  email: string;
  roleId: number;
  roleName: string;
  /** The role's tree, read with the membership: what the member's team keys are cut to. */
  rolePermissions: Permissions;
  builtin: BuiltinRole | null;
  createdAt: string;
}

export interface InvitationRecord {
  id: number;
  teamId: number;
  /** Normalised email of the person invited. */
  email: string;
  roleId: number;
  /** HMAC of the invitation token; the token itself is never stored. */
  tokenHash: string;
  invitedBy: number;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  revokedAt: string | null;
}

export type NewInvitation = Omit<InvitationRecord, "id" | "acceptedAt" | "revokedAt">;

/** A team key as the team's key list shows it: with its member and their role. */
export interface TeamKeyRecord {
  key: KeyRecord;
  memberEmail: string | null;
  roleName: string | null;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  createdAt: string;
}

/** Writes that happen together, with their audit row, in one transaction. */
export interface StoreTx {
  insertKey(key: NewKey): Promise<KeyRecord>;
  /** Soft-deletes a live key of the user; returns it, or undefined when there is none. */
  deleteKey(
    userId: number,
    id: number,
    kind: CredentialKind,
    at: string,
  ): Promise<KeyRecord | undefined>;
  /**
   * Swaps a live API key's secret. Without `graceUntil` the old hash stops matching the moment
   * this commits (and any earlier pending secret with it); with it, the old hash stays valid
   * as the key's previous secret until then.
   */
  replaceSecret(
    userId: number,
    id: number,
    change: SecretChange,
    graceUntil?: string | null,
  ): Promise<KeyRecord | undefined>;
  /** Ends a grace window early: the previous secret stops matching. */
  endGrace(userId: number, id: number): Promise<KeyRecord | undefined>;
  insertAudit(event: NewAudit): Promise<void>;
  insertEvent(event: NewKeyEvent): Promise<void>;
  /**
   * Takes up to `limit` outbox events not yet fanned out to webhooks, oldest first, and marks
   * them dispatched at `at`. Concurrent callers (other nodes) never get the same event; the
   * mark commits with the transaction, together with the deliveries queued for it.
   */
  claimEvents(limit: number, at: string): Promise<KeyEventRecord[]>;
  /**
   * Makes other transactions writing this account's capped resources (webhook endpoints, API
   * keys, sessions) wait until this one ends, so that counting them and adding one cannot
   * interleave.
   */
  lockAccount(userId: number): Promise<void>;
  /** The account's live credentials of `kind`: not deleted, and not expired at `now`. */
  countLiveKeys(userId: number, kind: CredentialKind, now: string): Promise<number>;
  insertWebhook(webhook: NewWebhook): Promise<WebhookRecord>;
  /** The account's webhook endpoints, oldest first. */
  listWebhooks(userId: number): Promise<WebhookRecord[]>;
  /**
   * Queues a delivery. Returns undefined when the endpoint already has one for the same outbox
   * event (so that fan-out can never queue an event twice).
   */
  insertDelivery(delivery: NewDelivery): Promise<DeliveryRecord | undefined>;
  /**
   * Marks a key's reminder or expiry event as sent, only if it was not: true for exactly one
   * caller, so that of many nodes sweeping at once only one sends the event.
   */
  claimKeyNotice(id: number, notice: KeyNotice, at: string): Promise<boolean>;
}

/**
 * Teams, their roles, members and invitations. On the transaction so that a change and the
 * checks it depends on (under `lockAccount(teamId)`) see one state. Credentials of removed
 * members and of destroyed teams are soft-deleted like any revoked key; credentials whose
 * rights a change narrows are touched (`touchKeys`) so that every node's cache drops them
 * through the same channel as a delete.
 */
export interface TeamTx {
  /** Creates the team's account (a users row of kind team) and its team row. */
  insertTeam(name: string, createdAt: string): Promise<TeamRecord>;
  /** A live (not destroyed) team. */
  findTeam(teamId: number): Promise<TeamRecord | undefined>;
  renameTeam(teamId: number, name: string): Promise<TeamRecord | undefined>;
  /**
   * Destroys a team: its roles, memberships and invitations go, the team row is marked
   * deleted, and every live credential of its account is soft-deleted except `keep`, which
   * becomes a personal key of `keepOwner`. Returns the ids of the credentials it deleted.
   */
  destroyTeam(
    teamId: number,
    at: string,
    keep?: { keyId: number; owner: number },
  ): Promise<number[]>;
  /** Moves a live API key to another account (a personal key becoming a team key). */
  moveKey(keyId: number, userId: number, memberId: number | null): Promise<KeyRecord | undefined>;

  insertRole(role: Omit<RoleRecord, "id">): Promise<RoleRecord>;
  listRoles(teamId: number): Promise<RoleRecord[]>;
  findRole(teamId: number, id: number): Promise<RoleRecord | undefined>;
  findRoleByName(teamId: number, name: string): Promise<RoleRecord | undefined>;
  updateRole(
    teamId: number,
    id: number,
    patch: { name?: string; permissions?: Permissions; updatedAt: string },
  ): Promise<RoleRecord | undefined>;
  deleteRole(teamId: number, id: number): Promise<boolean>;

  insertMember(teamId: number, userId: number, roleId: number, createdAt: string): Promise<void>;
  findMember(teamId: number, userId: number): Promise<MemberRecord | undefined>;
  /** Members, oldest first. */
  listMembers(teamId: number): Promise<MemberRecord[]>;
  countMembersWithRole(teamId: number, roleId: number): Promise<number>;
  setMemberRole(teamId: number, userId: number, roleId: number): Promise<boolean>;
  /** Removes the membership and soft-deletes the member's live team credentials; their ids. */
  removeMember(teamId: number, userId: number, at: string): Promise<number[]>;
  /** The live team credentials (keys and sessions) of these members, or of those holding `roleId`. */
  memberCredentials(
    teamId: number,
    who: { userIds: readonly number[] } | { roleId: number },
  ): Promise<number[]>;
  /** Changes nothing a client sees but announces each key as changed to every node. */
  touchKeys(keyIds: readonly number[]): Promise<void>;
  /** The teams a person belongs to, with their role in each, oldest membership first. */
  teamsOf(userId: number): Promise<{ team: TeamRecord; member: MemberRecord }[]>;
  /** The team's live API keys, with their member's email and role. */
  listTeamKeys(teamId: number): Promise<TeamKeyRecord[]>;

  insertInvitation(invitation: NewInvitation): Promise<InvitationRecord>;
  /** Invitations neither accepted, revoked nor expired at `now`, newest first. */
  pendingInvitations(teamId: number, now: string): Promise<InvitationRecord[]>;
  /** Pending invitations (at `now`) of an email, in every team, newest first. */
  invitationsFor(email: string, now: string): Promise<InvitationRecord[]>;
  findInvitationByToken(tokenHash: string): Promise<InvitationRecord | undefined>;
  /** When the team created each invitation at or after `since`, oldest first, whatever became of it. */
  invitationsSince(teamId: number, since: string): Promise<string[]>;
  /** Ends a pending invitation (revoked); false when it was not pending. */
  revokeInvitation(teamId: number, id: number, at: string): Promise<boolean>;
  /** Marks a pending invitation accepted, only once; false when it was not pending at `at`. */
  acceptInvitation(id: number, at: string): Promise<boolean>;
}

/** Look-ups: they write nothing, so they need no transaction. */
export interface StoreReads {
  findUserByEmail(email: string): Promise<UserRecord | undefined>;
  findUserById(id: number): Promise<UserRecord | undefined>;
  /** Any key row whose current or previous hash matches, deleted or not. */
  findKeyByHash(keyHash: string): Promise<KeyRecord | undefined>;
  findKey(userId: number, id: number, kind: CredentialKind): Promise<KeyRecord | undefined>;
  /**
   * Live keys of `kind`, by id; with `page`, only the first `limit` with an id above `after`;
   * with `memberId`, only that member's team credentials.
   */
  listKeys(
    userId: number,
    kind: CredentialKind,
    page?: KeyPage,
    memberId?: number,
  ): Promise<KeyRecord[]>;
  listAudit(userId: number, filter: AuditFilter): Promise<AuditRecord[]>;
  /** A key's hourly usage rows from `fromHour` to `toHour` inclusive, oldest first. */
  listUsage(keyId: number, fromHour: string, toHour: string): Promise<UsageCount[]>;
  /** The account's key events after `afterId`, oldest first. */
  listEvents(userId: number, afterId: number, limit: number): Promise<KeyEventRecord[]>;
  /**
   * Live API keys due for a reminder at `now`, with their account's reminder days: no
   * reminder yet, not expired at `now`, expiring within those days of it. Only due keys, so
   * a sweep that claims every one it gets is never held up by keys that are not.
   */
  keysToRemind(now: string, limit: number): Promise<{ key: KeyRecord; reminderDays: number }[]>;
  /** Live API keys that expired at or before `now` and have had no key.expired event yet. */
  keysExpiredUnnotified(now: string, limit: number): Promise<KeyRecord[]>;
  /** Accounts whose policy revokes unused keys, with the number of days. */
  accountsRevokingUnused(): Promise<{ userId: number; days: number }[]>;
  /** The account's live API keys last used (or, never used, created) before `cutoff`. */
  keysUnusedSince(userId: number, cutoff: string, limit: number): Promise<KeyRecord[]>;
  findWebhook(userId: number, id: number): Promise<WebhookRecord | undefined>;
  /** An endpoint's deliveries, newest first. */
  listDeliveries(
    userId: number,
    webhookId: number,
    filter: DeliveryFilter,
  ): Promise<DeliveryRecord[]>;
  findDelivery(userId: number, webhookId: number, id: number): Promise<DeliveryRecord | undefined>;
}

/**
 * The whole port: the look-ups, the transactional writes (also callable on their own), the
 * writes that are each one statement or their own transaction, and the lifecycle.
 */
export interface Store extends StoreReads, StoreTx, TeamTx {
  readonly dialect: "sqlite" | "postgres";
  /**
   * Creates the user unless the email is taken; the first user becomes an administrator. With
   * `onlyFirst` (closed sign-up, no administrator asking) it creates the user only if no
   * account exists yet, decided in the same serialised transaction as the insert, so racing
   * sign-ups cannot all pass as "the first".
   */
  createUser(user: NewUser): Promise<UserRecord | "email_taken">;
  createUser(
    user: NewUser,
    options: { onlyFirst: boolean },
  ): Promise<UserRecord | "email_taken" | "signup_closed">;
  /**
   * Moves a key's hash to a newer pepper version, unless its secret changed meanwhile (the
   * row must still hold `fromHash`). Used when a key is presented after a pepper rotation.
   */
  rehashKey(
    id: number,
    fromHash: string,
    to: { keyHash: string; hashVersion: number },
  ): Promise<boolean>;
  setPolicy(userId: number, policy: AccountPolicy): Promise<UserRecord | undefined>;
  /** Ends the user's live sessions other than `keepId`; returns the ids it ended. */
  deleteOtherSessions(userId: number, keepId: number, at: string): Promise<number[]>;
  /** Records last use in one batch (at most one row write per key). */
  recordUse(uses: readonly KeyUse[]): Promise<void>;
  /**
   * Records one more occurrence of `event` in the row of its minute with the same user, key,
   * action, route and args (the first keeps its time and IP), creating the row if there is
   * none: repeated refusals grow the audit log by one row per minute, not one per request.
   */
  countAudit(event: NewAudit): Promise<void>;
  /** Adds counts to the hourly usage rows (one upsert per key and hour). */
  recordUsage(counts: readonly UsageCount[]): Promise<void>;

  updateWebhook(
    userId: number,
    id: number,
    patch: WebhookPatch,
  ): Promise<WebhookRecord | undefined>;
  /** Removes the endpoint and its deliveries (pending ones are never sent); false if none. */
  deleteWebhook(userId: number, id: number): Promise<boolean>;
  /**
   * Leases up to `limit` pending deliveries of active endpoints that are due at `now`: each
   * gets `lease` as its token, one more attempt, and `leaseUntil` as its next attempt time, so
   * no other node takes it while this one sends it, and it is retried if this node dies.
   */
  claimDeliveries(
    now: string,
    leaseUntil: string,
    lease: string,
    limit: number,
  ): Promise<DeliveryRecord[]>;
  /** Records an attempt's outcome, only while `lease` is still the delivery's lease. */
  finishAttempt(id: number, lease: string, outcome: AttemptOutcome): Promise<boolean>;
  /** Gives back a leased delivery unsent (a node stopping): due at `at`, the attempt uncounted. */
  releaseDelivery(id: number, lease: string, at: string): Promise<boolean>;
  /** Deletes delivered and failed deliveries created before `before`; returns how many. */
  pruneDeliveries(before: string): Promise<number>;
  /**
   * Replaces node `nodeId`'s report of its verifier streams with `connections` (rows of the
   * node not among them are gone), and drops any node's rows not seen since `staleBefore`.
   */
  reportVerifierConnections(
    nodeId: string,
    connections: readonly VerifierConnection[],
    staleBefore: string,
  ): Promise<void>;
  /** The reported streams of these verifiers, oldest first. */
  listVerifierConnections(verifierIds: readonly number[]): Promise<VerifierConnection[]>;
  /** Pending deliveries of active endpoints, and the creation time of the oldest (metrics). */
  deliveryBacklog(): Promise<{ pending: number; oldestCreatedAt: string | null }>;

  transaction<T>(work: (tx: StoreTx & TeamTx) => Promise<T>): Promise<T>;
  /** True when the database answers and migrations are done. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
