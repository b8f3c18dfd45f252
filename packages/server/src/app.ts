import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import { defaultCatalogue, type PepperRing, type RouteCatalogue, type Store } from "@latchkey/core";
import { LocalRevocationBus, type RevocationBus } from "@latchkey/store";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import { AccountLimits, accountLimitSettings } from "./accounts/accountLimits.js";
import { AccountService } from "./accounts/accountService.js";
import { LifecycleSweeper } from "./accounts/lifecycleSweeper.js";
import type { AppContext } from "./appContext.js";
import { Authenticator } from "./auth/authenticator.js";
import { CredentialThrottle } from "./auth/credentialThrottle.js";
import { KeyCache } from "./auth/keyCache.js";
import { LoginThrottle } from "./auth/loginThrottle.js";
import { UsageRecorder } from "./auth/usageRecorder.js";
import { loadOperatorRoutes } from "./catalogue/operatorCatalogue.js";
import type { Config } from "./config.js";
import { registerAuthHooks } from "./http/authHooks.js";
import { registerErrorHandling, toApiError } from "./http/errorHandler.js";
import {
  createLogger,
  errorSerializer,
  registerRequestLog,
  requestSerializer,
  UrlRedactor,
} from "./http/logging.js";
import { registerRateLimits } from "./http/rateLimitHooks.js";
import { sharedSchemas } from "./http/schemas.js";
import { registerSecurityHeaders } from "./http/securityHeaders.js";
import { registerStrictJson } from "./http/strictJson.js";
import { validatorCompiler } from "./http/validation.js";
import { KeyService } from "./keys/keyService.js";
import { LeakReports } from "./keys/leakReports.js";
import { createMetrics, type Metrics } from "./metrics/metrics.js";
import { registerMetrics } from "./metrics/registerMetrics.js";
import { MemoryRateLimiter } from "./rateLimit/memoryRateLimiter.js";
import { RedisRateLimiter } from "./rateLimit/redisRateLimiter.js";
import { routes } from "./routes.js";
import { DeniedUses } from "./verify/deniedUses.js";
import { WebhookDispatcher } from "./webhooks/webhookDispatcher.js";
import { WebhookSecretBox } from "./webhooks/webhookSecrets.js";
import { WebhookService } from "./webhooks/webhookService.js";

export interface AppOptions {
  config: Readonly<Config>;
  store: Store;
  peppers: PepperRing;
  /** A pino logger; by default createLogger's at the configured level on stdout. */
  logger?: Logger;
  catalogue?: RouteCatalogue;
  /** The console's built files; by default the @latchkey/console package's dist, when built. */
  consoleDir?: string | null;
  /**
   * How revocations reach every node's key cache; by default this process only (SQLite mode).
   * Like the store, it belongs to the caller.
   */
  revocations?: RevocationBus;
  /** What the server counts; by default Prometheus metrics when LATCHKEY_METRICS_PORT is set. */
  metrics?: Metrics;
  now?: () => Date;
}

export function defaultConsoleDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, "..", "..", "console", "dist");
  return existsSync(join(dir, "index.html")) ? dir : null;
}

/** A hop count means: trust that many proxies nearest to the server. */
function trustProxyOption(setting: Config["trustProxy"]) {
  return typeof setting === "number" ? (_address: string, hop: number) => hop < setting : setting;
}

export function createContext(options: AppOptions, onError: (err: unknown) => void): AppContext {
  const { config, store, peppers } = options;
  // The operator's own routes (LATCHKEY_CATALOGUE_FILE, checked when the config was parsed).
  const catalogue =
    options.catalogue ??
    defaultCatalogue(
      config.catalogueFile === undefined ? [] : loadOperatorRoutes(config.catalogueFile),
    );
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics(config);
  const revocations = metrics.observeRevocations(options.revocations ?? new LocalRevocationBus());
  const cache = new KeyCache(config.keyCacheSize, () => revocations.cacheTrusted(), metrics.cache);
  revocations.attach({
    invalidate: (ids) => {
      for (const id of ids) cache.invalidate(id);
    },
    clear: () => cache.clear(),
  });
  const usage = new UsageRecorder(store, config.usageFlushSeconds * 1000, onError, metrics.usage);
  const memoryLimiter = new MemoryRateLimiter(() => now().getTime());
  const limiter =
    config.redisUrl === undefined
      ? memoryLimiter
      : new RedisRateLimiter(config.redisUrl, memoryLimiter, onError, `${config.redisPrefix}rl:`);
  const accountLimits = new AccountLimits(store, limiter, accountLimitSettings(config), metrics);
  const authenticator = new Authenticator(store, peppers, cache, usage);
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
    credentials: new CredentialThrottle(limiter, authenticator, {
      failedAuthLimit: config.failedAuthLimit,
      throttledLookupLimit: config.throttledLookupLimit,
    }),
    logins: new LoginThrottle(limiter, {
      perAddress: config.failedAuthLimit,
      perAccount: config.loginFailureLimit,
    }),
    denied: new DeniedUses(store, limiter, config.deniedUseLimit),
    keys: new KeyService(store, peppers, catalogue, revocations, config.keyPrefix, accountLimits),
    accounts: new AccountService(store, peppers, revocations, config.keyPrefix, accountLimits),
    now,
    lifecycle: new LifecycleSweeper(store, revocations, usage, now, onError),
    webhooks: new WebhookService(store, secrets, webhookDispatcher, config.webhookAllowPrivate),
    webhookDispatcher,
    leaks: new LeakReports(store, authenticator, revocations),
  };
}

