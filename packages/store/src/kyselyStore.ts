import type {
  AccountPolicy,
  AttemptOutcome,
  AuditFilter,
  AuditRecord,
  CredentialKind,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStatus,
  KeyEventRecord,
  KeyEventType,
  KeyRecord,
  KeyUse,
  NewAudit,
  NewDelivery,
  NewKey,
  NewKeyEvent,
  NewWebhook,
  SecretChange,
  Store,
  StoreTx,
  UsageCount,
  UserRecord,
  WebhookEventType,
  WebhookPatch,
  WebhookRecord,
} from "@latchkey/core";
import { type Kysely, Migrator, type Selectable, sql, type Transaction } from "kysely";
import type { Capabilities } from "./dialect.js";
import { latestMigration, migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";

type UserRow = Selectable<Database["users"]>;
type KeyRow = Selectable<Database["api_keys"]>;
type AuditRow = Selectable<Database["audit_logs"]>;

const toUser = (r: UserRow): UserRecord => ({
  id: Number(r.id),
  email: r.email,
  passwordHash: r.password_hash,
  isAdmin: Number(r.is_admin) === 1,
  createdAt: r.created_at,
  policy: {
    maxKeyLifetimeDays: nullableNumber(r.max_key_lifetime_days),
    expiryReminderDays: nullableNumber(r.expiry_reminder_days),
    revokeUnusedAfterDays: nullableNumber(r.revoke_unused_after_days),
  },
});

function nullableNumber(value: number | null): number | null {
  return value === null ? null : Number(value);
}

const toKey = (r: KeyRow): KeyRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  kind: r.kind as CredentialKind,
  name: r.name,
  keyHash: r.key_hash,
  hashVersion: Number(r.hash_version),
  prefix: r.prefix,
  last4: r.last4,
  permissions: r.permissions,
  keyParams: r.key_params,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
  expiresAt: r.expires_at,
  deletedAt: r.deleted_at,
  previousKeyHash: r.previous_key_hash,
  previousHashVersion: nullableNumber(r.previous_hash_version),
  previousExpiresAt: r.previous_expires_at,
  expiryRemindedAt: r.expiry_reminded_at,
  expiryNotifiedAt: r.expiry_notified_at,
});

const toEvent = (r: Selectable<Database["key_events"]>): KeyEventRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: nullableNumber(r.api_key_id),
  type: r.type as KeyEventType,
  payload: r.payload,
  createdAt: r.created_at,
});

const toWebhook = (r: Selectable<Database["webhooks"]>): WebhookRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  url: r.url,
  description: r.description,
  events: r.events === null ? null : (JSON.parse(r.events) as KeyEventType[]),
  active: Number(r.active) === 1,
  secretCiphertext: r.secret_ciphertext,
  secretKeyVersion: Number(r.secret_key_version),
  secretLast4: r.secret_last4,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDelivery = (r: Selectable<Database["webhook_deliveries"]>): DeliveryRecord => ({
  id: Number(r.id),
  webhookId: Number(r.webhook_id),
  userId: Number(r.user_id),
  sourceEventId: nullableNumber(r.source_event_id),
  eventId: r.event_id,
  eventType: r.event_type as WebhookEventType,
  body: r.body,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  lastAttemptAt: r.last_attempt_at,
  lastStatusCode: nullableNumber(r.last_status_code),
  lastError: r.last_error,
  deliveredAt: r.delivered_at,
  redeliveryOf: nullableNumber(r.redelivery_of),
  createdAt: r.created_at,
});

const toAudit = (r: AuditRow): AuditRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  apiKeyId: r.api_key_id === null ? null : Number(r.api_key_id),
  action: r.action,
  apiRoute: r.api_route,
  args: r.args,
  ipAddress: r.ip_address,
  createdAt: r.created_at,
});

/** The writes that may run inside a transaction, over either the database or a transaction. */
class KyselyTx implements StoreTx {
  constructor(
    protected readonly db: Kysely<Database> | Transaction<Database>,
    protected readonly caps: Capabilities,
  ) {}

