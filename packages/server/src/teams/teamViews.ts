import type {
  InvitationRecord,
  MemberRecord,
  RoleRecord,
  TeamKeyRecord,
  TeamRecord,
} from "@latchkey/core";
import type { UsageRecorder } from "../auth/usageRecorder.js";
import type { TeamInvitationView, TeamMemberView, TeamRoleView, TeamView } from "./teamSchemas.js";

export function teamView(team: TeamRecord, role?: string): TeamView {
  return {
    success: true,
    id: team.id,
    team_name: team.name,
    created_at: team.createdAt,
    ...(role !== undefined ? { role } : {}),
  };
}

export function memberView(member: MemberRecord): TeamMemberView {
  return {
    id: member.userId,
    username: member.email,
    email: member.email,
    fullname: "",
    roles: [member.roleName],
    role_id: member.roleId,
    joined_at: member.createdAt,
  };
}

export function identifierOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "_");
}

export function roleView(role: RoleRecord): TeamRoleView {
  return {
    id: role.id,
    name: role.name,
    identifier: identifierOf(role.name),
    builtin: role.builtin !== null,
    permissions: role.permissions as TeamRoleView["permissions"],
  };
}

export function invitationView(
  invitation: InvitationRecord,
  roleName: string,
  team?: TeamRecord,
): TeamInvitationView {
  return {
    id: invitation.id,
    email: invitation.email,
    role: roleName,
    role_id: invitation.roleId,
    invited_by: invitation.invitedBy,
    created_at: invitation.createdAt,
    expires_at: invitation.expiresAt,
    team_id: invitation.teamId,
    ...(team ? { team_name: team.name } : {}),
  };
}

export function teamKeyView(row: TeamKeyRecord, usage: UsageRecorder) {
  return {
    id: row.key.id,
    user_id: row.key.memberId ?? 0,
    username: row.memberEmail ?? "",
    name: row.key.name,
    key: "" as const,
    key_type: "team" as const,
    created_at: row.key.createdAt,
    role_name: row.roleName,
    last_used_at: usage.lastUse(row.key).at,
    expires_at: row.key.expiresAt,
  };
}
