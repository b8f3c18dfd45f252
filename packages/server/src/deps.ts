import { randomBytes } from "node:crypto";
import type { PepperRing, RevocationBus, RouteCatalogue, Store } from "@latchkey/core";
import { LocalRevocationBus } from "@latchkey/store";
import type { Logger } from "pino";
import { AccountLimits, accountLimitSettings } from "./accounts/accountLimits.js";
import { AccountService } from "./accounts/accountService.js";
import { LifecycleSweeper } from "./accounts/lifecycleSweeper.js";
import { Authenticator } from "./auth/authenticator.js";
import { CredentialThrottle } from "./auth/credentialThrottle.js";
import { KeyCache } from "./auth/keyCache.js";
import { LoginThrottle } from "./auth/loginThrottle.js";
import { UsageRecorder } from "./auth/usageRecorder.js";
import { serverCatalogue } from "./catalogue/serverCatalogue.js";
import type { Config } from "./config.js";
import { KeyService } from "./keys/keyService.js";
import { LeakReports } from "./keys/leakReports.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { MemoryRateLimiter } from "./rateLimit/memoryRateLimiter.js";
import type { RateLimiter } from "./rateLimit/rateLimiter.js";
import { RedisRateLimiter } from "./rateLimit/redisRateLimiter.js";
import { SessionService } from "./sessions/sessionService.js";
import { TeamService } from "./teams/teamService.js";
import { VerifierHub, verifierTimings } from "./verifiers/verifierHub.js";
import { VerifierService } from "./verifiers/verifierService.js";
import { DeniedUses } from "./verify/deniedUses.js";
import { Verification } from "./verify/verification.js";
import { WebhookDispatcher } from "./webhooks/webhookDispatcher.js";
import { WebhookSecretBox } from "./webhooks/webhookSecrets.js";
import { WebhookService } from "./webhooks/webhookService.js";

/**
 * The composition root: every service of one server, wired once. Routes and hooks receive the
 * result; main.ts starts its timers; nothing here listens or registers HTTP.
 */

/** Everything a route or a timer needs, built once per server (no module-level singletons). */
export interface Deps {
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
  /** Password attempts per address and per account. */
  logins: LoginThrottle;
  /** Who holds a secret and what they may do, for the REST routes and the verify API. */
  verification: Verification;
  keys: KeyService;
  accounts: AccountService;
  sessions: SessionService;
  now: () => Date;
  /** Applies the accounts' lifecycle policies on a timer. */
  lifecycle: LifecycleSweeper;
  /** Webhook endpoints: register, change, remove, test, redeliver. */
  webhooks: WebhookService;
  /** Fans key events out to webhooks and sends due deliveries, on a timer. */
  webhookDispatcher: WebhookDispatcher;
  /** The public leak report: revokes reported live keys. */
  leaks: LeakReports;
  /** Teams: members, roles, invitations (docs/teams.md). */
  teams: TeamService;
  /** Verifiers: their credentials, and the streams this node serves (docs/revocation.md). */
  verifiers: VerifierService;
  /** Writes what is batched (usage) and closes the rate-limit connection; the store stays. */
  close(): Promise<void>;
}

export interface DepsOptions {
  config: Readonly<Config>;
  store: Store;
  peppers: PepperRing;
  /** What the server counts; by default Prometheus metrics when LATCHKEY_METRICS_PORT is set. */
  metrics?: Metrics;
  /** Where background failures are reported. */
  logger: Pick<Logger, "error">;
  catalogue?: RouteCatalogue;
  /**
   * How revocations reach every node's key cache; by default this process only (SQLite mode).
   * Like the store, it belongs to the caller.
   */
  revocations?: RevocationBus;
  now?: () => Date;
}

