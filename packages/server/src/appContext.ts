import type { PepperRing, RouteCatalogue, Store } from "@latchkey/core";
import type { RevocationBus } from "@latchkey/store";
import type { AccountService } from "./accounts/accountService.js";
import type { LifecycleSweeper } from "./accounts/lifecycleSweeper.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { CredentialThrottle } from "./auth/credentialThrottle.js";
import type { KeyCache } from "./auth/keyCache.js";
import type { LoginThrottle } from "./auth/loginThrottle.js";
import type { UsageRecorder } from "./auth/usageRecorder.js";
import type { Config } from "./config.js";
import type { KeyService } from "./keys/keyService.js";
import type { LeakReports } from "./keys/leakReports.js";
import type { Metrics } from "./metrics/metrics.js";
import type { RateLimiter } from "./rateLimit/rateLimiter.js";
import type { DeniedUses } from "./verify/deniedUses.js";
import type { WebhookDispatcher } from "./webhooks/webhookDispatcher.js";
import type { WebhookService } from "./webhooks/webhookService.js";

/** Everything a route needs, built once per app (no module-level singletons). */
export interface AppContext {
  config: Readonly<Config>;
  /** Counters for Prometheus, or calls that do nothing when metrics are off. */
  metrics: Metrics;
  store: Store;
  peppers: PepperRing;
  catalogue: RouteCatalogue;
  cache: KeyCache;
  /** Carries revocations to every node's cache (local only in SQLite mode). */
  revocations: RevocationBus;
  usage: UsageRecorder;
  /** Rate-limit counters: this node's memory, or Redis shared by all nodes. */
  limiter: RateLimiter;
  authenticator: Authenticator;
  /** The authenticator behind the per-address failed-authentication throttle. */
  credentials: CredentialThrottle;
  /** Password attempts per address and per account. */
  logins: LoginThrottle;
  /** Refused uses of known keys: throttled per key, audited as counts. */
  denied: DeniedUses;
  keys: KeyService;
  accounts: AccountService;
  now: () => Date;
  /** Applies the accounts' lifecycle policies on a timer. */
  lifecycle: LifecycleSweeper;
  /** Webhook endpoints: register, change, remove, test, redeliver. */
  webhooks: WebhookService;
  /** Fans key events out to webhooks and sends due deliveries, on a timer. */
  webhookDispatcher: WebhookDispatcher;
  /** The public leak report: revokes reported live keys. */
  leaks: LeakReports;
}
