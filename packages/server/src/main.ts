import { buildApp } from "./app.js";
import { openBackend } from "./backend.js";
import { ConfigError, type ConfigSource, parseConfig } from "./config.js";
import { createLogger } from "./http/logging.js";
import { loadPepper } from "./pepper.js";
import { startupLine } from "./startup.js";

/**
 * Starts a server from the environment (and `overrides`, keyed by environment name). Returns
 * a function that stops it cleanly: usage flushed, connections drained, store closed.
 */
export async function startServer(env: ConfigSource, overrides: ConfigSource = {}) {
  const config = parseConfig(env, overrides);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  const peppers = loadPepper(config);
  const backend = await openBackend(config, logger);
  const { store, revocations } = backend;
  const { app, ctx } = await buildApp({ config, store, peppers, logger, revocations });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const line = startupLine({
    config,
    port,
    console: app.hasRoute({ method: "GET", url: "/" }),
    metricsUrl: ctx.metrics.scrapeUrl(),
  });
  logger.info(line.fields, line.msg);
  return {
    port,
    async stop() {
      await app.close();
      await backend.close();
    },
  };
}

/** Runs until SIGINT/SIGTERM; a bad configuration stops start-up with the variable's name. */
export async function main(
  env: ConfigSource = process.env,
  overrides: ConfigSource = {},
): Promise<number> {
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(env, overrides);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`latchkey: invalid configuration: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    throw err;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
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
