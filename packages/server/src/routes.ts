import type { RouteEntry } from "@latchkey/core";
import { usersCreate } from "./accounts/routes/usersCreate.js";
import { usersCurrent } from "./accounts/routes/usersCurrent.js";
import { usersPolicy } from "./accounts/routes/usersPolicy.js";
import { usersUpdatePolicy } from "./accounts/routes/usersUpdatePolicy.js";
import { AuditLog } from "./audit/auditSchemas.js";
import { auditLogsList } from "./audit/routes/auditLogsList.js";
import { openapi } from "./catalogue/routes/openapi.js";
import { permissionsCatalogue } from "./catalogue/routes/permissionsCatalogue.js";
import { healthz } from "./health/routes/healthz.js";
import { readyz } from "./health/routes/readyz.js";
import type { RouteModule } from "./http/route.js";
import { sharedSchemas } from "./http/schemas.js";
import { keySchemas } from "./keys/keySchemas.js";
import { apiKeysCreate } from "./keys/routes/apiKeysCreate.js";
import { apiKeysDelete } from "./keys/routes/apiKeysDelete.js";
import { apiKeysEndGrace } from "./keys/routes/apiKeysEndGrace.js";
import { apiKeysList } from "./keys/routes/apiKeysList.js";
import { apiKeysReportLeak } from "./keys/routes/apiKeysReportLeak.js";
import { apiKeysReset } from "./keys/routes/apiKeysReset.js";
import { apiKeysShow } from "./keys/routes/apiKeysShow.js";
import { apiKeysUsage } from "./keys/routes/apiKeysUsage.js";
import { resetApiKeyCommand } from "./keys/routes/resetApiKeyCommand.js";
import { authLogin } from "./sessions/routes/authLogin.js";
import { authLogout } from "./sessions/routes/authLogout.js";
import { sessionsDelete } from "./sessions/routes/sessionsDelete.js";
import { sessionsDeleteOthers } from "./sessions/routes/sessionsDeleteOthers.js";
import { sessionsList } from "./sessions/routes/sessionsList.js";
import { teamSessionOpen } from "./sessions/routes/teamSessionOpen.js";
import { Session } from "./sessions/sessionSchemas.js";
import { teamApiKeys } from "./teams/routes/teamApiKeys.js";
import { teamCreate } from "./teams/routes/teamCreate.js";
import { teamDestroy } from "./teams/routes/teamDestroy.js";
import { teamInvitationAccept, teamInviteAccept } from "./teams/routes/teamInvitationAccept.js";
import { teamInvitationsList } from "./teams/routes/teamInvitationsList.js";
import { teamInvitationsRevoke } from "./teams/routes/teamInvitationsRevoke.js";
import { teamInvite } from "./teams/routes/teamInvite.js";
import { teamMemberRemove } from "./teams/routes/teamMemberRemove.js";
import { teamMemberRoleAssign, teamMemberRoleSet } from "./teams/routes/teamMemberRole.js";
import { teamMembers } from "./teams/routes/teamMembers.js";
import { teamRoleCreate } from "./teams/routes/teamRoleCreate.js";
import { teamRoleDelete } from "./teams/routes/teamRoleDelete.js";
import { teamRoleShow } from "./teams/routes/teamRoleShow.js";
import { teamRolesFull } from "./teams/routes/teamRolesFull.js";
import { teamRolesList } from "./teams/routes/teamRolesList.js";
import { teamRoleUpdate } from "./teams/routes/teamRoleUpdate.js";
import { teamShow } from "./teams/routes/teamShow.js";
import { teamTransfer } from "./teams/routes/teamTransfer.js";
import { teamUpdate } from "./teams/routes/teamUpdate.js";
import { usersInvitations } from "./teams/routes/usersInvitations.js";
import { usersTeams } from "./teams/routes/usersTeams.js";
import { teamSchemas } from "./teams/teamSchemas.js";
import { verifiersAck } from "./verifiers/routes/verifiersAck.js";
import { verifiersCreate } from "./verifiers/routes/verifiersCreate.js";
import { verifiersDelete } from "./verifiers/routes/verifiersDelete.js";
import { verifiersList } from "./verifiers/routes/verifiersList.js";
import { verifiersStream } from "./verifiers/routes/verifiersStream.js";
import { verifiersVerify } from "./verifiers/routes/verifiersVerify.js";
import { verifierSchemas } from "./verifiers/verifierSchemas.js";
import { authVerify } from "./verify/routes/authVerify.js";
import { webhookDeliveriesList } from "./webhooks/routes/webhookDeliveriesList.js";
import { webhookDeliveriesRedeliver } from "./webhooks/routes/webhookDeliveriesRedeliver.js";
import { webhooksCreate } from "./webhooks/routes/webhooksCreate.js";
import { webhooksDelete } from "./webhooks/routes/webhooksDelete.js";
import { webhooksList } from "./webhooks/routes/webhooksList.js";
import { webhooksPing } from "./webhooks/routes/webhooksPing.js";
import { webhooksShow } from "./webhooks/routes/webhooksShow.js";
import { webhooksUpdate } from "./webhooks/routes/webhooksUpdate.js";
import { webhookSchemas } from "./webhooks/webhookSchemas.js";

/** Every operation this server serves, in registration order. */
export const routes: readonly RouteModule[] = [
  healthz,
  readyz,
  openapi,
  permissionsCatalogue,
  usersCreate,
  authLogin,
  authLogout,
  authVerify,
  sessionsList,
  teamSessionOpen,
  sessionsDeleteOthers,
  sessionsDelete,
  usersCurrent,
  apiKeysCreate,
  apiKeysList,
  apiKeysShow,
  apiKeysDelete,
  apiKeysReset,
  apiKeysEndGrace,
  apiKeysUsage,
  usersPolicy,
  usersUpdatePolicy,
  resetApiKeyCommand,
  auditLogsList,
  apiKeysReportLeak,
  webhooksCreate,
  webhooksList,
  webhooksShow,
  webhooksUpdate,
  webhooksDelete,
  webhookDeliveriesList,
  webhookDeliveriesRedeliver,
  webhooksPing,
  // Teams (docs/teams.md).
  teamCreate,
  teamShow,
  teamUpdate,
  teamDestroy,
  teamInvite,
  teamInvitationsList,
  teamInvitationsRevoke,
  teamInvitationAccept,
  teamInviteAccept,
  teamMembers,
  teamMemberRemove,
  teamMemberRoleSet,
  teamMemberRoleAssign,
  teamRoleCreate,
  teamRolesList,
  teamRolesFull,
  teamRoleShow,
  teamRoleUpdate,
  teamRoleDelete,
  teamTransfer,
  teamApiKeys,
  usersInvitations,
  usersTeams,
  verifiersCreate,
  verifiersList,
  verifiersStream,
  verifiersAck,
  verifiersVerify,
  verifiersDelete,
];

/** This server's part of the route catalogue, from the routes themselves. */
export const serverRoutes: readonly RouteEntry[] = routes.map((route) => route.entry);

/** The schemas routes refer to by $id, registered before any route. */
export const schemas = [
  ...sharedSchemas,
  ...keySchemas,
  Session,
  AuditLog,
  ...webhookSchemas,
  ...teamSchemas,
  ...verifierSchemas,
];
