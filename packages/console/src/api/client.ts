import { Latchkey, LatchkeyError, type PermissionTree as SdkTree } from "@latchkey/sdk";
import type { ConsoleApi, ProblemInfo } from "./types.js";

/**
 * The console's only way to the server: the SDK over the public API, with the session in the
 * HttpOnly cookie the browser sends on same-origin requests (no key ever held by the page).
 */
export function createApi(): ConsoleApi {
  const client = new Latchkey({ url: "", credentials: "same-origin" });
  return {
    // Sign-up, login and key creation are rate-limited strictly: a person waiting on a button
    // is better told at once than kept waiting for Retry-After, so these are not retried.
    signUp: (input) => client.signUp(input, { retries: 0 }),
    login: (input) => client.login({ ...input, set_cookie: true }, { retries: 0 }),
    logout: () => client.logout(),
    currentUser: () => client.currentUser(),
    listSessions: () => client.listSessions(),
    endSession: (id) => client.endSession(id),
    endOtherSessions: () => client.endOtherSessions(),
    createApiKey: ({ permissions, ...rest }) =>
      client.createApiKey(
        {
          ...rest,
          // Trees from the JSON editor are whatever the user typed: the server validates them
          // and answers invalid_permissions with the offending path.
          ...(permissions === undefined ? {} : { permissions: permissions as SdkTree | null }),
        },
        { retries: 0 },
      ),
    listApiKeys: () => client.listApiKeys(),
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
