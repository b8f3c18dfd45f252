import { resolve } from "node:path";
import { SQLITE_FILE } from "@latchkey/store";
import type { Config } from "./config.js";

/** Where the data lives, without the URL's user name or password. */
export function describeStorage(
  config: Pick<Config, "databaseUrl" | "databaseSchema" | "dataDir">,
): string {
  if (config.databaseUrl === undefined) {
    return `SQLite ${resolve(config.dataDir, SQLITE_FILE)} (embedded mode, one node)`;
  }
  const url = new URL(config.databaseUrl);
  const port = url.port === "" ? "" : `:${url.port}`;
  const schema = config.databaseSchema === undefined ? "" : `, schema ${config.databaseSchema}`;
  return `PostgreSQL ${url.hostname}${port}${url.pathname}${schema} (scale-out mode)`;
}

export interface Started {
  config: Pick<Config, "host" | "databaseUrl" | "databaseSchema" | "dataDir">;
  port: number;
  /** Whether the console's files are served at `/`. */
  console: boolean;
  metricsUrl: string | undefined;
}

/**
 * The start-up line: in one sentence where the API, the console and the data are and which
 * storage mode is on, and the same as fields for machines (`port` is what scripts wait for).
 */
export function startupLine(started: Started): { fields: Record<string, unknown>; msg: string } {
  const { config, port } = started;
  const base = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  const data = describeStorage(config);
  const consolePart = started.console
    ? "console at /"
    : "console not built (npm run build builds it)";
  const metrics = started.metricsUrl === undefined ? "" : `; metrics at ${started.metricsUrl}`;
  return {
    fields: {
      port,
      host: config.host,
      storage: config.databaseUrl === undefined ? "sqlite" : "postgres",
      api: `${base}/api/v0`,
      console: started.console ? `${base}/` : null,
      data,
      ...(started.metricsUrl === undefined ? {} : { metrics: started.metricsUrl }),
    },
    msg: `Latchkey is listening on ${base}: API at /api/v0, ${consolePart}; data in ${data}${metrics}`,
  };
}
