import type {
  AccountPolicy,
  AttemptOutcome,
  AuditFilter,
  CredentialKind,
  DeliveryFilter,
  KeyPage,
  KeyUse,
  NewAudit,
  NewUser,
  Store,
  StoreTx,
  TeamTx,
  UsageCount,
  UserRecord,
  VerifierConnection,
  WebhookPatch,
} from "@latchkey/core";
import { type Kysely, Migrator, sql } from "kysely";
import type { Capabilities } from "./dialect.js";
import { KyselyTx } from "./kyselyTx.js";
import { latestMigration, migrationProvider } from "./migrations/index.js";
import * as audit from "./queries/audit.js";
import * as deliveries from "./queries/deliveries.js";
import * as keyEvents from "./queries/keyEvents.js";
import * as keySweeps from "./queries/keySweeps.js";
import * as keys from "./queries/keys.js";
import * as keyUsage from "./queries/keyUsage.js";
import * as users from "./queries/users.js";
import * as verifierConnections from "./queries/verifierConnections.js";
import * as webhooks from "./queries/webhooks.js";
import type { Database } from "./schema.js";

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

  createUser(user: NewUser): Promise<UserRecord | "email_taken">;
  createUser(
    user: NewUser,
    options: { onlyFirst: boolean },
  ): Promise<UserRecord | "email_taken" | "signup_closed">;
  createUser(user: NewUser, options = { onlyFirst: false }) {
    return users.createUser(this.kysely, this.caps, user, options);
  }

  findUserByEmail(email: string) {
    return users.findUserByEmail(this.kysely, email);
  }

  findUserById(id: number) {
    return users.findUserById(this.kysely, id);
  }

  rehashKey(id: number, fromHash: string, to: { keyHash: string; hashVersion: number }) {
    return keys.rehashKey(this.kysely, id, fromHash, to);
  }

  findKeyByHash(keyHash: string) {
    return keys.findKeyByHash(this.kysely, keyHash);
  }

  setPolicy(userId: number, policy: AccountPolicy) {
    return users.setPolicy(this.kysely, userId, policy);
  }

  recordUsage(counts: readonly UsageCount[]) {
    return keyUsage.recordUsage(this.kysely, counts);
  }

  listUsage(keyId: number, fromHour: string, toHour: string) {
    return keyUsage.listUsage(this.kysely, keyId, fromHour, toHour);
  }

  listEvents(userId: number, afterId: number, limit: number) {
    return keyEvents.listEvents(this.kysely, userId, afterId, limit);
  }

  keysToRemind(now: string, limit: number) {
    return keySweeps.keysToRemind(this.kysely, now, limit);
  }

  keysExpiredUnnotified(now: string, limit: number) {
    return keySweeps.keysExpiredUnnotified(this.kysely, now, limit);
  }

  accountsRevokingUnused() {
    return users.accountsRevokingUnused(this.kysely);
  }

  keysUnusedSince(userId: number, cutoff: string, limit: number) {
    return keySweeps.keysUnusedSince(this.kysely, userId, cutoff, limit);
  }

  findKey(userId: number, id: number, kind: CredentialKind) {
    return keys.findKey(this.kysely, userId, id, kind);
  }

  listKeys(userId: number, kind: CredentialKind, page?: KeyPage, memberId?: number) {
    return keys.listKeys(this.kysely, userId, kind, page, memberId);
  }

  deleteOtherSessions(userId: number, keepId: number, at: string) {
    return keys.deleteOtherSessions(this.kysely, userId, keepId, at);
  }

  recordUse(uses: readonly KeyUse[]) {
    return keys.recordUse(this.kysely, uses);
  }

  listAudit(userId: number, filter: AuditFilter) {
    return audit.listAudit(this.kysely, userId, filter);
  }

  countAudit(event: NewAudit) {
    return audit.countAudit(this.kysely, event);
  }

  findWebhook(userId: number, id: number) {
    return webhooks.findWebhook(this.kysely, userId, id);
  }

  updateWebhook(userId: number, id: number, patch: WebhookPatch) {
    return webhooks.updateWebhook(this.kysely, userId, id, patch);
  }

  deleteWebhook(userId: number, id: number) {
    return webhooks.deleteWebhook(this.kysely, userId, id);
  }

  claimDeliveries(now: string, leaseUntil: string, lease: string, limit: number) {
    return deliveries.claimDeliveries(this.kysely, this.caps, now, leaseUntil, lease, limit);
  }

  finishAttempt(id: number, lease: string, outcome: AttemptOutcome) {
    return deliveries.finishAttempt(this.kysely, id, lease, outcome);
  }

  releaseDelivery(id: number, lease: string, at: string) {
    return deliveries.releaseDelivery(this.kysely, id, lease, at);
  }

  listDeliveries(userId: number, webhookId: number, filter: DeliveryFilter) {
    return deliveries.listDeliveries(this.kysely, userId, webhookId, filter);
  }

  findDelivery(userId: number, webhookId: number, id: number) {
    return deliveries.findDelivery(this.kysely, userId, webhookId, id);
  }

  pruneDeliveries(before: string) {
    return deliveries.pruneDeliveries(this.kysely, before);
  }

  reportVerifierConnections(
    nodeId: string,
    connections: readonly VerifierConnection[],
    staleBefore: string,
  ) {
    return verifierConnections.reportVerifierConnections(
      this.kysely,
      nodeId,
      connections,
      staleBefore,
    );
  }

  listVerifierConnections(verifierIds: readonly number[]) {
    return verifierConnections.listVerifierConnections(this.kysely, verifierIds);
  }

  deliveryBacklog() {
    return deliveries.deliveryBacklog(this.kysely);
  }

  transaction<T>(work: (tx: StoreTx & TeamTx) => Promise<T>): Promise<T> {
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
