import type { MemberRecord, StoreTx, TeamEventType, TeamRecord } from "@latchkey/core";
import type { Origin } from "../auth/principal.js";

export type TeamEventData = Record<string, unknown>;

/**
 * Writes a team event to the webhook outbox, in the transaction of the change, for the team's
 * endpoints: the platform sends its own emails from these (Latchkey sends none). The payload
 * names the team and the member who acted, never a secret (no invitation token).
 */
export function publishTeamEvent(
  tx: Pick<StoreTx, "insertEvent">,
  type: TeamEventType,
  team: TeamRecord,
  actor: MemberRecord,
  origin: Origin,
  extra: TeamEventData = {},
): Promise<void> {
  return tx.insertEvent({
    userId: team.id,
    apiKeyId: null,
    type,
    payload: {
      team: { id: team.id, name: team.name },
      by: { id: actor.userId, email: actor.email },
      ...extra,
    },
    createdAt: origin.at.toISOString(),
  });
}

/**
 * An audit row in the team's log for an action of a person through a credential of their own
 * account (creating the team, accepting an invitation): the member who acted is in the args.
 */
export function auditAs(
  tx: Pick<StoreTx, "insertAudit">,
  teamId: number,
  memberId: number,
  keyId: number,
  origin: Origin,
  action: string,
  args: Record<string, unknown>,
): Promise<void> {
  return tx.insertAudit({
    userId: teamId,
    apiKeyId: keyId,
    action,
    apiRoute: origin.route,
    args: { ...args, member_id: memberId },
    ipAddress: origin.ip,
    createdAt: origin.at.toISOString(),
  });
}
