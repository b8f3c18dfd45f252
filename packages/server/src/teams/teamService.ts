import { createHash, randomBytes } from "node:crypto";
import {
  type BuiltinRole,
  beyond,
  formatInstant,
  INVITATION_SECONDS,
  type InvitationRecord,
  intersectPermissions,
  MAX_INVITATIONS_PER_HOUR,
  MAX_ROLE_NAME_LENGTH,
  MAX_TEAM_NAME_LENGTH,
  type MemberRecord,
  MIN_ROLE_NAME_LENGTH,
  type Permissions,
  type PermissionTree,
  parsePermissions,
  REINVITE_SECONDS,
  type RevocationBus,
  type RoleRecord,
  type RouteCatalogue,
  type Store,
  type StoreTx,
  type TeamKeyRecord,
  type TeamRecord,
  type TeamTx,
} from "@latchkey/core";
import { normaliseEmail } from "../accounts/accountService.js";
import { audit } from "../audit/audit.js";
import type { Origin, Principal } from "../auth/principal.js";
import { fail, ok, type Result } from "../http/result.js";
import { auditAs, publishTeamEvent, type TeamEventData } from "./teamEvents.js";

type Tx = StoreTx & TeamTx;

/**
 * The built-in roles' trees. The owner has full access (null); a manager every category but
 * not full access (so no key of theirs is full access, and categories added later are not
 * theirs until the role is edited), and may neither destroy nor transfer the team; a member
 * has instances only.
 */
export const BUILTIN_ROLES: readonly { builtin: BuiltinRole; permissions: Permissions }[] = [
  { builtin: "owner", permissions: null },
  {
    builtin: "manager",
    permissions: {
      api: {
        instance_read: {},
        instance_write: {},
        user_read: {},
        user_write: {},
        billing_read: {},
        billing_write: {},
        machine_read: {},
        machine_write: {},
        misc: {},
        team_read: {},
        team_write: {},
      },
    },
  },
  { builtin: "member", permissions: { api: { instance_read: {}, instance_write: {} } } },
];

/** What an invitation answer carries: the record, its role's name, and the token (once). */
export interface IssuedInvitation {
  invitation: InvitationRecord;
  roleName: string;
  token: string;
}

export interface PendingInvitation {
  invitation: InvitationRecord;
  roleName: string;
  team: TeamRecord;
}