/**
 * Builds the server (without listening): API, OpenAPI document and console. Closing the app
 * flushes batched usage; the store belongs to the caller.
 */
export async function buildApp(
  options: AppOptions,
): Promise<{ app: FastifyInstance; ctx: AppContext }> {
  // Whatever logger is given, requests are logged through our serializer, which drops headers
  // and bodies and shows of a URL only what the routes define (docs/security.md#logs).
  const urls = new UrlRedactor();
  const app = Fastify({
    loggerInstance: (
      options.logger ?? createLogger(options.config.logLevel, undefined, options.config.logFormat)
    ).child(
      {},
      {
        serializers: {
          req: (request) => requestSerializer(request, urls),
          err: errorSerializer,
        },
      },
    ) as FastifyBaseLogger,
    // Our own line per request instead of Fastify's two (registerRequestLog).
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: options.config.bodyLimit,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // X-Forwarded-For is believed only from configured proxies (LATCHKEY_TRUST_PROXY).
    trustProxy: trustProxyOption(options.config.trustProxy),
    // Request ids are ours, never taken from the client, and returned as X-Request-Id so a
    // client's error report can be matched with the server's log line.
    requestIdHeader: false,
    // Errors raised before routing (a malformed URL) get the catalogued body like any other.
    frameworkErrors: (error, _request, reply) => {
      const apiError = toApiError(error);
      // The option's generic reply type knows no schema; this reply is a plain one.
      (reply as unknown as FastifyReply).status(apiError.status).send(apiError.toBody());
    },
    genReqId: () => randomUUID(),
  });
  app.addHook("onSend", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  registerRequestLog(app);
  const ctx = createContext(options, (err) => app.log.error({ err }, "a background task failed"));
  app.setValidatorCompiler(validatorCompiler());
  // JSON only: a text body would otherwise reach validation as a string and get a confusing 400.
  app.removeContentTypeParser("text/plain");
  registerStrictJson(app);
  for (const schema of sharedSchemas) app.addSchema(schema);

  registerErrorHandling(app);
  registerSecurityHeaders(app);
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Latchkey API",
        version: "0",
        description:
          "API keys with Vast.ai-compatible paths. Send `Authorization: Bearer <key>` on every request. Every error answers `{success: false, error, msg}`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  registerMetrics(app, ctx);
  // Order matters: authenticate (throttling failed credentials per address), then count per caller.
  registerAuthHooks(app, ctx);
  registerRateLimits(app, ctx);
  app.addHook("onRoute", (route) => {
    urls.learn(route);
    // An API route outside the catalogue would have no category, hence no permission check.
    const api =
      route.url.startsWith("/api/") || route.url === "/healthz" || route.url === "/readyz";
    if (api && route.method !== "HEAD" && !route.config?.access) {
      throw new Error(`${String(route.method)} ${route.url} is not in the route catalogue`);
    }
  });
  for (const route of routes) route(app, ctx);

  const consoleDir = options.consoleDir === undefined ? defaultConsoleDir() : options.consoleDir;
  if (consoleDir) {
    await app.register(fastifyStatic, {
      root: consoleDir,
      prefix: "/",
      wildcard: false,
      index: ["index.html"],
    });
  }

  ctx.usage.start();
  ctx.lifecycle.start(options.config.lifecycleSweepSeconds * 1000);
  ctx.webhookDispatcher.start(options.config.webhookPollSeconds * 1000);
  app.addHook("onClose", async () => {
    // Attempts in flight are abandoned and due again at once, for this node after a restart
    // or for another node.
    await ctx.webhookDispatcher.stop();
    await ctx.lifecycle.stop();
    await ctx.usage.stop();
    await ctx.limiter.close();
  });
  return { app, ctx };
}
