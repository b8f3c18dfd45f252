import { MAX_TEAM_NAME_LENGTH } from "@latchkey/sdk";
import { type FormEvent, useId, useMemo, useState } from "react";
import type { Account } from "../App.js";
import { useApi } from "../api/ApiContext.js";
import type { MyTeam, TeamInvitation, TeamMember, TeamRole } from "../api/types.js";
import { ConfirmDialog } from "../components/ConfirmDialog.js";
import { TableSkeleton } from "../components/KeysTable.js";
import { ProblemBanner } from "../components/ProblemBanner.js";
import { RoleDialog } from "../components/RoleDialog.js";
import { Spinner } from "../components/Spinner.js";
import { Time } from "../components/Time.js";
import { useAnnounce } from "../components/Toasts.js";
import { areasOf, summarizePermissions } from "../lib/permissionAreas.js";
import { useAction } from "../lib/useAction.js";
import { useLoad } from "../lib/useLoad.js";

/** The Team page: the team's members, invitations and roles, or (personal) one's teams. */
export function TeamPage({
  account,
  teams,
  invitations,
  onTeamsChanged,
  onSwitch,
}: {
  account: Account;
  teams: MyTeam[];
  invitations: TeamInvitation[];
  onTeamsChanged: () => Promise<unknown>;
  onSwitch: (team: MyTeam | undefined) => Promise<void>;
}) {
  return account.kind === "team" ? (
    <TeamDetail team={account.team} />
  ) : (
    <MyTeams
      teams={teams}
      invitations={invitations}
      onTeamsChanged={onTeamsChanged}
      onSwitch={onSwitch}
    />
  );
}

// ---- personal: invitations, teams, create a team ----

