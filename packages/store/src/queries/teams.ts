import { randomUUID } from "node:crypto";
import type {
  BuiltinRole,
  InvitationRecord,
  MemberRecord,
  NewInvitation,
  PermissionTree,
  RoleRecord,
  TeamKeyRecord,
  TeamRecord,
} from "@latchkey/core";
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../schema.js";
import { toKey } from "./keys.js";
import { fromNullableJson, toNullableJson } from "./storedJson.js";
import { storedTime } from "./storedTime.js";

/**
 * Teams, their roles, members and invitations (docs/teams.md). A team's account is a users row
 * of kind `team`: it has an address nobody can own (`.invalid` is reserved) and no password
 * hash that any password matches, and logging in refuses team accounts outright.
 */

const toTeam = (r: Selectable<Database["teams"]>): TeamRecord => ({
  id: Number(r.id),
  name: r.name,
  createdAt: r.created_at,
});

const toRole = (r: Selectable<Database["team_roles"]>): RoleRecord => ({
  id: Number(r.id),
  teamId: Number(r.team_id),
  name: r.name,
  builtin: r.builtin as BuiltinRole | null,
  permissions: fromNullableJson<PermissionTree>(r.permissions),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toInvitation = (r: Selectable<Database["team_invitations"]>): InvitationRecord => ({
  id: Number(r.id),
  teamId: Number(r.team_id),
  email: r.email,
  roleId: Number(r.role_id),
  tokenHash: r.token_hash,
  invitedBy: Number(r.invited_by),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  acceptedAt: r.accepted_at,
  revokedAt: r.revoked_at,
});

export async function insertTeam(
  db: Kysely<Database>,
  name: string,
  createdAt: string,
): Promise<TeamRecord> {
  const account = await db
    .insertInto("users")
    .values({
      kind: "team",
      email: `team-${randomUUID()}@teams.invalid`,
      // Not a hash any password verifies against.
      password_hash: "!",
      is_admin: 0,
      created_at: storedTime("created_at", createdAt),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto("teams")
    .values({ id: Number(account.id), name, created_at: createdAt })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTeam(row);
}

export async function findTeam(db: Kysely<Database>, teamId: number) {
  const row = await db
    .selectFrom("teams")
    .selectAll()
    .where("id", "=", teamId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return row && toTeam(row);
}

export async function renameTeam(db: Kysely<Database>, teamId: number, name: string) {
  const row = await db
    .updateTable("teams")
    .set({ name })
    .where("id", "=", teamId)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row && toTeam(row);
}

export async function destroyTeam(
  db: Kysely<Database>,
  teamId: number,
  at: string,
  keep?: { keyId: number; owner: number },
): Promise<number[]> {
  if (keep) {
    await db
      .updateTable("api_keys")
      .set({ user_id: keep.owner, member_id: null })
      .where("id", "=", keep.keyId)
      .where("user_id", "=", teamId)
      .where("kind", "=", "api")
      .where("deleted_at", "is", null)
      .execute();
  }
  const deleted = await db
    .updateTable("api_keys")
    .set({ deleted_at: at })
    .where("user_id", "=", teamId)
    .where("deleted_at", "is", null)
    .returning("id")
    .execute();
  await db.deleteFrom("team_invitations").where("team_id", "=", teamId).execute();
  await db.deleteFrom("team_members").where("team_id", "=", teamId).execute();
  await db.deleteFrom("team_roles").where("team_id", "=", teamId).execute();
  await db
    .updateTable("teams")
    .set({ deleted_at: at })
    .where("id", "=", teamId)
    .where("deleted_at", "is", null)
    .execute();
  return deleted.map((r) => Number(r.id));
}

export async function moveKey(
  db: Kysely<Database>,
  keyId: number,
  userId: number,
  memberId: number | null,
) {
  const row = await db
    .updateTable("api_keys")
    .set({ user_id: userId, member_id: memberId })
    .where("id", "=", keyId)
    .where("kind", "=", "api")
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row && toKey(row);
}

export async function insertRole(db: Kysely<Database>, role: Omit<RoleRecord, "id">) {
  const row = await db
    .insertInto("team_roles")
    .values({
      team_id: role.teamId,
      name: role.name,
      builtin: role.builtin,
      permissions: toNullableJson(role.permissions),
      created_at: role.createdAt,
      updated_at: role.updatedAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRole(row);
}

export async function listRoles(db: Kysely<Database>, teamId: number) {
  const rows = await db
    .selectFrom("team_roles")
    .selectAll()
    .where("team_id", "=", teamId)
    .orderBy("id")
    .execute();
  return rows.map(toRole);
}

export async function findRole(db: Kysely<Database>, teamId: number, id: number) {
  const row = await db
    .selectFrom("team_roles")
    .selectAll()
    .where("team_id", "=", teamId)
    .where("id", "=", id)
    .executeTakeFirst();
  return row && toRole(row);
}

/** By name, whatever its case: names are unique in a team that way. */
export async function findRoleByName(db: Kysely<Database>, teamId: number, name: string) {
  const rows = await db
    .selectFrom("team_roles")
    .selectAll()
    .where("team_id", "=", teamId)
    .execute();
  const wanted = name.toLowerCase();
  const row = rows.find((r) => r.name.toLowerCase() === wanted);
  return row && toRole(row);
}

export async function updateRole(
  db: Kysely<Database>,
  teamId: number,
  id: number,
  patch: { name?: string; permissions?: RoleRecord["permissions"]; updatedAt: string },
) {
  const row = await db
    .updateTable("team_roles")
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.permissions !== undefined
        ? { permissions: toNullableJson(patch.permissions) }
        : {}),
      updated_at: patch.updatedAt,
    })
    .where("team_id", "=", teamId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row && toRole(row);
}

export async function deleteRole(db: Kysely<Database>, teamId: number, id: number) {
  const rows = await db
    .deleteFrom("team_roles")
    .where("team_id", "=", teamId)
    .where("id", "=", id)
    .returning("id")
    .execute();
  return rows.length === 1;
}

export async function insertMember(
  db: Kysely<Database>,
  teamId: number,
  userId: number,
  roleId: number,
  createdAt: string,
) {
  await db
    .insertInto("team_members")
    .values({ team_id: teamId, user_id: userId, role_id: roleId, created_at: createdAt })
    .execute();
}

function members(db: Kysely<Database>) {
  return db
    .selectFrom("team_members")
    .innerJoin("users", "users.id", "team_members.user_id")
    .innerJoin("team_roles", "team_roles.id", "team_members.role_id")
    .select([
      "team_members.team_id as team_id",
      "team_members.user_id as user_id",
      "team_members.role_id as role_id",
      "team_members.created_at as created_at",
      "users.email as email",
      "team_roles.name as role_name",
      "team_roles.permissions as role_permissions",
      "team_roles.builtin as builtin",
    ]);
}

type MemberRow = {
  team_id: number;
  user_id: number;
  role_id: number;
  created_at: string;
  email: string;
  role_name: string;
  role_permissions: string | null;
  builtin: string | null;
};

const toMember = (r: MemberRow): MemberRecord => ({
  teamId: Number(r.team_id),
  userId: Number(r.user_id),
  email: r.email,
  roleId: Number(r.role_id),
  roleName: r.role_name,
  rolePermissions: fromNullableJson<PermissionTree>(r.role_permissions),
  builtin: r.builtin as BuiltinRole | null,
  createdAt: r.created_at,
});

export async function findMember(db: Kysely<Database>, teamId: number, userId: number) {
  const row = await members(db)
    .where("team_members.team_id", "=", teamId)
    .where("team_members.user_id", "=", userId)
    .executeTakeFirst();
  return row && toMember(row);
}

export async function listMembers(db: Kysely<Database>, teamId: number) {
  const rows = await members(db)
    .where("team_members.team_id", "=", teamId)
    .orderBy("team_members.created_at")
    .orderBy("team_members.user_id")
    .execute();
  return rows.map(toMember);
}

export async function countMembersWithRole(db: Kysely<Database>, teamId: number, roleId: number) {
  const row = await db
    .selectFrom("team_members")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("team_id", "=", teamId)
    .where("role_id", "=", roleId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function setMemberRole(
  db: Kysely<Database>,
  teamId: number,
  userId: number,
  roleId: number,
) {
  const rows = await db
    .updateTable("team_members")
    .set({ role_id: roleId })
    .where("team_id", "=", teamId)
    .where("user_id", "=", userId)
    .returning("user_id")
    .execute();
  return rows.length === 1;
}

export async function removeMember(
  db: Kysely<Database>,
  teamId: number,
  userId: number,
  at: string,
): Promise<number[]> {
  const removed = await db
    .deleteFrom("team_members")
    .where("team_id", "=", teamId)
    .where("user_id", "=", userId)
    .returning("user_id")
    .execute();
  if (removed.length === 0) return [];
  const rows = await db
    .updateTable("api_keys")
    .set({ deleted_at: at })
    .where("user_id", "=", teamId)
    .where("member_id", "=", userId)
    .where("deleted_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}

export async function memberCredentials(
  db: Kysely<Database>,
  teamId: number,
  who: { userIds: readonly number[] } | { roleId: number },
): Promise<number[]> {
  let query = db
    .selectFrom("api_keys")
    .select("api_keys.id")
    .where("api_keys.user_id", "=", teamId)
    .where("api_keys.deleted_at", "is", null);
  if ("roleId" in who) {
    query = query.where("api_keys.member_id", "in", (eb) =>
      eb
        .selectFrom("team_members")
        .select("team_members.user_id")
        .where("team_members.team_id", "=", teamId)
        .where("team_members.role_id", "=", who.roleId),
    );
  } else {
    if (who.userIds.length === 0) return [];
    query = query.where("api_keys.member_id", "in", [...who.userIds]);
  }
  const rows = await query.orderBy("api_keys.id").execute();
  return rows.map((r) => Number(r.id));
}

export async function touchKeys(db: Kysely<Database>, keyIds: readonly number[]) {
  if (keyIds.length === 0) return;
  await db
    .updateTable("api_keys")
    .set((eb) => ({ access_version: eb("access_version", "+", 1) }))
    .where("id", "in", [...keyIds])
    .execute();
}

export async function teamsOf(db: Kysely<Database>, userId: number) {
  const rows = await members(db)
    .innerJoin("teams", "teams.id", "team_members.team_id")
    .select(["teams.name as team_name", "teams.created_at as team_created_at"])
    .where("team_members.user_id", "=", userId)
    .where("teams.deleted_at", "is", null)
    .orderBy("team_members.created_at")
    .orderBy("team_members.team_id")
    .execute();
  return rows.map((r) => ({
    team: { id: Number(r.team_id), name: r.team_name, createdAt: r.team_created_at },
    member: toMember(r),
  }));
}

export async function listTeamKeys(db: Kysely<Database>, teamId: number): Promise<TeamKeyRecord[]> {
  const rows = await db
    .selectFrom("api_keys")
    .leftJoin("users", "users.id", "api_keys.member_id")
    .leftJoin("team_members", (join) =>
      join
        .onRef("team_members.user_id", "=", "api_keys.member_id")
        .on("team_members.team_id", "=", teamId),
    )
    .leftJoin("team_roles", "team_roles.id", "team_members.role_id")
    .selectAll("api_keys")
    .select(["users.email as member_email", "team_roles.name as role_name"])
    .where("api_keys.user_id", "=", teamId)
    .where("api_keys.kind", "=", "api")
    .where("api_keys.deleted_at", "is", null)
    .orderBy("api_keys.id")
    .execute();
  return rows.map((r) => ({
    key: toKey(r),
    memberEmail: r.member_email,
    roleName: r.role_name,
  }));
}

export async function insertInvitation(db: Kysely<Database>, invitation: NewInvitation) {
  const row = await db
    .insertInto("team_invitations")
    .values({
      team_id: invitation.teamId,
      email: invitation.email,
      role_id: invitation.roleId,
      token_hash: invitation.tokenHash,
      invited_by: invitation.invitedBy,
      created_at: storedTime("created_at", invitation.createdAt),
      expires_at: storedTime("expires_at", invitation.expiresAt),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toInvitation(row);
}

function pending(db: Kysely<Database>, now: string) {
  return db
    .selectFrom("team_invitations")
    .innerJoin("teams", "teams.id", "team_invitations.team_id")
    .selectAll("team_invitations")
    .where("teams.deleted_at", "is", null)
    .where("team_invitations.accepted_at", "is", null)
    .where("team_invitations.revoked_at", "is", null)
    .where("team_invitations.expires_at", ">", now);
}

export async function pendingInvitations(db: Kysely<Database>, teamId: number, now: string) {
  const rows = await pending(db, now)
    .where("team_invitations.team_id", "=", teamId)
    .orderBy("team_invitations.id", "desc")
    .execute();
  return rows.map(toInvitation);
}

export async function invitationsFor(db: Kysely<Database>, email: string, now: string) {
  const rows = await pending(db, now)
    .where("team_invitations.email", "=", email)
    .orderBy("team_invitations.id", "desc")
    .execute();
  return rows.map(toInvitation);
}

export async function findInvitationByToken(db: Kysely<Database>, tokenHash: string) {
  const row = await db
    .selectFrom("team_invitations")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row && toInvitation(row);
}

export async function invitationsSince(db: Kysely<Database>, teamId: number, since: string) {
  const rows = await db
    .selectFrom("team_invitations")
    .select("created_at")
    .where("team_id", "=", teamId)
    .where("created_at", ">=", since)
    .orderBy("created_at")
    .execute();
  return rows.map((r) => r.created_at);
}

export async function revokeInvitation(
  db: Kysely<Database>,
  teamId: number,
  id: number,
  at: string,
) {
  const rows = await db
    .updateTable("team_invitations")
    .set({ revoked_at: at })
    .where("team_id", "=", teamId)
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", at)
    .returning("id")
    .execute();
  return rows.length === 1;
}

export async function acceptInvitation(db: Kysely<Database>, id: number, at: string) {
  const rows = await db
    .updateTable("team_invitations")
    .set({ accepted_at: at })
    .where("id", "=", id)
    .where("accepted_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", at)
    .returning("id")
    .execute();
  return rows.length === 1;
}
