import type {
  CredentialKind,
  DeliveryRecord,
  KeyEventRecord,
  KeyNotice,
  KeyRecord,
  NewAudit,
  NewDelivery,
  NewKey,
  NewKeyEvent,
  NewWebhook,
  SecretChange,
  StoreTx,
  WebhookRecord,
} from "@latchkey/core";
import type { Kysely, Transaction } from "kysely";
import type { Capabilities } from "./dialect.js";
import * as audit from "./queries/audit.js";
import * as deliveries from "./queries/deliveries.js";
import * as keyEvents from "./queries/keyEvents.js";
import * as keys from "./queries/keys.js";
import * as webhooks from "./queries/webhooks.js";
import type { Database } from "./schema.js";

/**
 * The writes that may run inside a transaction, over either the database or a transaction.
 * Each query lives in queries/, in the file of its table.
 */
export class KyselyTx implements StoreTx {
  constructor(
    protected readonly db: Kysely<Database> | Transaction<Database>,
    protected readonly caps: Capabilities,
  ) {}

  insertKey(key: NewKey): Promise<KeyRecord> {
    return keys.insertKey(this.db, key);
  }

  deleteKey(userId: number, id: number, kind: CredentialKind, at: string) {
    return keys.deleteKey(this.db, userId, id, kind, at);
  }

  replaceSecret(userId: number, id: number, change: SecretChange, graceUntil?: string | null) {
    return keys.replaceSecret(this.db, userId, id, change, graceUntil);
  }

  endGrace(userId: number, id: number) {
    return keys.endGrace(this.db, userId, id);
  }

  claimKeyNotice(id: number, notice: KeyNotice, at: string) {
    return keys.claimKeyNotice(this.db, id, notice, at);
  }

  insertEvent(event: NewKeyEvent): Promise<void> {
    return keyEvents.insertEvent(this.db, event);
  }

  claimEvents(limit: number, at: string): Promise<KeyEventRecord[]> {
    return keyEvents.claimEvents(this.db, this.caps, limit, at);
  }

  lockAccount(userId: number): Promise<void> {
    return this.caps.lockAccount(this.db, userId);
  }

  countLiveKeys(userId: number, kind: CredentialKind, now: string): Promise<number> {
    return keys.countLiveKeys(this.db, userId, kind, now);
  }

  insertWebhook(webhook: NewWebhook): Promise<WebhookRecord> {
    return webhooks.insertWebhook(this.db, webhook);
  }

  listWebhooks(userId: number): Promise<WebhookRecord[]> {
    return webhooks.listWebhooks(this.db, userId);
  }

  insertDelivery(delivery: NewDelivery): Promise<DeliveryRecord | undefined> {
    return deliveries.insertDelivery(this.db, delivery);
  }

  insertAudit(event: NewAudit): Promise<void> {
    return audit.insertAudit(this.db, event);
  }
}
