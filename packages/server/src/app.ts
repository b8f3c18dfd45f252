import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyCookie from "@fastify/cookie";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
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
import { lazyChildLogger } from "./http/requestLogger.js";
import { registerAnswerHeaders } from "./http/securityHeaders.js";
import { buildSerializer } from "./http/serialization.js";
import { registerStrictJson } from "./http/strictJson.js";
import { validatorCompiler } from "./http/validation.js";
import { registerMetrics } from "./metrics/registerMetrics.js";
import { routes, schemas } from "./routes.js";

export interface AppOptions {
  /** A pino logger; by default createLogger's at the configured level on stdout. */
  logger?: Logger;
  /** The console's built files; by default the @latchkey/console package's dist, when built. */
  consoleDir?: string | null;
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

/**
 * Closing waits for every open connection, and Node does not count one that has not sent a
 * byte as idle: a client that connected and said nothing (a reconnect cut off half-way, a
 * port probe) would hold the close open until the headers timeout, a minute. Such a
 * connection carries no request, so it is closed as the close begins, and so is any that
 * arrives after.
 */
function closeSilentConnections(app: FastifyInstance): void {
  const open = new Set<Socket>();
  let closing = false;
  app.server.on("connection", (socket: Socket) => {
    if (closing) return void socket.destroy();
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  });
  app.addHook("preClose", (done) => {
    closing = true;
    for (const socket of open) if (socket.bytesRead === 0) socket.destroy();
    done();
  });
}

/**
 * Builds the HTTP server over `deps` (without listening): API, OpenAPI document and console.
 * The services belong to the caller (deps.ts builds them, main.ts starts and stops them).
 */
export async function buildApp(deps: Deps, options: AppOptions = {}): Promise<FastifyInstance> {
  // Whatever logger is given, requests are logged through our serializer, which drops headers
  // and bodies and shows of a URL only what the routes define (docs/security.md#logs).
  const urls = new UrlRedactor();
  const app = Fastify({
    loggerInstance: (
      options.logger ?? createLogger(deps.config.logLevel, undefined, deps.config.logFormat)
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
    bodyLimit: deps.config.bodyLimit,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // X-Forwarded-For is believed only from configured proxies (LATCHKEY_TRUST_PROXY).
    trustProxy: trustProxyOption(deps.config.trustProxy),
    // Request ids are ours, never taken from the client, and returned as X-Request-Id
    // (registerAnswerHeaders).
    requestIdHeader: false,
    // Errors raised before routing (a malformed URL) get the catalogued body like any other.
    frameworkErrors: (error, _request, reply) => {
      const apiError = toApiError(error);
      // The option's generic reply type knows no schema; this reply is a plain one.
      (reply as unknown as FastifyReply).status(apiError.status).send(apiError.toBody());
    },
    genReqId: () => randomUUID(),
    // Made only when a request logs something besides its one line (requestLogger.ts).
    childLoggerFactory: lazyChildLogger,
    schemaController: { compilersFactory: { buildSerializer } },
  });
  closeSilentConnections(app);
  registerRequestLog(app);
  app.setValidatorCompiler(validatorCompiler());
  // JSON only: a text body would otherwise reach validation as a string and get a confusing 400.
  app.removeContentTypeParser("text/plain");
  registerStrictJson(app);
  for (const schema of schemas) app.addSchema(schema);

  registerErrorHandling(app);
  registerAnswerHeaders(app);
  // Setting cookies only; the session cookie is parsed where it is read (sessionCookieOf).
  await app.register(fastifyCookie, { hook: false });
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
  // Order matters: authenticate (throttling failed credentials per address), then count per caller.
  registerMetrics(app, deps);
  registerAuthHooks(app, deps);
  registerRateLimits(app, deps);
  app.addHook("onRoute", (route) => {
    urls.learn(route);
    // An API route outside the catalogue would have no category, hence no permission check.
    const api =
      route.url.startsWith("/api/") || route.url === "/healthz" || route.url === "/readyz";
    if (api && route.method !== "HEAD" && !route.config?.access) {
      throw new Error(`${String(route.method)} ${route.url} is not in the route catalogue`);
    }
  });
  for (const route of routes) route.register(app, deps);

  const consoleDir = options.consoleDir === undefined ? defaultConsoleDir() : options.consoleDir;
  if (consoleDir) {
    await app.register(fastifyStatic, {
      root: consoleDir,
      prefix: "/",
      wildcard: false,
      index: ["index.html"],
    });
  }

  return app;
}
