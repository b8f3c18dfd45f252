import type { TeamInvitation, TeamMember, TeamRole } from "@latchkey/sdk";
import type { Context } from "../context.js";
import { permissionSummary } from "../permissionSummary.js";
import { renderTable } from "./table.js";
import { formatTime } from "./time.js";

export function membersTable(ctx: Context, members: readonly TeamMember[]): string {
  const now = ctx.now();
  return renderTable(
    ["ID", "EMAIL", "ROLE", "JOINED"],
    members.map((m) => [String(m.id), m.email, m.roles.join(", "), formatTime(m.joined_at, now)]),
    ctx.out.bold,
  );
}

export function rolesTable(ctx: Context, roles: readonly TeamRole[]): string {
  return renderTable(
    ["ID", "NAME", "PERMISSIONS"],
    roles.map((r) => [
      String(r.id),
      r.builtin ? `${r.name} (built-in)` : r.name,
      permissionSummary(r.permissions),
    ]),
    ctx.out.bold,
  );
}

export function invitationsTable(ctx: Context, invitations: readonly TeamInvitation[]): string {
  const now = ctx.now();
  return renderTable(
    ["ID", "EMAIL", "TEAM", "ROLE", "EXPIRES"],
    invitations.map((i) => [
      String(i.id),
      i.email,
      i.team_name ?? String(i.team_id),
      i.role,
      formatTime(i.expires_at, now),
    ]),
    ctx.out.bold,
  );
}