export function createDeps(options: DepsOptions): Deps {
  const { config, store, peppers } = options;
  const onError = (err: unknown) => options.logger.error({ err }, "a background task failed");
  const catalogue = options.catalogue ?? serverCatalogue(config.operatorRoutes);
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics(config);
  const revocations = metrics.observeRevocations(options.revocations ?? new LocalRevocationBus());
  const cache = new KeyCache(config.keyCacheSize, () => revocations.cacheTrusted(), metrics.cache);
  const nodeId = revocations.nodeId ?? `local-${randomBytes(6).toString("hex")}`;
  const hub = new VerifierHub(
    verifierTimings(config.verifierLeaseMs, config.nodeLeaseMs),
    revocations,
    nodeId,
    metrics.verifiers,
    now,
    (rows) =>
      store.reportVerifierConnections(
        nodeId,
        rows,
        new Date(now().getTime() - 86_400_000).toISOString(),
      ),
    onError,
  );
  // What this node forgets, its verifiers forget too, and a revocation waits for them.
  revocations.attach({
    invalidate: (ids) => {
      for (const id of ids) cache.invalidate(id);
      hub.invalidate(ids);
    },
    clear: () => {
      cache.clear();
      hub.reset();
    },
    // Verifiers hold only keys found live: nothing of theirs can hide a new one.
    keysAdded: () => cache.keysAdded(),
    settle: () => hub.settle(),
  });
  const usage = new UsageRecorder(store, config.usageFlushSeconds * 1000, onError, metrics.usage);
  const memoryLimiter = new MemoryRateLimiter(() => now().getTime());
  const limiter =
    config.redisUrl === undefined
      ? memoryLimiter
      : new RedisRateLimiter(config.redisUrl, memoryLimiter, onError, `${config.redisPrefix}rl:`);
  const accountLimits = new AccountLimits(store, limiter, accountLimitSettings(config), metrics);
  const authenticator = new Authenticator(store, peppers, cache, usage);
  const credentials = new CredentialThrottle(limiter, authenticator, {
    failedAuthLimit: config.failedAuthLimit,
    throttledLookupLimit: config.throttledLookupLimit,
  });
  const denied = new DeniedUses(store, limiter, config.deniedUseLimit);
  const secrets = new WebhookSecretBox(peppers);
  const webhookDispatcher = new WebhookDispatcher(
    store,
    secrets,
    {
      retrySeconds: config.webhookRetrySeconds,
      timeoutMs: config.webhookTimeoutSeconds * 1000,
      allowPrivate: config.webhookAllowPrivate,
      retentionDays: config.webhookRetentionDays,
    },
    now,
    onError,
    undefined,
    metrics.deliveries,
  );
  return {
    config,
    metrics,
    store,
    peppers,
    catalogue,
    cache,
    revocations,
    usage,
    limiter,
    authenticator,

    logins: new LoginThrottle(limiter, {
      perAddress: config.failedAuthLimit,
      perAccount: config.loginFailureLimit,
    }),
    verification: new Verification(authenticator, credentials, usage, denied, now, metrics),
    keys: new KeyService(store, peppers, catalogue, revocations, config.keyPrefix, accountLimits),
    accounts: new AccountService(store),
    sessions: new SessionService(store, peppers, revocations, config.keyPrefix, accountLimits),
    now,
    lifecycle: new LifecycleSweeper(store, revocations, usage, now, onError),
    webhooks: new WebhookService(store, secrets, webhookDispatcher, config.webhookAllowPrivate),
    webhookDispatcher,
    leaks: new LeakReports(store, authenticator, revocations),
    teams: new TeamService(store, catalogue, revocations),
    verifiers: new VerifierService(store, peppers, revocations, config.keyPrefix, hub, now),
    async close() {
      await hub.close();
      await usage.stop();
      await limiter.close();
    },
  };
}

/**
 * Starts the timers of the server's background work: batched usage writes, lifecycle sweeps,
 * webhook deliveries. The returned function stops them, waiting for a round in progress.
 */
export function startBackgroundWork(deps: Deps): () => Promise<void> {
  const { config } = deps;
  deps.usage.start();
  deps.verifiers.hub.start();
  deps.lifecycle.start(config.lifecycleSweepSeconds * 1000);
  deps.webhookDispatcher.start(config.webhookPollSeconds * 1000);
  return async () => {
    // Attempts in flight are abandoned and due again at once, for this node after a restart
    // or for another node.
    await deps.webhookDispatcher.stop();
    await deps.lifecycle.stop();
  };
}
