import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApp } from "./app.js";
import { openBackend } from "./backend.js";
import { serverCatalogue } from "./catalogue/serverCatalogue.js";
import { type Config, ConfigError, type ConfigSource, parseConfig } from "./config.js";
import { createDeps, type Deps, startBackgroundWork } from "./deps.js";
import { createLogger } from "./http/logging.js";
import { loadPepper } from "./pepper.js";
import { startupLine } from "./startup.js";

export interface RunningServer {
  app: FastifyInstance;
  deps: Deps;
  /** The port it listens on (the one given, or the one the system chose for 0); 0 without. */
  port: number;
  /** Stops cleanly: connections drained, timers stopped, usage flushed, storage closed. */
  stop(): Promise<void>;
}

/** Opens the storage, wires the services, builds the app, starts the timers and listens. */
export async function runServer(
  config: Readonly<Config>,
  logger: Logger,
  options: { now?: () => Date; listen?: boolean } = {},
): Promise<RunningServer> {
  const { listen = true, ...depsOptions } = options;
  const peppers = loadPepper(config);
  // Assembled before the storage opens: an operator route that collides stops start-up here.
  const catalogue = serverCatalogue(config.operatorRoutes);
  const backend = await openBackend(config, logger);
  const { store, revocations } = backend;
  const deps = createDeps({
    config,
    store,
    peppers,
    logger,
    revocations,
    catalogue,
    ...depsOptions,
  });
  const app = await buildApp(deps, { logger });
  const stopBackgroundWork = startBackgroundWork(deps);
  try {
    // Counting starts in the shared limiter, not split between it and the fallback.
    await deps.limiter.ready();
    // Tests may answer through app.inject without a socket.
    if (listen) await app.listen({ port: config.port, host: config.host });
    else await app.ready();
  } catch (err) {
    await stopBackgroundWork();
    await deps.close();
    await backend.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : listen ? config.port : 0;
  return {
    app,
    deps,
    port,
    async stop() {
      await app.close();
      await stopBackgroundWork();
      await deps.close();
      await backend.close();
    },
  };
}

/**
 * Starts a server from the environment (and `overrides`, keyed by environment name). Returns
 * a function that stops it cleanly: usage flushed, connections drained, store closed.
 */
export async function startServer(env: ConfigSource, overrides: ConfigSource = {}) {
  const config = parseConfig(env, overrides);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const server = await runServer(config, logger);
  const line = startupLine({
    config,
    port: server.port,
    console: server.app.hasRoute({ method: "GET", url: "/" }),
    metricsUrl: server.deps.metrics.scrapeUrl(),
  });
  logger.info(line.fields, line.msg);
  return server;
}

/** Runs until SIGINT/SIGTERM; a bad configuration stops start-up with the variable's name. */
export async function main(
  env: ConfigSource = process.env,
  overrides: ConfigSource = {},
): Promise<number> {
  // Listened for before starting: a SIGINT or SIGTERM that arrives during start-up, or just
  // after the start-up line, stops the server cleanly once it has started instead of killing
  // it with the signal's default action. A second one still kills it at once.
  let stop = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    stop = resolve;
  });
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(env, overrides);
  } catch (err) {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    if (err instanceof ConfigError) {
      process.stderr.write(`latchkey: invalid configuration: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  await stopRequested;
  await server.stop();
  return 0;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(
        `latchkey: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exit(1);
    },
  );
}
