import type {
  CredentialKind,
  DeliveryRecord,
  KeyEventRecord,
  KeyNotice,
  KeyRecord,
  NewAudit,
  NewDelivery,
  NewInvitation,
  NewKey,
  NewKeyEvent,
  NewWebhook,
  Permissions,
  RoleRecord,
  SecretChange,
  StoreTx,
  TeamTx,
  WebhookRecord,
} from "@latchkey/core";
import type { Kysely, Transaction } from "kysely";
import type { Capabilities } from "./dialect.js";
import * as audit from "./queries/audit.js";
import * as deliveries from "./queries/deliveries.js";
import * as keyEvents from "./queries/keyEvents.js";
import * as keys from "./queries/keys.js";
import * as teams from "./queries/teams.js";
import * as webhooks from "./queries/webhooks.js";
import type { Database } from "./schema.js";

/**
 * The writes that may run inside a transaction, over either the database or a transaction.
 * Each query lives in queries/, in the file of its table.
 */
export class KyselyTx implements StoreTx, TeamTx {
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

  insertTeam(name: string, createdAt: string) {
    return teams.insertTeam(this.db, name, createdAt);
  }

  findTeam(teamId: number) {
    return teams.findTeam(this.db, teamId);
  }

  renameTeam(teamId: number, name: string) {
    return teams.renameTeam(this.db, teamId, name);
  }

  destroyTeam(teamId: number, at: string, keep?: { keyId: number; owner: number }) {
    return teams.destroyTeam(this.db, teamId, at, keep);
  }

  moveKey(keyId: number, userId: number, memberId: number | null) {
    return teams.moveKey(this.db, keyId, userId, memberId);
  }

  insertRole(role: Omit<RoleRecord, "id">) {
    return teams.insertRole(this.db, role);
  }

  listRoles(teamId: number) {
    return teams.listRoles(this.db, teamId);
  }

  findRole(teamId: number, id: number) {
    return teams.findRole(this.db, teamId, id);
  }

  findRoleByName(teamId: number, name: string) {
    return teams.findRoleByName(this.db, teamId, name);
  }

  updateRole(
    teamId: number,
    id: number,
    patch: { name?: string; permissions?: Permissions; updatedAt: string },
  ) {
    return teams.updateRole(this.db, teamId, id, patch);
  }

  deleteRole(teamId: number, id: number) {
    return teams.deleteRole(this.db, teamId, id);
  }

  insertMember(teamId: number, userId: number, roleId: number, createdAt: string) {
    return teams.insertMember(this.db, teamId, userId, roleId, createdAt);
  }

  findMember(teamId: number, userId: number) {
    return teams.findMember(this.db, teamId, userId);
  }

  listMembers(teamId: number) {
    return teams.listMembers(this.db, teamId);
  }

  countMembersWithRole(teamId: number, roleId: number) {
    return teams.countMembersWithRole(this.db, teamId, roleId);
  }

  setMemberRole(teamId: number, userId: number, roleId: number) {
    return teams.setMemberRole(this.db, teamId, userId, roleId);
  }

  removeMember(teamId: number, userId: number, at: string) {
    return teams.removeMember(this.db, teamId, userId, at);
  }

  memberCredentials(teamId: number, who: { userIds: readonly number[] } | { roleId: number }) {
    return teams.memberCredentials(this.db, teamId, who);
  }

  touchKeys(keyIds: readonly number[]) {
    return teams.touchKeys(this.db, keyIds);
  }

  teamsOf(userId: number) {
    return teams.teamsOf(this.db, userId);
  }

  listTeamKeys(teamId: number) {
    return teams.listTeamKeys(this.db, teamId);
  }

  insertInvitation(invitation: NewInvitation) {
    return teams.insertInvitation(this.db, invitation);
  }

  pendingInvitations(teamId: number, now: string) {
    return teams.pendingInvitations(this.db, teamId, now);
  }

  invitationsFor(email: string, now: string) {
    return teams.invitationsFor(this.db, email, now);
  }

  findInvitationByToken(tokenHash: string) {
    return teams.findInvitationByToken(this.db, tokenHash);
  }

  invitationsSince(teamId: number, since: string) {
    return teams.invitationsSince(this.db, teamId, since);
  }

  revokeInvitation(teamId: number, id: number, at: string) {
    return teams.revokeInvitation(this.db, teamId, id, at);
  }

  acceptInvitation(id: number, at: string) {
    return teams.acceptInvitation(this.db, id, at);
  }
}
