/**
 * Every command but `serve`, for the program to load in one import when a line names one of
 * them (`serve` loads the server, so it stays apart). One module, not one per command: the
 * bundle holds them all in one chunk anyway, and each module imported is a round of the
 * loader's file reads.
 */
export { acceptInvitationCommand } from "./acceptInvitation.js";
export { backupCommand } from "./backup.js";
export { createApiKeyCommand } from "./createApiKey.js";
export { createTeamCommand } from "./createTeam.js";
export { createTeamRoleCommand } from "./createTeamRole.js";
export { createWebhookCommand } from "./createWebhook.js";
export { deleteApiKeyCommand } from "./deleteApiKey.js";
export { deleteWebhookCommand } from "./deleteWebhook.js";
export { destroyTeamCommand } from "./destroyTeam.js";
export { endGraceWindowCommand } from "./endGraceWindow.js";
export { endSessionCommand } from "./endSession.js";
export { endSessionsCommand } from "./endSessions.js";
export { inviteMemberCommand } from "./inviteMember.js";
export { loginCommand } from "./login.js";
export { logoutCommand } from "./logout.js";
export { redeliverWebhookCommand } from "./redeliverWebhook.js";
export { removeMemberCommand } from "./removeMember.js";
export { removeTeamRoleCommand } from "./removeTeamRole.js";
export { resetApiKeyCommand } from "./resetApiKey.js";
export { restoreCommand } from "./restore.js";
export { scanCommand } from "./scan.js";
export { setApiKeyCommand } from "./setApiKey.js";
export { setPolicyCommand } from "./setPolicy.js";
export { showApiKeyCommand } from "./showApiKey.js";
export { showApiKeysCommand } from "./showApiKeys.js";
export { showAuditLogsCommand } from "./showAuditLogs.js";
export { showInvitationsCommand } from "./showInvitations.js";
export { showMembersCommand } from "./showMembers.js";
export { showPermissionsCommand } from "./showPermissions.js";
export { showPolicyCommand } from "./showPolicy.js";
export { showSessionsCommand } from "./showSessions.js";
export { showTeamRoleCommand } from "./showTeamRole.js";
export { showTeamRolesCommand } from "./showTeamRoles.js";
export { showUsageCommand } from "./showUsage.js";
export { showUserCommand } from "./showUser.js";
export { showWebhookCommand } from "./showWebhook.js";
export { showWebhooksCommand } from "./showWebhooks.js";
export { testWebhookCommand } from "./testWebhook.js";
export { transferTeamCommand } from "./transferTeam.js";
export { updateTeamRoleCommand } from "./updateTeamRole.js";
