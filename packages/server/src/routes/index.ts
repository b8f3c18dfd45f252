import { apiKeysCreate } from "./apiKeysCreate.js";
import { apiKeysDelete } from "./apiKeysDelete.js";
import { apiKeysEndGrace } from "./apiKeysEndGrace.js";
import { apiKeysList } from "./apiKeysList.js";
import { apiKeysReportLeak } from "./apiKeysReportLeak.js";
import { apiKeysReset } from "./apiKeysReset.js";
import { apiKeysShow } from "./apiKeysShow.js";
import { apiKeysUsage } from "./apiKeysUsage.js";
import { auditLogsList } from "./auditLogsList.js";
import { authLogin } from "./authLogin.js";
import { authLogout } from "./authLogout.js";
import { authVerify } from "./authVerify.js";
import { healthz } from "./healthz.js";
import { openapi } from "./openapi.js";
import { permissionsCatalogue } from "./permissionsCatalogue.js";
import { readyz } from "./readyz.js";
import { resetApiKeyCommand } from "./resetApiKeyCommand.js";
import { sessionsDelete } from "./sessionsDelete.js";
import { sessionsDeleteOthers } from "./sessionsDeleteOthers.js";
import { sessionsList } from "./sessionsList.js";
import type { RouteModule } from "./types.js";
import { usersCreate } from "./usersCreate.js";
import { usersCurrent } from "./usersCurrent.js";
import { usersPolicy } from "./usersPolicy.js";
import { usersUpdatePolicy } from "./usersUpdatePolicy.js";
import { webhookDeliveriesList } from "./webhookDeliveriesList.js";
import { webhookDeliveriesRedeliver } from "./webhookDeliveriesRedeliver.js";
import { webhooksCreate } from "./webhooksCreate.js";
import { webhooksDelete } from "./webhooksDelete.js";
import { webhooksList } from "./webhooksList.js";
import { webhooksShow } from "./webhooksShow.js";
import { webhooksTest } from "./webhooksTest.js";
import { webhooksUpdate } from "./webhooksUpdate.js";

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
  webhooksTest,
];
