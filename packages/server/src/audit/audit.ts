import type { KeyEventType, KeyRecord, StoreTx } from "@latchkey/core";
import type { Origin, Principal } from "../auth/principal.js";

/** Who an audit row is about and where it came from: a caller's route, or the server itself. */
interface Actor {
  userId: number;
  apiKeyId: number | null;
  route: string;
  ip: string | null;
  at: Date;
}

function write(
  tx: Pick<StoreTx, "insertAudit">,
  actor: Actor,
  action: string,
  args: Record<string, unknown>,
): Promise<void> {
  return tx.insertAudit({
    userId: actor.userId,
    apiKeyId: actor.apiKeyId,
    action,
    apiRoute: actor.route,
    args,
    ipAddress: actor.ip,
    createdAt: actor.at.toISOString(),
  });
}

/**
 * Records what a caller did, in the transaction of the change (or on the store when the change
 * is a single statement). Audit args never hold a secret: only ids, names and the shapes of
 * what was asked.
 */
export function audit(
  tx: Pick<StoreTx, "insertAudit">,
  caller: Pick<Principal, "user" | "key">,
  origin: Origin,
  action: string,
  args: Record<string, unknown>,
): Promise<void> {
  const actor = {
    userId: caller.user.id,
    apiKeyId: caller.key.id,
    route: origin.route,
    ip: origin.ip,
    at: origin.at,
  };
  // In a team's log, every row says which member acted (docs/teams.md).
  const memberId = caller.key.memberId;
  return write(tx, actor, action, memberId != null ? { ...args, member_id: memberId } : args);
}

/** Records what the server did to a key on its own (the lifecycle policy), with no caller. */
export function systemAudit(
  tx: Pick<StoreTx, "insertAudit">,
  key: KeyRecord,
  action: string,
  at: Date,
  args: Record<string, unknown>,
): Promise<void> {
  const actor = { userId: key.userId, apiKeyId: key.id, route: "lifecycle policy", ip: null, at };
  return write(tx, actor, action, { id: key.id, name: key.name, ...args });
}

/** Writes a key event to the webhook outbox, in the transaction of the change it reports. */
export function publish(
  tx: Pick<StoreTx, "insertEvent">,
  type: KeyEventType,
  key: KeyRecord,
  at: Date,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return tx.insertEvent({
    userId: key.userId,
    apiKeyId: key.id,
    type,
    payload: {
      key: {
        id: key.id,
        name: key.name,
        prefix: key.prefix,
        last4: key.last4,
        expires_at: key.expiresAt,
        last_used_at: key.lastUsedAt,
      },
      ...extra,
    },
    createdAt: at.toISOString(),
  });
}