  async insertKey(key: NewKey): Promise<KeyRecord> {
    const row = await this.db
      .insertInto("api_keys")
      .values({
        user_id: key.userId,
        kind: key.kind,
        name: key.name,
        key_hash: key.keyHash,
        hash_version: key.hashVersion,
        prefix: key.prefix,
        last4: key.last4,
        permissions: key.permissions,
        key_params: key.keyParams,
        created_at: key.createdAt,
        expires_at: key.expiresAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toKey(row);
  }

  async deleteKey(userId: number, id: number, kind: CredentialKind, at: string) {
    const row = await this.db
      .updateTable("api_keys")
      .set({ deleted_at: at })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async replaceSecret(
    userId: number,
    id: number,
    change: SecretChange,
    graceUntil?: string | null,
  ) {
    const row = await this.db
      .updateTable("api_keys")
      .set((eb) => ({
        key_hash: change.keyHash,
        hash_version: change.hashVersion,
        prefix: change.prefix,
        last4: change.last4,
        // SET reads the row as it was, so the previous secret is the one being replaced.
        previous_key_hash: graceUntil ? eb.ref("key_hash") : null,
        previous_hash_version: graceUntil ? eb.ref("hash_version") : null,
        previous_expires_at: graceUntil ?? null,
      }))
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async endGrace(userId: number, id: number) {
    const row = await this.db
      .updateTable("api_keys")
      .set({ previous_key_hash: null, previous_hash_version: null, previous_expires_at: null })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .returningAll()
      .executeTakeFirst();
    return row && toKey(row);
  }

  async claimKeyNotice(
    id: number,
    notice: "expiry_reminded_at" | "expiry_notified_at",
    at: string,
  ) {
    const rows = await this.db
      .updateTable("api_keys")
      .set({ [notice]: at })
      .where("id", "=", id)
      .where(notice, "is", null)
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  async insertEvent(event: NewKeyEvent): Promise<void> {
    await this.db
      .insertInto("key_events")
      .values({
        user_id: event.userId,
        api_key_id: event.apiKeyId,
        type: event.type,
        payload: event.payload,
        created_at: event.createdAt,
      })
      .execute();
  }

  async claimEvents(limit: number, at: string): Promise<KeyEventRecord[]> {
    let pick = this.db
      .selectFrom("key_events")
      .select("id")
      .where("dispatched_at", "is", null)
      .orderBy("id")
      .limit(limit);
    if (this.caps.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
    const ids = (await pick.execute()).map((r) => Number(r.id));
    if (ids.length === 0) return [];
    // Conditional, so that even without row locks an event is marked by one caller only.
    const rows = await this.db
      .updateTable("key_events")
      .set({ dispatched_at: at })
      .where("id", "in", ids)
      .where("dispatched_at", "is", null)
      .returningAll()
      .execute();
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  async listWebhooks(userId: number): Promise<WebhookRecord[]> {
    const rows = await this.db
      .selectFrom("webhooks")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("id")
      .execute();
    return rows.map(toWebhook);
  }

  async insertDelivery(delivery: NewDelivery): Promise<DeliveryRecord | undefined> {
    const row = await this.db
      .insertInto("webhook_deliveries")
      .values({
        webhook_id: delivery.webhookId,
        user_id: delivery.userId,
        source_event_id: delivery.sourceEventId,
        event_id: delivery.eventId,
        event_type: delivery.eventType,
        body: delivery.body,
        status: "pending",
        attempts: 0,
        next_attempt_at: delivery.nextAttemptAt,
        redelivery_of: delivery.redeliveryOf,
        created_at: delivery.createdAt,
      })
      .onConflict((oc) => oc.columns(["webhook_id", "source_event_id"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async insertAudit(event: NewAudit): Promise<void> {
    await this.db
      .insertInto("audit_logs")
      .values({
        user_id: event.userId,
        api_key_id: event.apiKeyId,
        action: event.action,
        api_route: event.apiRoute,
        args: event.args,
        ip_address: event.ipAddress,
        created_at: event.createdAt,
      })
      .execute();
  }
}

/** The storage port over Kysely; the dialect's differences come in through `caps`. */
export class KyselyStore extends KyselyTx implements Store {
  readonly dialect: Store["dialect"];

  /**
   * @param schema PostgreSQL: the schema every table lives in. Kysely's migrator is told it
   * explicitly: without it, a migration table in any other schema of the database counts as
   * ours and the migrations never run.
   */
  constructor(
    private readonly kysely: Kysely<Database>,
    caps: Capabilities,
    private readonly schema?: string,
  ) {
    super(kysely, caps);
    this.dialect = caps.name;
  }

  /** Brings the schema up to date; safe when several nodes start at once (Kysely's migration lock). */
  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.kysely,
      provider: migrationProvider(this.caps),
      ...(this.schema !== undefined ? { migrationTableSchema: this.schema } : {}),
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
  }

  async createUser(user: { email: string; passwordHash: string; createdAt: string }) {
    try {
      return await this.kysely.transaction().execute(async (trx) => {
        await this.caps.serializeSignUps(trx);
        const existing = await trx.selectFrom("users").select("id").limit(1).executeTakeFirst();
        const row = await trx
          .insertInto("users")
          .values({
            email: user.email,
            password_hash: user.passwordHash,
            is_admin: existing ? 0 : 1,
            created_at: user.createdAt,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toUser(row);
      });
    } catch (err) {
      if (this.caps.isUniqueViolation(err)) return "email_taken" as const;
      throw err;
    }
  }

  async hasUsers() {
    const row = await this.kysely.selectFrom("users").select("id").limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async findUserByEmail(email: string) {
    const row = await this.kysely
      .selectFrom("users")
      .selectAll()
      .where("email", "=", email)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async findUserById(id: number) {
    const row = await this.kysely
      .selectFrom("users")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async rehashKey(id: number, fromHash: string, to: { keyHash: string; hashVersion: number }) {
    const rows = await this.kysely
      .updateTable("api_keys")
      .set({ key_hash: to.keyHash, hash_version: to.hashVersion })
      .where("id", "=", id)
      .where("key_hash", "=", fromHash)
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  async findKeyByHash(keyHash: string) {
    const row = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where((eb) => eb.or([eb("key_hash", "=", keyHash), eb("previous_key_hash", "=", keyHash)]))
      .executeTakeFirst();
    return row && toKey(row);
  }

  async setPolicy(userId: number, policy: AccountPolicy) {
    const row = await this.kysely
      .updateTable("users")
      .set({
        max_key_lifetime_days: policy.maxKeyLifetimeDays,
        expiry_reminder_days: policy.expiryReminderDays,
        revoke_unused_after_days: policy.revokeUnusedAfterDays,
      })
      .where("id", "=", userId)
      .returningAll()
      .executeTakeFirst();
    return row && toUser(row);
  }

  async recordUsage(counts: readonly UsageCount[]) {
    if (counts.length === 0) return;
    await this.kysely.transaction().execute(async (trx) => {
      for (const c of counts) {
        await trx
          .insertInto("key_usage")
          .values({ api_key_id: c.keyId, hour: c.hour, verified: c.verified, denied: c.denied })
          .onConflict((oc) =>
            oc.columns(["api_key_id", "hour"]).doUpdateSet((eb) => ({
              verified: eb("key_usage.verified", "+", eb.ref("excluded.verified")),
              denied: eb("key_usage.denied", "+", eb.ref("excluded.denied")),
            })),
          )
          .execute();
      }
    });
  }

  async listUsage(keyId: number, fromHour: string, toHour: string) {
    const rows = await this.kysely
      .selectFrom("key_usage")
      .selectAll()
      .where("api_key_id", "=", keyId)
      .where("hour", ">=", fromHour)
      .where("hour", "<=", toHour)
      .orderBy("hour")
      .execute();
    return rows.map((r) => ({
      keyId: Number(r.api_key_id),
      hour: r.hour,
      verified: Number(r.verified),
      denied: Number(r.denied),
    }));
  }

  async listEvents(userId: number, afterId: number, limit: number) {
    const rows = await this.kysely
      .selectFrom("key_events")
      .selectAll()
      .where("user_id", "=", userId)
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }

  async keysToRemind(before: string, limit: number) {
    const rows = await this.kysely
      .selectFrom("api_keys")
      .innerJoin("users", "users.id", "api_keys.user_id")
      .selectAll("api_keys")
      .select("users.expiry_reminder_days as reminder_days")
      .where("api_keys.kind", "=", "api")
      .where("api_keys.deleted_at", "is", null)
      .where("api_keys.expiry_reminded_at", "is", null)
      .where("api_keys.expires_at", "is not", null)
      .where("api_keys.expires_at", "<=", before)
      .where("users.expiry_reminder_days", "is not", null)
      .orderBy("api_keys.expires_at")
      .limit(limit)
      .execute();
    return rows.map((r) => ({ key: toKey(r), reminderDays: Number(r.reminder_days) }));
  }

  async keysExpiredUnnotified(now: string, limit: number) {
    const rows = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .where("expiry_notified_at", "is", null)
      .where("expires_at", "is not", null)
      .where("expires_at", "<=", now)
      .orderBy("expires_at")
      .limit(limit)
      .execute();
    return rows.map(toKey);
  }

  async accountsRevokingUnused() {
    const rows = await this.kysely
      .selectFrom("users")
      .select(["id", "revoke_unused_after_days"])
      .where("revoke_unused_after_days", "is not", null)
      .execute();
    return rows.map((r) => ({ userId: Number(r.id), days: Number(r.revoke_unused_after_days) }));
  }

  async keysUnusedSince(userId: number, cutoff: string, limit: number) {
    const rows = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .where((eb) => eb(eb.fn.coalesce("last_used_at", "created_at"), "<", cutoff))
      .orderBy("id")
      .limit(limit)
      .execute();
    return rows.map(toKey);
  }

  async findKey(userId: number, id: number, kind: CredentialKind) {
    const row = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return row && toKey(row);
  }

  async listKeys(userId: number, kind: CredentialKind) {
    const rows = await this.kysely
      .selectFrom("api_keys")
      .selectAll()
      .where("user_id", "=", userId)
      .where("kind", "=", kind)
      .where("deleted_at", "is", null)
      .orderBy("id")
      .execute();
    return rows.map(toKey);
  }

  async deleteOtherSessions(userId: number, keepId: number, at: string) {
    const rows = await this.kysely
      .updateTable("api_keys")
      .set({ deleted_at: at })
      .where("user_id", "=", userId)
      .where("kind", "=", "session")
      .where("id", "!=", keepId)
      .where("deleted_at", "is", null)
      .returning("id")
      .execute();
    return rows.map((r) => Number(r.id));
  }

  async recordUse(uses: readonly KeyUse[]) {
    if (uses.length === 0) return;
    await this.kysely.transaction().execute(async (trx) => {
      for (const use of uses) {
        // Nodes flush on their own timers, so an older use may arrive after a newer one.
        await trx
          .updateTable("api_keys")
          .set({ last_used_at: use.at, last_used_ip: use.ip })
          .where("id", "=", use.id)
          .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<", use.at)]))
          .execute();
      }
    });
  }

  async listAudit(userId: number, filter: AuditFilter) {
    let query = this.kysely.selectFrom("audit_logs").selectAll().where("user_id", "=", userId);
    if (filter.action !== undefined) query = query.where("action", "=", filter.action);
    if (filter.apiKeyId !== undefined) query = query.where("api_key_id", "=", filter.apiKeyId);
    if (filter.before !== undefined) query = query.where("id", "<", filter.before);
    const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
    return rows.map(toAudit);
  }

  async insertWebhook(webhook: NewWebhook): Promise<WebhookRecord> {
    const row = await this.kysely
      .insertInto("webhooks")
      .values({
        user_id: webhook.userId,
        url: webhook.url,
        description: webhook.description,
        events: webhook.events === null ? null : JSON.stringify(webhook.events),
        active: webhook.active ? 1 : 0,
        secret_ciphertext: webhook.secretCiphertext,
        secret_key_version: webhook.secretKeyVersion,
        secret_last4: webhook.secretLast4,
        created_at: webhook.createdAt,
        updated_at: webhook.updatedAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWebhook(row);
  }

  async findWebhook(userId: number, id: number) {
    const row = await this.kysely
      .selectFrom("webhooks")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row && toWebhook(row);
  }

  async updateWebhook(userId: number, id: number, patch: WebhookPatch) {
    const row = await this.kysely
      .updateTable("webhooks")
      .set({
        updated_at: patch.updatedAt,
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.events !== undefined
          ? { events: patch.events === null ? null : JSON.stringify(patch.events) }
          : {}),
        ...(patch.active !== undefined ? { active: patch.active ? 1 : 0 } : {}),
        ...(patch.secretCiphertext !== undefined
          ? { secret_ciphertext: patch.secretCiphertext }
          : {}),
        ...(patch.secretKeyVersion !== undefined
          ? { secret_key_version: patch.secretKeyVersion }
          : {}),
      })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .returningAll()
      .executeTakeFirst();
    return row && toWebhook(row);
  }

  async deleteWebhook(userId: number, id: number) {
    return this.kysely.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom("webhooks")
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .returning("id")
        .execute();
      if (gone.length === 0) return false;
      await trx.deleteFrom("webhook_deliveries").where("webhook_id", "=", id).execute();
      return true;
    });
  }

  async claimDeliveries(now: string, leaseUntil: string, lease: string, limit: number) {
    return this.kysely.transaction().execute(async (trx) => {
      let pick = trx
        .selectFrom("webhook_deliveries")
        .select("id")
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .where("webhook_id", "in", (eb) =>
          eb.selectFrom("webhooks").select("webhooks.id").where("webhooks.active", "=", 1),
        )
        .orderBy("next_attempt_at")
        .limit(limit);
      if (this.caps.supportsSkipLocked) pick = pick.forUpdate().skipLocked();
      const ids = (await pick.execute()).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      // The conditions again: a row taken by another node meanwhile is no longer due.
      const rows = await trx
        .updateTable("webhook_deliveries")
        .set((eb) => ({
          lease_token: lease,
          next_attempt_at: leaseUntil,
          attempts: eb("attempts", "+", 1),
        }))
        .where("id", "in", ids)
        .where("status", "=", "pending")
        .where("next_attempt_at", "<=", now)
        .returningAll()
        .execute();
      return rows.map(toDelivery).sort((a, b) => a.id - b.id);
    });
  }

  async finishAttempt(id: number, lease: string, outcome: AttemptOutcome) {
    const rows = await this.kysely
      .updateTable("webhook_deliveries")
      .set({
        status: outcome.status,
        next_attempt_at: outcome.status === "pending" ? outcome.nextAttemptAt : null,
        last_attempt_at: outcome.at,
        last_status_code: outcome.statusCode,
        last_error: outcome.error,
        delivered_at: outcome.status === "delivered" ? outcome.at : null,
        lease_token: null,
      })
      .where("id", "=", id)
      .where("lease_token", "=", lease)
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  async releaseDelivery(id: number, lease: string, at: string) {
    const rows = await this.kysely
      .updateTable("webhook_deliveries")
      .set((eb) => ({
        next_attempt_at: at,
        attempts: eb("attempts", "-", 1),
        lease_token: null,
      }))
      .where("id", "=", id)
      .where("lease_token", "=", lease)
      .where("status", "=", "pending")
      .returning("id")
      .execute();
    return rows.length === 1;
  }

  async listDeliveries(userId: number, webhookId: number, filter: DeliveryFilter) {
    let query = this.kysely
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("user_id", "=", userId)
      .where("webhook_id", "=", webhookId);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    if (filter.before !== undefined) query = query.where("id", "<", filter.before);
    const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
    return rows.map(toDelivery);
  }

  async findDelivery(userId: number, webhookId: number, id: number) {
    const row = await this.kysely
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("webhook_id", "=", webhookId)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async pruneDeliveries(before: string) {
    const result = await this.kysely
      .deleteFrom("webhook_deliveries")
      .where("status", "in", ["delivered", "failed"])
      .where("created_at", "<", before)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute((trx) => work(new KyselyTx(trx, this.caps)));
  }

  async ping(): Promise<boolean> {
    try {
      const { rows } = await sql<{ name: string }>`
        select name from kysely_migration order by name desc limit 1`.execute(this.kysely);
      return rows[0]?.name === latestMigration(this.caps);
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}
