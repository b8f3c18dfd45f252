import type { RevocationBus, Store } from "@latchkey/core";
import { publish, systemAudit } from "../audit/audit.js";
import type { UsageRecorder } from "../auth/usageRecorder.js";

const DAY = 86_400_000;
const BATCH = 500;
/** Batches of each notice per sweep; what is left waits for the next sweep. */
const MAX_BATCHES = 20;

export interface SweepResult {
  reminded: number;
  expired: number;
  revokedUnused: number;
}

/**
 * Applies the accounts' lifecycle policies: key.expiring reminders, key.expired events, and
 * revocation of keys unused for too long. Every node sweeps; each notice is claimed by a
 * conditional update in the transaction that publishes it, so exactly one node sends it.
 */
export class LifecycleSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly revocations: Pick<RevocationBus, "revoked">,
    private readonly usage: Pick<UsageRecorder, "flush">,
    private readonly now: () => Date,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.running = this.sweep().catch(this.onError);
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async sweep(): Promise<SweepResult> {
    const now = this.now();
    return {
      reminded: await this.remind(now),
      expired: await this.announceExpired(now),
      revokedUnused: await this.revokeUnused(now),
    };
  }

  /**
   * Every key a batch holds is due and gets claimed (here or by another node), so the next
   * batch is new work: no account's keys can fill the batches and hold up another's.
   */
  private async remind(now: Date): Promise<number> {
    const at = now.toISOString();
    let sent = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const due = await this.store.keysToRemind(at, BATCH);
      for (const { key, reminderDays } of due) {
        const expiresAt = key.expiresAt;
        const claimed = await this.store.transaction(async (tx) => {
          if (!(await tx.claimKeyNotice(key.id, "expiryReminder", at))) return false;
          await publish(tx, "key.expiring", key, now, {
            expires_at: expiresAt,
            reminder_days: reminderDays,
          });
          await systemAudit(tx, key, "api_key.expiring", now, { expires_at: expiresAt });
          return true;
        });
        if (claimed) sent++;
      }
      if (due.length < BATCH) break;
    }
    return sent;
  }

  private async announceExpired(now: Date): Promise<number> {
    const at = now.toISOString();
    let sent = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const expired = await this.store.keysExpiredUnnotified(at, BATCH);
      for (const key of expired) {
        const claimed = await this.store.transaction(async (tx) => {
          if (!(await tx.claimKeyNotice(key.id, "expired", at))) return false;
          await publish(tx, "key.expired", key, now, { expired_at: key.expiresAt });
          await systemAudit(tx, key, "api_key.expired", now, { expired_at: key.expiresAt });
          return true;
        });
        if (claimed) sent++;
      }
      if (expired.length < BATCH) break;
    }
    return sent;
  }

  private async revokeUnused(now: Date): Promise<number> {
    // Last use is batched in memory; write it first so a key in use is not taken for idle.
    await this.usage.flush();
    const revoked: number[] = [];
    for (const { userId, days } of await this.store.accountsRevokingUnused()) {
      const cutoff = new Date(now.getTime() - days * DAY).toISOString();
      for (const key of await this.store.keysUnusedSince(userId, cutoff, BATCH)) {
        const done = await this.store.transaction(async (tx) => {
          const row = await tx.deleteKey(userId, key.id, "api", now.toISOString());
          if (!row) return false;
          await publish(tx, "key.unused", row, now, { unused_days: days, revoked: true });
          await systemAudit(tx, row, "api_key.revoked_unused", now, {
            unused_days: days,
            last_used_at: row.lastUsedAt,
          });
          return true;
        });
        if (done) revoked.push(key.id);
      }
    }
    if (revoked.length > 0) await this.revocations.revoked(revoked);
    return revoked.length;
  }
}