/** The token's digest, which is what the database holds and looks up. */
export function invitationDigest(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

const TOKEN = /^inv_[A-Za-z0-9_-]{43}$/;

function teamName(input: unknown): Result<string> {
  if (typeof input !== "string") return fail("invalid_request", "team_name: required, a string");
  const name = input.trim();
  if (name.length === 0) return fail("invalid_request", "team_name: must not be empty");
  if (name.length > MAX_TEAM_NAME_LENGTH) {
    return fail("invalid_request", `team_name: at most ${MAX_TEAM_NAME_LENGTH} characters`);
  }
  return ok(name);
}

function roleName(input: unknown): Result<string> {
  if (typeof input !== "string") return fail("invalid_request", "name: required, a string");
  const name = input.trim();
  if (name.length < MIN_ROLE_NAME_LENGTH || name.length > MAX_ROLE_NAME_LENGTH) {
    return fail(
      "invalid_request",
      `name: ${MIN_ROLE_NAME_LENGTH} to ${MAX_ROLE_NAME_LENGTH} characters (got ${name.length})`,
    );
  }
  if (/^\d+$/.test(name)) {
    return fail("invalid_request", "name: must not be all digits (ids are)");
  }
  return ok(name);
}

/** The 403 of a tree beyond the caller's rights, naming what is beyond them. */
function escalation(
  tree: Permissions,
  rights: Permissions,
  doing: string,
): Result<never> | undefined {
  const over = beyond(tree, rights);
  if (over === undefined) return undefined;
  return fail(
    "permission_escalation",
    `${doing} would grant ${over.what}, which is beyond your own rights in this team.`,
    {
      beyond: {
        ...(over.category ? { category: over.category } : {}),
        ...(over.route ? { route: over.route } : {}),
      },
    },
  );
}

const notFound = (what: string): Result<never> =>
  fail("not_found", `${what} not found in this team.`);

/**
 * Teams and roles (docs/teams.md): every use-case takes the team's account lock, re-reads the
 * acting member, checks the no-escalation rules against that member's current rights, commits
 * with its audit row and webhook event, and, when it narrows what any credential may do, has
 * every node drop those credentials before it returns.
 */
export class TeamService {
  constructor(
    private readonly store: Store,
    private readonly catalogue: RouteCatalogue,
    private readonly revocations: Pick<RevocationBus, "revoked">,
  ) {}

  /** A team credential's team and member id; team_required for a personal credential. */
  private context(caller: Principal): Result<{ teamId: number; memberId: number }> {
    const memberId = caller.key.memberId;
    if (caller.user.kind !== "team" || memberId === null || memberId === undefined) {
      return fail("team_required");
    }
    return ok({ teamId: caller.user.id, memberId });
  }

  /**
   * Runs `work` under the team's lock with the acting member as the database has them now,
   * and their rights: the credential's own tree cut to that member's current role.
   */
  private async inTeam<T>(
    caller: Principal,
    work: (tx: Tx, me: MemberRecord, rights: Permissions, team: TeamRecord) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const context = this.context(caller);
    if (!context.ok) return context;
    const { teamId, memberId } = context.value;
    return this.store.transaction(async (tx) => {
      await tx.lockAccount(teamId);
      const team = await tx.findTeam(teamId);
      const me = await tx.findMember(teamId, memberId);
      // Removal and destruction revoke the credential first; a request that raced them ends here.
      if (!team || !me)
        return fail<T>("team_required", "This credential's team membership has ended.");
      const rights = intersectPermissions(caller.key.permissions, me.rolePermissions);
      return work(tx, me, rights, team);
    });
  }

  private parseTree(input: unknown): Result<PermissionTree> {
    if (input === null || input === undefined) {
      return fail(
        "invalid_permissions",
        'permissions: required, a tree such as {"api": {"instance_read": {}}}',
      );
    }
    const parsed = parsePermissions(input, this.catalogue);
    if (!parsed.ok) return fail("invalid_permissions", parsed.msg, { path: parsed.path });
    return ok(parsed.tree);
  }

  // ---- the team itself ----

  /**
   * Creates a team whose owner is the calling person. An API key that calls this becomes the
   * owner's team key (Vast's rule for its CLI); a session stays personal.
   */
  async create(
    caller: Principal,
    input: { teamName: unknown; transferCredit?: unknown },
    origin: Origin,
  ): Promise<Result<{ team: TeamRecord; movedKeyId: number | null }>> {
    if (caller.user.kind !== "person" || caller.key.memberId !== null) {
      return fail(
        "invalid_request",
        "This credential already acts on a team; create a team with a personal key or session.",
      );
    }
    const credit = input.transferCredit;
    if (credit !== undefined && credit !== null && credit !== 0 && credit !== "0") {
      return fail(
        "invalid_request",
        "transfer_credit: Latchkey holds no credit; leave it out or send 0.",
      );
    }
    const name = teamName(input.teamName);
    if (!name.ok) return name;
    const at = origin.at.toISOString();
    const moveKey = caller.key.kind === "api";
    const created = await this.store.transaction(async (tx) => {
      const team = await tx.insertTeam(name.value, at);
      let ownerRole: RoleRecord | undefined;
      for (const role of BUILTIN_ROLES) {
        const record = await tx.insertRole({
          teamId: team.id,
          name: role.builtin,
          builtin: role.builtin,
          permissions: role.permissions,
          createdAt: at,
          updatedAt: at,
        });
        if (role.builtin === "owner") ownerRole = record;
      }
      if (!ownerRole) throw new Error("the owner role was not created");
      await tx.insertMember(team.id, caller.user.id, ownerRole.id, at);
      const moved = moveKey ? await tx.moveKey(caller.key.id, team.id, caller.user.id) : undefined;
      await auditAs(tx, team.id, caller.user.id, caller.key.id, origin, "team.create", {
        team_id: team.id,
        team_name: team.name,
        moved_key_id: moved?.id ?? null,
      });
      return { team, movedKeyId: moved?.id ?? null };
    });
    // The moved key acts on the team from its next request on, on every node.
    if (created.movedKeyId !== null) await this.revocations.revoked([created.movedKeyId]);
    return ok(created);
  }

  async show(caller: Principal): Promise<Result<{ team: TeamRecord; me: MemberRecord }>> {
    return this.inTeam(caller, async (_tx, me, _rights, team) => ok({ team, me }));
  }

  async rename(caller: Principal, input: { teamName: unknown }, origin: Origin) {
    const name = teamName(input.teamName);
    if (!name.ok) return name;
    return this.inTeam(caller, async (tx, me, _rights, team) => {
      const renamed = await tx.renameTeam(team.id, name.value);
      if (!renamed) return notFound("Team");
      await audit(tx, caller, origin, "team.rename", { from: team.name, to: renamed.name });
      await publishTeamEvent(tx, "team.renamed", renamed, me, origin, { previous_name: team.name });
      return ok(renamed);
    });
  }

  /**
   * Destroys the team (owner only): every credential of its account is deleted, except the
   * calling API key, which becomes the owner's personal key again; all are refused on every
   * node before this returns.
   */
  async destroy(
    caller: Principal,
    origin: Origin,
  ): Promise<Result<{ team: TeamRecord; deleted: number[] }>> {
    const done = await this.inTeam(caller, async (tx, me, _rights, team) => {
      if (me.builtin !== "owner") {
        return fail<{ team: TeamRecord; deleted: number[] }>(
          "permission_denied",
          "Only the team's owner may destroy it.",
        );
      }
      const keep =
        caller.key.kind === "api" ? { keyId: caller.key.id, owner: me.userId } : undefined;
      await audit(tx, caller, origin, "team.destroy", { team_id: team.id, team_name: team.name });
      await publishTeamEvent(tx, "team.deleted", team, me, origin);
      const deleted = await tx.destroyTeam(team.id, origin.at.toISOString(), keep);
      return ok({ team, deleted });
    });
    if (!done.ok) return done;
    const ids = [...done.value.deleted];
    if (caller.key.kind === "api") ids.push(caller.key.id);
    await this.revocations.revoked(ids);
    return done;
  }

  /** Makes a manager the owner; the old owner becomes a manager. Owner only. */
  async transfer(caller: Principal, newOwnerId: number, origin: Origin) {
    const done = await this.inTeam(caller, async (tx, me, _rights, team) => {
      if (me.builtin !== "owner") {
        return fail<{ ids: number[]; owner: MemberRecord }>(
          "permission_denied",
          "Only the team's owner may transfer it.",
        );
      }
      if (newOwnerId === me.userId) {
        return fail<{ ids: number[]; owner: MemberRecord }>(
          "invalid_request",
          "You already own this team.",
        );
      }
      const next = await tx.findMember(team.id, newOwnerId);
      if (!next) return notFound(`Member ${newOwnerId}`);
      if (next.builtin !== "manager") {
        return fail<{ ids: number[]; owner: MemberRecord }>(
          "invalid_request",
          `The new owner must be a manager; member ${newOwnerId} is '${next.roleName}'. Make them a manager first.`,
        );
      }
      const roles = await tx.listRoles(team.id);
      const owner = roles.find((r) => r.builtin === "owner");
      const manager = roles.find((r) => r.builtin === "manager");
      if (!owner || !manager) throw new Error(`team ${team.id} lacks a built-in role`);
      await tx.setMemberRole(team.id, next.userId, owner.id);
      await tx.setMemberRole(team.id, me.userId, manager.id);
      const ids = await tx.memberCredentials(team.id, { userIds: [me.userId, next.userId] });
      await tx.touchKeys(ids);
      await audit(tx, caller, origin, "team.transfer", { from: me.userId, to: next.userId });
      await publishTeamEvent(tx, "team.transferred", team, me, origin, {
        previous_owner: { id: me.userId, email: me.email },
        new_owner: { id: next.userId, email: next.email },
      });
      const updated = await tx.findMember(team.id, next.userId);
      if (!updated) throw new Error("the new owner vanished inside the transaction");
      return ok({ ids, owner: updated });
    });
    if (!done.ok) return done;
    await this.revocations.revoked(done.value.ids);
    return ok(done.value.owner);
  }

  // ---- members ----

  async members(caller: Principal): Promise<Result<MemberRecord[]>> {
    return this.inTeam(caller, async (tx, _me, _rights, team) => ok(await tx.listMembers(team.id)));
  }

  /** Checks that the caller may act on `target` (not the owner, not themself, within their rights). */
  private mayManage(me: MemberRecord, target: MemberRecord, rights: Permissions, doing: string) {
    if (target.builtin === "owner") {
      return fail(
        "invalid_request",
        `The team's owner cannot be ${doing}; transfer the team first.`,
      );
    }
    if (target.userId === me.userId) {
      return fail("invalid_request", `You cannot be ${doing} by yourself; ask another manager.`);
    }
    const over = beyond(target.rolePermissions, rights);
    if (over) {
      return fail(
        "permission_escalation",
        `Member ${target.userId}'s role '${target.roleName}' grants ${over.what}, which is beyond your own rights in this team.`,
        {
          beyond: {
            ...(over.category ? { category: over.category } : {}),
            ...(over.route ? { route: over.route } : {}),
          },
        },
      );
    }
    return undefined;
  }

  /** Removes a member; all their team credentials are refused on every node before this returns. */
  async removeMember(caller: Principal, userId: number, origin: Origin) {
    const done = await this.inTeam(caller, async (tx, me, rights, team) => {
      const target = await tx.findMember(team.id, userId);
      if (!target) return notFound(`Member ${userId}`);
      const refused = this.mayManage(me, target, rights, "removed");
      if (refused) return refused;
      const ids = await tx.removeMember(team.id, userId, origin.at.toISOString());
      await audit(tx, caller, origin, "team.member_remove", {
        removed: target.userId,
        email: target.email,
        role: target.roleName,
        revoked_keys: ids,
      });
      await publishTeamEvent(tx, "team.member_removed", team, me, origin, {
        member: { id: target.userId, email: target.email, role: target.roleName },
        revoked_credentials: ids.length,
      });
      return ok({ target, ids });
    });
    if (!done.ok) return done;
    await this.revocations.revoked(done.value.ids);
    return ok(done.value);
  }

  /** Gives a member another role; their credentials get its rights on every node before this returns. */
  async setMemberRole(
    caller: Principal,
    userId: number,
    ref: { roleId?: number | undefined; role?: string | undefined },
    origin: Origin,
  ) {
    const done = await this.inTeam(caller, async (tx, me, rights, team) => {
      const target = await tx.findMember(team.id, userId);
      if (!target) return notFound(`Member ${userId}`);
      const role =
        ref.roleId !== undefined
          ? await tx.findRole(team.id, ref.roleId)
          : ref.role !== undefined
            ? await tx.findRoleByName(team.id, ref.role)
            : undefined;
      if (ref.roleId === undefined && ref.role === undefined) {
        return fail<{ ids: number[]; member: MemberRecord }>(
          "invalid_request",
          "Send role_id (a role's id) or role (its name).",
        );
      }
      if (!role) return notFound(`Role ${ref.roleId ?? ref.role}`);
      if (role.builtin === "owner") {
        return fail<{ ids: number[]; member: MemberRecord }>(
          "invalid_request",
          "The owner role is never assigned; transfer the team instead (PUT /api/v0/team/transfer/).",
        );
      }
      const refused = this.mayManage(me, target, rights, "given another role");
      if (refused) return refused;
      const over = escalation(role.permissions, rights, `Assigning role '${role.name}'`);
      if (over) return over;
      await tx.setMemberRole(team.id, userId, role.id);
      const ids = await tx.memberCredentials(team.id, { userIds: [userId] });
      await tx.touchKeys(ids);
      await audit(tx, caller, origin, "team.member_role", {
        member: userId,
        from: target.roleName,
        to: role.name,
      });
      await publishTeamEvent(tx, "team.role_changed", team, me, origin, {
        member: { id: userId, email: target.email },
        previous_role: target.roleName,
        role: role.name,
      });
      const member = await tx.findMember(team.id, userId);
      if (!member) throw new Error("the member vanished inside the transaction");
      return ok({ ids, member });
    });
    if (!done.ok) return done;
    await this.revocations.revoked(done.value.ids);
    return ok(done.value.member);
  }

  // ---- roles ----

  async roles(caller: Principal): Promise<Result<RoleRecord[]>> {
    return this.inTeam(caller, async (tx, _me, _rights, team) => ok(await tx.listRoles(team.id)));
  }

  /** A role by name (any case) or, for an all-digit reference, by id. */
  private async resolveRole(tx: Tx, teamId: number, ref: string, idFirst: boolean) {
    const byId = /^\d{1,10}$/.test(ref) ? () => tx.findRole(teamId, Number(ref)) : undefined;
    if (idFirst && byId) return (await byId()) ?? tx.findRoleByName(teamId, ref);
    return (await tx.findRoleByName(teamId, ref)) ?? (byId ? byId() : undefined);
  }

  async role(caller: Principal, ref: string): Promise<Result<RoleRecord>> {
    return this.inTeam(caller, async (tx, _me, _rights, team) => {
      const role = await this.resolveRole(tx, team.id, ref, false);
      return role ? ok(role) : notFound(`Role '${ref}'`);
    });
  }

  async createRole(
    caller: Principal,
    input: { name: unknown; permissions: unknown },
    origin: Origin,
  ) {
    const name = roleName(input.name);
    if (!name.ok) return name;
    const tree = this.parseTree(input.permissions);
    if (!tree.ok) return tree;
    return this.inTeam(caller, async (tx, me, rights, team) => {
      const over = escalation(tree.value, rights, `Role '${name.value}'`);
      if (over) return over;
      if (await tx.findRoleByName(team.id, name.value)) {
        return fail<RoleRecord>(
          "invalid_request",
          `A role named '${name.value}' already exists in this team.`,
        );
      }
      const at = origin.at.toISOString();
      const role = await tx.insertRole({
        teamId: team.id,
        name: name.value,
        builtin: null,
        permissions: tree.value,
        createdAt: at,
        updatedAt: at,
      });
      await audit(tx, caller, origin, "team.role_create", {
        role_id: role.id,
        name: role.name,
        permissions: role.permissions,
      });
      await publishTeamEvent(tx, "team.role_created", team, me, origin, { role: roleData(role) });
      return ok(role);
    });
  }

  /**
   * Renames a role or replaces its tree. Members holding it get the new rights at once: their
   * credentials are dropped on every node before this returns.
   */
  async updateRole(
    caller: Principal,
    ref: string,
    input: { name?: unknown; permissions?: unknown },
    origin: Origin,
  ) {
    const name = input.name === undefined ? undefined : roleName(input.name);
    if (name && !name.ok) return name;
    const tree = input.permissions === undefined ? undefined : this.parseTree(input.permissions);
    if (tree && !tree.ok) return tree;
    if (!name && !tree) return fail("invalid_request", "Send name, permissions or both.");
    const done = await this.inTeam(caller, async (tx, me, rights, team) => {
      const role = await this.resolveRole(tx, team.id, ref, true);
      if (!role) return notFound(`Role '${ref}'`);
      if (role.builtin === "owner") {
        return fail<{ role: RoleRecord; ids: number[] }>(
          "invalid_request",
          "The owner role is never edited: it is always full access.",
        );
      }
      if (name && role.builtin !== null && name.value !== role.name) {
        return fail<{ role: RoleRecord; ids: number[] }>(
          "invalid_request",
          `The built-in role '${role.name}' keeps its name; its permissions may change.`,
        );
      }
      // Neither a role above the caller nor a result above the caller.
      const current = escalation(role.permissions, rights, `Editing role '${role.name}'`);
      if (current) return current;
      if (tree) {
        const over = escalation(tree.value, rights, `Role '${role.name}'`);
        if (over) return over;
      }
      if (name && name.value.toLowerCase() !== role.name.toLowerCase()) {
        if (await tx.findRoleByName(team.id, name.value)) {
          return fail<{ role: RoleRecord; ids: number[] }>(
            "invalid_request",
            `A role named '${name.value}' already exists in this team.`,
          );
        }
      }
      const updated = await tx.updateRole(team.id, role.id, {
        ...(name ? { name: name.value } : {}),
        ...(tree ? { permissions: tree.value } : {}),
        updatedAt: origin.at.toISOString(),
      });
      if (!updated) return notFound(`Role '${ref}'`);
      const ids = await tx.memberCredentials(team.id, { roleId: role.id });
      await tx.touchKeys(ids);
      await audit(tx, caller, origin, "team.role_update", {
        role_id: role.id,
        name: updated.name,
        ...(name ? { previous_name: role.name } : {}),
        ...(tree ? { permissions: updated.permissions } : {}),
      });
      await publishTeamEvent(tx, "team.role_updated", team, me, origin, {
        role: roleData(updated),
        ...(name ? { previous_name: role.name } : {}),
      });
      return ok({ role: updated, ids });
    });
    if (!done.ok) return done;
    await this.revocations.revoked(done.value.ids);
    return ok(done.value.role);
  }

  /** Deletes a role no member holds; its pending invitations end with it. */
  async deleteRole(caller: Principal, ref: string, origin: Origin) {
    return this.inTeam(caller, async (tx, me, rights, team) => {
      const role = await this.resolveRole(tx, team.id, ref, false);
      if (!role) return notFound(`Role '${ref}'`);
      if (role.builtin !== null) {
        return fail<RoleRecord>(
          "invalid_request",
          `The built-in role '${role.name}' cannot be removed.`,
        );
      }
      const over = escalation(role.permissions, rights, `Removing role '${role.name}'`);
      if (over) return over;
      const holders = await tx.countMembersWithRole(team.id, role.id);
      if (holders > 0) {
        return fail<RoleRecord>(
          "role_in_use",
          `${holders} member(s) hold role '${role.name}'; give them another role first (PUT /api/v0/team/members/{id}/roles/).`,
        );
      }
      const at = origin.at.toISOString();
      for (const invitation of await tx.pendingInvitations(team.id, at)) {
        if (invitation.roleId === role.id) await tx.revokeInvitation(team.id, invitation.id, at);
      }
      await tx.deleteRole(team.id, role.id);
      await audit(tx, caller, origin, "team.role_delete", { role_id: role.id, name: role.name });
      await publishTeamEvent(tx, "team.role_deleted", team, me, origin, { role: roleData(role) });
      return ok(role);
    });
  }

  // ---- invitations ----

  /**
   * Invites an email with a role within the inviter's rights. At most MAX_INVITATIONS_PER_HOUR
   * an hour per team; the same email again only after REINVITE_SECONDS (429 with Retry-After),
   * which replaces the earlier invitation.
   */
  async invite(
    caller: Principal,
    input: { email: unknown; role: unknown },
    origin: Origin,
  ): Promise<Result<IssuedInvitation>> {
    if (typeof input.email !== "string")
      return fail("invalid_request", "email: required, a string: the address to invite");
    const email = normaliseEmail(input.email);
    if (!email.ok) return email;
    const ref = typeof input.role === "number" ? String(input.role) : input.role;
    if (typeof ref !== "string" || ref.trim() === "") {
      return fail("invalid_request", "role: required, the name (or id) of a team role");
    }
    // Read before the transaction: on SQLite's one connection, a read outside it would wait for it.
    const existing = await this.store.findUserByEmail(email.value);
    return this.inTeam(caller, async (tx, me, rights, team) => {
      if (email.value === me.email) {
        return fail<IssuedInvitation>("invalid_request", "You cannot invite yourself.");
      }
      if (existing && (await tx.findMember(team.id, existing.id))) {
        return fail<IssuedInvitation>(
          "already_member",
          `${email.value} is already a member of this team.`,
        );
      }
      const role = await this.resolveRole(tx, team.id, ref.trim(), false);
      if (!role) return notFound(`Role '${ref}'`);
      if (role.builtin === "owner") {
        return fail<IssuedInvitation>(
          "invalid_request",
          "Nobody is invited as owner; invite a manager and transfer the team.",
        );
      }
      const over = escalation(role.permissions, rights, `Inviting with role '${role.name}'`);
      if (over) return over;

      const now = origin.at.getTime();
      const at = origin.at.toISOString();
      const earlier = (await tx.pendingInvitations(team.id, at)).filter(
        (i) => i.email === email.value,
      );
      const latest = earlier[0];
      if (latest) {
        const waitMs = Date.parse(latest.createdAt) + REINVITE_SECONDS * 1000 - now;
        if (waitMs > 0) {
          const seconds = Math.ceil(waitMs / 1000);
          return fail<IssuedInvitation>(
            "rate_limited",
            `${email.value} was invited less than ${REINVITE_SECONDS / 60} minutes ago; retry after ${seconds} s.`,
            { retry_after: seconds },
          );
        }
      }
      const recent = await tx.invitationsSince(team.id, formatInstant(now - 3_600_000 + 1));
      if (recent.length >= MAX_INVITATIONS_PER_HOUR) {
        const oldest = recent[recent.length - MAX_INVITATIONS_PER_HOUR] ?? recent[0] ?? at;
        const seconds = Math.max(1, Math.ceil((Date.parse(oldest) + 3_600_000 - now) / 1000));
        return fail<IssuedInvitation>(
          "rate_limited",
          `A team may send at most ${MAX_INVITATIONS_PER_HOUR} invitations an hour; retry after ${seconds} s.`,
          { retry_after: seconds },
        );
      }
      for (const old of earlier) await tx.revokeInvitation(team.id, old.id, at);
      const token = `inv_${randomBytes(32).toString("base64url")}`;
      const invitation = await tx.insertInvitation({
        teamId: team.id,
        email: email.value,
        roleId: role.id,
        tokenHash: invitationDigest(token),
        invitedBy: me.userId,
        createdAt: at,
        expiresAt: formatInstant(now + INVITATION_SECONDS * 1000),
      });
      await audit(tx, caller, origin, "team.invite", {
        invitation_id: invitation.id,
        email: invitation.email,
        role: role.name,
        expires_at: invitation.expiresAt,
      });
      await publishTeamEvent(tx, "team.invitation_created", team, me, origin, {
        invitation: invitationData(invitation, role.name),
      });
      return ok({ invitation, roleName: role.name, token });
    });
  }

  async pendingInvitations(caller: Principal, at: Date) {
    return this.inTeam(caller, async (tx, _me, _rights, team) => {
      const roles = new Map((await tx.listRoles(team.id)).map((r) => [r.id, r.name]));
      const pending = await tx.pendingInvitations(team.id, at.toISOString());
      return ok(
        pending.map((invitation) => ({ invitation, roleName: roles.get(invitation.roleId) ?? "" })),
      );
    });
  }

  async revokeInvitation(caller: Principal, id: number, origin: Origin) {
    return this.inTeam(caller, async (tx, me, _rights, team) => {
      const at = origin.at.toISOString();
      const pending = (await tx.pendingInvitations(team.id, at)).find((i) => i.id === id);
      if (!pending || !(await tx.revokeInvitation(team.id, id, at))) {
        return notFound(`Pending invitation ${id}`);
      }
      const role = await tx.findRole(team.id, pending.roleId);
      await audit(tx, caller, origin, "team.invitation_revoke", {
        invitation_id: id,
        email: pending.email,
      });
      await publishTeamEvent(tx, "team.invitation_revoked", team, me, origin, {
        invitation: invitationData(pending, role?.name ?? ""),
      });
      return ok(pending);
    });
  }

  /** The pending invitations of the calling person's email, in every team. */
  async invitationsForMe(caller: Principal, at: Date): Promise<Result<PendingInvitation[]>> {
    if (caller.user.kind !== "person") {
      return fail(
        "invalid_request",
        "Invitations are a person's: call this with a personal credential.",
      );
    }
    const pending = await this.store.invitationsFor(caller.user.email, at.toISOString());
    const out: PendingInvitation[] = [];
    for (const invitation of pending) {
      const team = await this.store.findTeam(invitation.teamId);
      const role = await this.store.findRole(invitation.teamId, invitation.roleId);
      if (team && role) out.push({ invitation, roleName: role.name, team });
    }
    return ok(out);
  }

  /** The teams the calling person belongs to, with their role in each. */
  async teamsOfMe(caller: Principal) {
    const personId = caller.key.memberId ?? caller.user.id;
    return ok(await this.store.teamsOf(personId));
  }

  /**
   * Accepts an invitation by its token (or, from the invitee's own list, its id): only the
   * signed-in person whose email it was sent to, while it is pending.
   */
  async accept(caller: Principal, reference: string, origin: Origin) {
    if (caller.user.kind !== "person" || caller.key.memberId !== null) {
      return fail(
        "invalid_request",
        "Accept an invitation with your personal key or session, not a team key.",
      );
    }
    const at = origin.at.toISOString();
    let invitation: InvitationRecord | undefined;
    if (TOKEN.test(reference)) {
      invitation = await this.store.findInvitationByToken(invitationDigest(reference));
    } else if (/^\d{1,10}$/.test(reference)) {
      invitation = (await this.store.invitationsFor(caller.user.email, at)).find(
        (i) => i.id === Number(reference),
      );
    }
    const unknown = fail<never>(
      "not_found",
      "No pending invitation with this token; ask for a new one.",
    );
    if (!invitation) return unknown;
    if (invitation.email !== caller.user.email) {
      return fail(
        "permission_denied",
        "This invitation was sent to another email address; sign in as that person.",
      );
    }
    const found = invitation;
    const done = await this.store.transaction(async (tx) => {
      await tx.lockAccount(found.teamId);
      const team = await tx.findTeam(found.teamId);
      const role = await tx.findRole(found.teamId, found.roleId);
      if (!team || !role) return unknown;
      if (await tx.findMember(team.id, caller.user.id)) {
        return fail<{ team: TeamRecord; member: MemberRecord }>("already_member");
      }
      if (!(await tx.acceptInvitation(found.id, at))) {
        return fail<{ team: TeamRecord; member: MemberRecord }>(
          "not_found",
          Date.parse(found.expiresAt) <= origin.at.getTime()
            ? "This invitation has expired (invitations last 4 hours); ask for a new one."
            : "This invitation is no longer pending; ask for a new one.",
        );
      }
      await tx.insertMember(team.id, caller.user.id, role.id, at);
      const member = await tx.findMember(team.id, caller.user.id);
      if (!member) throw new Error("the new member vanished inside the transaction");
      await auditAs(tx, team.id, caller.user.id, caller.key.id, origin, "team.invitation_accept", {
        invitation_id: found.id,
        email: member.email,
        role: role.name,
      });
      await publishTeamEvent(tx, "team.member_joined", team, member, origin, {
        member: { id: member.userId, email: member.email, role: role.name },
        invitation_id: found.id,
      });
      return ok({ team, member });
    });
    return done;
  }

  /** The team's API keys with their members and roles (never a secret). */
  async keys(caller: Principal): Promise<Result<TeamKeyRecord[]>> {
    return this.inTeam(caller, async (tx, _me, _rights, team) =>
      ok(await tx.listTeamKeys(team.id)),
    );
  }
}

function roleData(role: RoleRecord): TeamEventData {
  return { id: role.id, name: role.name, permissions: role.permissions };
}

function invitationData(invitation: InvitationRecord, role: string): TeamEventData {
  return {
    id: invitation.id,
    email: invitation.email,
    role,
    expires_at: invitation.expiresAt,
  };
}
