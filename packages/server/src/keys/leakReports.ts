import type { RevocationBus, Store } from "@latchkey/core";
import { audit, publish } from "../audit/audit.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { CachedKey } from "../auth/keyCache.js";
import type { Origin } from "../auth/principal.js";

/** What the reporter is told, whatever was found: it never says whether a secret was valid. */
export const LEAK_REPORT_ANSWER =
  "Thank you: any valid key among these has been revoked and its owner told.";

/**
 * The public leak report (like GitHub's revocation API): each reported secret that is a live
 * credential is revoked at once, on every node, with an audit row in its owner's log and a
 * key.leaked event for their webhooks. The reporter learns nothing about validity from the
 * answer; nor is there much to learn from timing, since a secret found valid is revoked by the
 * very report that found it.
 */
export class LeakReports {
  constructor(
    private readonly store: Store,
    private readonly authenticator: Pick<Authenticator, "identify">,
    private readonly revocations: Pick<RevocationBus, "revoked">,
  ) {}

  /** Returns the ids of the keys revoked (for tests and logs; never for the reporter). */
  async report(secrets: readonly string[], url: string, origin: Origin): Promise<number[]> {
    const revoked: number[] = [];
    for (const secret of new Set(secrets)) {
      const found = await this.authenticator.identify(secret);
      if (found === undefined) continue;
      if (await this.revoke(found, url, origin)) revoked.push(found.record.id);
    }
    // Every node's cache drops these keys before the reporter gets an answer.
    if (revoked.length > 0) await this.revocations.revoked(revoked);
    return revoked;
  }

  private revoke(found: CachedKey, url: string, origin: Origin): Promise<boolean> {
    const { record, user, viaPrevious, expiresAtMs, previousExpiresAtMs } = found;
    const at = origin.at.toISOString();
    const nowMs = origin.at.getTime();
    if (record.deletedAt !== null) return Promise.resolve(false);
    if (expiresAtMs !== null && expiresAtMs <= nowMs) return Promise.resolve(false);
    return this.store.transaction(async (tx) => {
      const owner = { user, key: record };
      if (viaPrevious) {
        // The old secret of a reset still in its grace window: ending the window revokes
        // exactly what leaked and leaves the new secret working.
        if (previousExpiresAtMs === null || previousExpiresAtMs <= nowMs) return false;
        const row = await tx.endGrace(record.userId, record.id);
        if (!row) return false;
        await audit(tx, owner, origin, "api_key.leaked", {
          id: row.id,
          name: row.name,
          url,
          secret: "previous",
        });
        await publish(tx, "key.leaked", row, origin.at, { url, revoked: "previous_secret" });
        return true;
      }
      const row = await tx.deleteKey(record.userId, record.id, record.kind, at);
      if (!row) return false;
      await audit(tx, owner, origin, "api_key.leaked", {
        id: row.id,
        name: row.name,
        url,
        ...(row.kind === "session" ? { kind: "session" } : {}),
      });
      await publish(tx, "key.leaked", row, origin.at, {
        url,
        revoked: row.kind === "session" ? "session" : "key",
      });
      return true;
    });
  }
}