function MyTeams({
  teams,
  invitations,
  onTeamsChanged,
  onSwitch,
}: {
  teams: MyTeam[];
  invitations: TeamInvitation[];
  onTeamsChanged: () => Promise<unknown>;
  onSwitch: (team: MyTeam | undefined) => Promise<void>;
}) {
  const api = useApi();
  const announce = useAnnounce();
  const id = useId();
  const accepting = useAction<number>();
  const switching = useAction<number>();
  const creating = useAction();
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();

  const accept = (invitation: TeamInvitation) =>
    accepting.run(
      async () => {
        await api.acceptInvitation(invitation.id);
        await onTeamsChanged();
        announce(`You joined ${invitation.team_name ?? "the team"} as ${invitation.role}.`);
      },
      { tag: invitation.id },
    );

  const switchTo = (team: MyTeam) =>
    switching.run(
      async () => {
        await onSwitch(team);
        announce(`Now acting in team ${team.team_name}.`);
      },
      { tag: team.id },
    );

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === "") {
      setNameError("Give the team a name, e.g. “Acme”.");
      return;
    }
    setNameError(undefined);
    await creating.run(
      async () => {
        const team = await api.createTeam(trimmed);
        setName("");
        await onTeamsChanged();
        announce(`Team ${team.team_name} created. You are its owner.`);
      },
      {
        handle: (info) => {
          if (info.code !== "invalid_request" || !/team_name/.test(info.msg)) return false;
          setNameError(info.msg);
          return true;
        },
      },
    );
  };

  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>Teams</h1>
        <p className="muted">
          A team is an account of its own: its keys belong to the team, so people can come and go.
          Pick a team in the account menu at the top to act in it.
        </p>
      </div>

      {invitations.length > 0 && (
        <section className="card" aria-labelledby="my-invitations-heading">
          <div className="card-header">
            <div>
              <h2 id="my-invitations-heading">Invitations for you</h2>
              <p className="muted">An invitation lasts 4 hours after it was sent.</p>
            </div>
          </div>
          {accepting.problem && (
            <ProblemBanner problem={accepting.problem} title="The invitation was not accepted" />
          )}
          <InvitationTable
            className="invitations-table"
            invitations={invitations}
            who={{ heading: "Team", of: (invitation) => invitation.team_name }}
            action={{
              label: "Accept",
              className: "button-primary",
              describe: (invitation) => `Accept the invitation to ${invitation.team_name}`,
              state: accepting,
              run: accept,
            }}
          />
        </section>
      )}

      <section className="card" aria-labelledby="my-teams-heading">
        <div className="card-header">
          <div>
            <h2 id="my-teams-heading">Your teams</h2>
          </div>
        </div>
        {switching.problem && (
          <ProblemBanner problem={switching.problem} title="Could not switch to the team" />
        )}
        {teams.length === 0 ? (
          <p className="empty-inline">
            You are not in a team yet. Create one below, or accept an invitation.
          </p>
        ) : (
          <table className="table teams-table">
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Your role</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {teams.map((team) => (
                <tr key={team.id} data-team-id={team.id}>
                  <th scope="row" className="cell-name" data-label="Team">
                    {team.team_name}
                  </th>
                  <td data-label="Your role">{team.role}</td>
                  <td data-label="Joined">
                    <Time iso={team.joined_at} />
                  </td>
                  <td className="cell-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-label={`Switch to ${team.team_name}`}
                      aria-disabled={switching.busy}
                      onClick={() => !switching.busy && void switchTo(team)}
                    >
                      {switching.busyWith === team.id && <Spinner />}
                      Switch to team
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="card" aria-labelledby="create-team-heading">
        <h2 id="create-team-heading">Create a team</h2>
        <form className="inline-form" onSubmit={create} noValidate aria-busy={creating.busy}>
          {creating.problem && (
            <ProblemBanner problem={creating.problem} title="The team was not created" />
          )}
          <div className="field">
            <label htmlFor={`${id}-team-name`}>Team name</label>
            <div className="field-row">
              <input
                id={`${id}-team-name`}
                value={name}
                maxLength={MAX_TEAM_NAME_LENGTH}
                autoComplete="off"
                placeholder="e.g. Acme"
                onChange={(e) => setName(e.target.value)}
                aria-invalid={nameError ? true : undefined}
                aria-describedby={nameError ? `${id}-team-name-error` : undefined}
              />
              <button type="submit" className="button button-primary" aria-disabled={creating.busy}>
                {creating.busy && <Spinner />}
                Create team
              </button>
            </div>
            {nameError && (
              <p id={`${id}-team-name-error`} className="field-error">
                {nameError}
              </p>
            )}
          </div>
        </form>
      </section>
    </>
  );
}

// ---- a team: members, invitations, roles ----

function TeamDetail({ team }: { team: MyTeam }) {
  const api = useApi();
  const info = useLoad(() => api.getTeam(), [api]);
  const members = useLoad(() => api.listMembers(), [api]);
  const roles = useLoad(() => api.listRoles(), [api]);
  const catalogue = useLoad(() => api.permissionCatalogue(), [api]);
  const myRole = info.state.data?.role ?? team.role;
  return (
    <>
      <div className="page-header">
        <h1 tabIndex={-1}>{info.state.data?.team_name ?? team.team_name}</h1>
        <p className="muted">
          Team · your role: <strong>{myRole}</strong>. Nobody gives a role, or makes a key, broader
          than their own rights.
        </p>
      </div>
      <MembersCard members={members} roles={roles.state.data} />
      <InvitationsCard roles={roles.state.data} />
      <RolesCard roles={roles} catalogue={catalogue} onChanged={members.reload} />
    </>
  );
}

type Loader<T> = ReturnType<typeof useLoad<T>>;

function MembersCard({
  members,
  roles,
}: {
  members: Loader<TeamMember[]>;
  roles: TeamRole[] | undefined;
}) {
  const api = useApi();
  const announce = useAnnounce();
  const me = useLoad(() => api.currentUser(), [api]);
  const myId = me.state.data?.member_id ?? undefined;
  const saving = useAction<number>();
  const removing = useAction();
  const [picked, setPicked] = useState<Record<number, number>>({});
  const [confirm, setConfirm] = useState<TeamMember>();
  const list = members.state.data;

  const save = (member: TeamMember, roleId: number) =>
    saving.run(
      async () => {
        const updated = await api.setMemberRole(member.id, roleId);
        members.update((all) => all.map((m) => (m.id === member.id ? updated : m)));
        setPicked(({ [member.id]: _done, ...rest }) => rest);
        announce(`${member.email} is now ${updated.roles[0] ?? "updated"}.`);
      },
      { tag: member.id },
    );

  const remove = async (member: TeamMember) => {
    await removing.run(
      async () => {
        await api.removeMember(member.id);
        members.update((all) => all.filter((m) => m.id !== member.id));
        setConfirm(undefined);
        announce(`${member.email} was removed. Their team keys no longer work.`);
      },
      { staysBusy: false },
    );
  };

  return (
    <section className="card" aria-labelledby="members-heading">
      <div className="card-header">
        <div>
          <h2 id="members-heading">Members</h2>
          <p className="muted">
            A member’s role is what all their team keys may do, at most: a change applies to their
            next request.
          </p>
        </div>
      </div>
      {saving.problem && (
        <ProblemBanner problem={saving.problem} title="The role was not changed" />
      )}
      {members.state.status === "error" && (
        <ProblemBanner
          problem={members.state.problem}
          onRetry={members.reload}
          title="Members could not be loaded"
        />
      )}
      {list === undefined ? (
        members.state.status === "loading" && <TableSkeleton columns={4} rows={2} />
      ) : (
        <table className="table members-table">
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((member) => {
              const role = member.roles[0] ?? "";
              const isOwner = role === "owner";
              const isMe = member.id === myId;
              const choice = picked[member.id] ?? member.role_id;
              const changed = choice !== member.role_id;
              return (
                <tr key={member.id} data-member-id={member.id}>
                  <th scope="row" className="cell-name" data-label="Member">
                    {member.email}
                    {isMe && <span className="badge badge-accent">You</span>}
                  </th>
                  <td data-label="Role">
                    {isOwner || isMe || !roles ? (
                      <span className="role-name">{role}</span>
                    ) : (
                      <div className="role-picker">
                        <select
                          aria-label={`Role of ${member.email}`}
                          value={choice}
                          disabled={saving.busyWith === member.id}
                          onChange={(e) =>
                            setPicked((p) => ({ ...p, [member.id]: Number(e.target.value) }))
                          }
                        >
                          {roles.map((r) => (
                            <option key={r.id} value={r.id}>
                              {r.name}
                            </option>
                          ))}
                        </select>
                        {changed && (
                          <button
                            type="button"
                            className="button button-small button-primary"
                            aria-label={`Save the role of ${member.email}`}
                            aria-disabled={saving.busy}
                            onClick={() => !saving.busy && void save(member, choice)}
                          >
                            {saving.busyWith === member.id && <Spinner />}
                            Save
                          </button>
                        )}
                      </div>
                    )}
                  </td>
                  <td data-label="Joined">
                    <Time iso={member.joined_at} />
                  </td>
                  <td className="cell-actions">
                    {!isOwner && !isMe && (
                      <button
                        type="button"
                        className="button button-small button-danger-quiet"
                        aria-label={`Remove ${member.email}`}
                        onClick={() => {
                          removing.setProblem(undefined);
                          setConfirm(member);
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {confirm && (
        <ConfirmDialog
          title={`Remove ${confirm.email}?`}
          confirmLabel="Remove member"
          busyLabel="Removing…"
          busy={removing.busy}
          problem={removing.problem}
          problemTitle="The member was not removed"
          onConfirm={() => remove(confirm)}
          onCancel={() => setConfirm(undefined)}
        >
          <p>
            <strong>All of their team keys stop working immediately</strong>, and their sessions in
            this team end. Their personal account and personal keys are not affected. To give them
            access again, invite them again.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function InvitationsCard({ roles }: { roles: TeamRole[] | undefined }) {
  const api = useApi();
  const announce = useAnnounce();
  const id = useId();
  const pending = useLoad(() => api.listInvitations(), [api]);
  const inviting = useAction();
  const revoking = useAction<number>();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("");
  const [emailError, setEmailError] = useState<string>();
  const chosen = role || (roles?.find((r) => r.name === "member")?.name ?? roles?.[0]?.name ?? "");
  const list = pending.state.data;

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setEmailError("Enter the email address the person signs in with.");
      return;
    }
    setEmailError(undefined);
    await inviting.run(
      async () => {
        await api.inviteMember({ email: address, role: chosen });
        setEmail("");
        pending.reload();
        announce(`Invited ${address} as ${chosen}. They see it after signing in.`);
      },
      {
        handle: (info) => {
          if (info.code !== "invalid_request" || !/email/i.test(info.msg)) return false;
          setEmailError(info.msg);
          return true;
        },
      },
    );
  };

  const revoke = (invitation: TeamInvitation) =>
    revoking.run(
      async () => {
        await api.revokeInvitation(invitation.id);
        pending.update((all) => all.filter((i) => i.id !== invitation.id));
        announce(`The invitation to ${invitation.email} was revoked.`);
      },
      { tag: invitation.id },
    );

  return (
    <section className="card" aria-labelledby="invitations-heading">
      <div className="card-header">
        <div>
          <h2 id="invitations-heading">Invitations</h2>
          <p className="muted">
            Latchkey sends no email: the person sees the invitation in this console after signing in
            with that address. An invitation lasts 4 hours.
          </p>
        </div>
      </div>
      <form className="inline-form" onSubmit={invite} noValidate aria-busy={inviting.busy}>
        {inviting.problem && (
          <ProblemBanner problem={inviting.problem} title="The invitation was not sent" />
        )}
        <div className="field-row field-row-wrap">
          <div className="field field-grow">
            <label htmlFor={`${id}-email`}>Email</label>
            <input
              id={`${id}-email`}
              type="email"
              value={email}
              autoComplete="off"
              placeholder="ana@example.com"
              onChange={(e) => setEmail(e.target.value)}
              aria-invalid={emailError ? true : undefined}
              aria-describedby={emailError ? `${id}-email-error` : undefined}
            />
            {emailError && (
              <p id={`${id}-email-error`} className="field-error">
                {emailError}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select
              id={`${id}-role`}
              value={chosen}
              onChange={(e) => setRole(e.target.value)}
              disabled={!roles}
            >
              {roles?.map((r) => (
                <option key={r.id} value={r.name}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field field-action">
            <button type="submit" className="button button-primary" aria-disabled={inviting.busy}>
              {inviting.busy && <Spinner />}
              Invite
            </button>
          </div>
        </div>
      </form>
      {revoking.problem && (
        <ProblemBanner problem={revoking.problem} title="The invitation was not revoked" />
      )}
      {pending.state.status === "error" && (
        <ProblemBanner
          problem={pending.state.problem}
          onRetry={pending.reload}
          title="Invitations could not be loaded"
        />
      )}
      {list !== undefined &&
        (list.length === 0 ? (
          <p className="empty-inline">No pending invitations.</p>
        ) : (
          <InvitationTable
            className="pending-table"
            invitations={list}
            who={{ heading: "Email", of: (invitation) => invitation.email }}
            action={{
              label: "Revoke",
              className: "button-danger-quiet",
              describe: (invitation) => `Revoke the invitation to ${invitation.email}`,
              state: revoking,
              run: revoke,
            }}
          />
        ))}
    </section>
  );
}

/**
 * Invitations as a table: who (the team, for the invitee; the address, for the team), the
 * role, when it expires, and one action per row.
 */
function InvitationTable<T extends { id: number; role: string; expires_at: string }>({
  className,
  invitations,
  who,
  action,
}: {
  className: string;
  invitations: T[];
  who: { heading: string; of: (invitation: T) => string | undefined };
  action: {
    label: string;
    className: string;
    describe: (invitation: T) => string;
    state: { busy: boolean; busyWith: unknown };
    run: (invitation: T) => Promise<void>;
  };
}) {
  return (
    <table className={`table ${className}`}>
      <thead>
        <tr>
          <th scope="col">{who.heading}</th>
          <th scope="col">Role</th>
          <th scope="col">Expires</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {invitations.map((invitation) => (
          <tr key={invitation.id} data-invitation-id={invitation.id}>
            <th scope="row" className="cell-name" data-label={who.heading}>
              {who.of(invitation)}
            </th>
            <td data-label="Role">{invitation.role}</td>
            <td data-label="Expires">
              <Time iso={invitation.expires_at} />
            </td>
            <td className="cell-actions">
              <button
                type="button"
                className={`button button-small ${action.className}`}
                aria-label={action.describe(invitation)}
                aria-disabled={action.state.busy}
                onClick={() => !action.state.busy && void action.run(invitation)}
              >
                {action.state.busyWith === invitation.id && <Spinner />}
                {action.label}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RolesCard({
  roles,
  catalogue,
  onChanged,
}: {
  roles: Loader<TeamRole[]>;
  catalogue: Loader<import("../api/types.js").Catalogue>;
  onChanged: () => void;
}) {
  const api = useApi();
  const announce = useAnnounce();
  const deleting = useAction();
  const [editing, setEditing] = useState<TeamRole | "new">();
  const [confirm, setConfirm] = useState<TeamRole>();
  const categories = catalogue.state.data?.categories;
  const areas = useMemo(() => (categories ? areasOf(categories) : []), [categories]);
  const list = roles.state.data;

  const remove = (role: TeamRole) =>
    deleting.run(async () => {
      await api.deleteRole(role.id);
      roles.update((all) => all.filter((r) => r.id !== role.id));
      setConfirm(undefined);
      announce(`Role ${role.name} deleted.`);
    });

  return (
    <section className="card" aria-labelledby="roles-heading">
      <div className="card-header">
        <div>
          <h2 id="roles-heading">Roles</h2>
          <p className="muted">
            A role is a name and a permission tree, as a key has. Editing one changes what its
            members’ keys may do from their next request. The owner always has full access.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setEditing("new")}>
          <span aria-hidden="true">+</span> New role
        </button>
      </div>
      {roles.state.status === "error" && (
        <ProblemBanner
          problem={roles.state.problem}
          onRetry={roles.reload}
          title="Roles could not be loaded"
        />
      )}
      {list === undefined ? (
        roles.state.status === "loading" && <TableSkeleton columns={3} rows={3} />
      ) : (
        <table className="table roles-table">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Permissions</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((role) => (
              <tr key={role.id} data-role-id={role.id}>
                <th scope="row" className="cell-name" data-label="Role">
                  {role.name}
                  {role.builtin && <span className="badge">Built-in</span>}
                </th>
                <td data-label="Permissions" className="cell-permissions">
                  {summarizePermissions(role.permissions, areas, catalogue.state.data?.presets)}
                </td>
                <td className="cell-actions">
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`Edit role ${role.name}`}
                    onClick={() => setEditing(role)}
                  >
                    Edit
                  </button>
                  {!role.builtin && (
                    <button
                      type="button"
                      className="button button-small button-danger-quiet"
                      aria-label={`Delete role ${role.name}`}
                      onClick={() => {
                        deleting.setProblem(undefined);
                        setConfirm(role);
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <RoleDialog
          role={editing === "new" ? undefined : editing}
          catalogue={catalogue.state}
          onSaved={(saved) => {
            roles.update((all) =>
              all.some((r) => r.id === saved.id)
                ? all.map((r) => (r.id === saved.id ? saved : r))
                : [...all, saved],
            );
            setEditing(undefined);
            onChanged();
            announce(
              editing === "new"
                ? `Role ${saved.name} created.`
                : `Role ${saved.name} saved. Its members’ keys follow it from their next request.`,
            );
          }}
          onClose={() => setEditing(undefined)}
        />
      )}
      {confirm && (
        <ConfirmDialog
          title={`Delete role ${confirm.name}?`}
          confirmLabel="Delete role"
          busyLabel="Deleting…"
          busy={deleting.busy}
          problem={deleting.problem}
          problemTitle="The role was not deleted"
          onConfirm={() => remove(confirm)}
          onCancel={() => setConfirm(undefined)}
        >
          <p>
            A role that members hold cannot be deleted: give them another role first. Its pending
            invitations end with it.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
