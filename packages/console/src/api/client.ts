import { Latchkey, LatchkeyError, type PermissionTree as SdkTree } from "@latchkey/sdk";
import type { ConsoleApi, ProblemInfo, TeamRole } from "./types.js";

/**
 * The console's only way to the server: the SDK over the public API, with the session in the
 * HttpOnly cookie the browser sends on same-origin requests (no key ever held by the page).
 */
export function createApi(team?: { id: number }): ConsoleApi {
  const personal = new Latchkey({ url: "", credentials: "same-origin" });
  // In a team, calls carry X-Latchkey-Account: team and the server reads the HttpOnly team
  // session cookie instead (docs/teams.md, "Team sessions").
  const client = team
    ? new Latchkey({ url: "", credentials: "same-origin", account: "team" })
    : personal;
  return {
    // Sign-up, login and key creation are rate-limited strictly: a person waiting on a button
    // is better told at once than kept waiting for Retry-After, so these are not retried.
    signUp: (input) => client.signUp(input, { retries: 0 }),
    login: (input) => client.login({ ...input, set_cookie: true }, { retries: 0 }),
    // The personal session's logout ends the team session too.
    logout: () => personal.logout(),
    currentUser: () => client.currentUser(),
    listSessions: () => client.listSessions(),
    endSession: (id) => client.endSession(id),
    endOtherSessions: () => client.endOtherSessions(),
    // A member's team key is made from their personal session with team_id, whatever their
    // role says of user_write: its tree must lie within the role (the server checks).
    createApiKey: ({ permissions, ...rest }) =>
      personal.createApiKey(
        {
          ...rest,
          ...(team ? { team_id: team.id } : {}),
          // Trees from the JSON editor are whatever the user typed: the server validates them
          // and answers invalid_permissions with the offending path.
          ...(permissions === undefined ? {} : { permissions: permissions as SdkTree | null }),
        },
        { retries: 0 },
      ),
    // In a team: the member's own team keys, listed as they are made, from the personal session.
    listApiKeys: () => (team ? personal.listMyTeamKeys(team.id) : personal.listApiKeys()),
    deleteApiKey: (id) => client.deleteApiKey(id),
    resetApiKey: (id, graceSeconds) =>
      client.resetApiKey(id, graceSeconds > 0 ? { grace_seconds: graceSeconds } : {}),
    endGraceWindow: (id) => client.endGraceWindow(id),
    apiKeyUsage: (id, hours) => client.apiKeyUsage(id, { hours }),
    accountPolicy: () => client.accountPolicy(),
    updateAccountPolicy: (input) => client.updateAccountPolicy(input),
    listWebhooks: () => client.listWebhooks(),
    createWebhook: (input) => client.createWebhook(input, { retries: 0 }),
    updateWebhook: (id, input) => client.updateWebhook(id, input),
    deleteWebhook: (id) => client.deleteWebhook(id),
    testWebhook: (id) => client.testWebhook(id),
    webhookDeliveries: (id, filter) => client.listWebhookDeliveries(id, filter),
    redeliver: (id, deliveryId) => client.redeliverWebhookDelivery(id, deliveryId),
    auditLogs: (filter) => client.auditLogs(filter),
    permissionCatalogue: () => client.permissionCatalogue(),
    // Teams: the person's own lists and actions go through the personal session.
    myTeams: () => personal.myTeams(),
    myInvitations: () => personal.myInvitations(),
    acceptInvitation: (id) => personal.acceptInvitation(id),
    createTeam: (name) => personal.createTeam({ team_name: name }, { retries: 0 }),
    openTeamSession: (teamId) =>
      personal.openTeamSession({ team_id: teamId, set_cookie: true }, { retries: 0 }),
    getTeam: () => client.getTeam(),
    listMembers: () => client.listMembers(),
    setMemberRole: (id, roleId) => client.setMemberRole(id, { role_id: roleId }),
    removeMember: (id) => client.removeMember(id),
    listInvitations: () => client.listInvitations(),
    inviteMember: (input) => client.inviteMember(input, { retries: 0 }),
    revokeInvitation: (id) => client.revokeInvitation(id),
    listRoles: () => client.listRoles() as Promise<TeamRole[]>,
    createRole: (input) =>
      client.createRole({
        name: input.name,
        permissions: input.permissions as SdkTree,
      }) as Promise<TeamRole>,
    updateRole: (id, input) =>
      client.updateRole(id, {
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.permissions === undefined ? {} : { permissions: input.permissions as SdkTree }),
      }) as Promise<TeamRole>,
    deleteRole: (id) => client.deleteRole(id),
  };
}

/** The status, code, message and (for a bad permission tree) pointer of any failure. */
export function describeProblem(err: unknown): ProblemInfo {
  if (err instanceof LatchkeyError) {
    const path = typeof err.body?.path === "string" ? err.body.path : undefined;
    return { status: err.status, code: err.code, msg: err.msg, path };
  }
  const msg = err instanceof Error ? err.message : "Something went wrong.";
  return { status: undefined, code: undefined, msg, path: undefined };
}
