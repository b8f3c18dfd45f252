import type pg from "pg";
import { pgDriver } from "./drivers.js";

export interface PostgresOptions {
  url: string;
  /**
   * The schema to work in, created if missing. Unset: the connection's own default (the first
   * schema of its search_path, usually `public`). Lets deployments or parallel test runs share
   * one database.
   */
  schema?: string | undefined;
  poolSize?: number | undefined;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isValidSchemaName(schema: string): boolean {
  return SCHEMA_NAME.test(schema);
}

/** Connection settings shared by the store's pool and a node's notification connection. */
export function postgresClientConfig(options: PostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
    ...(options.schema !== undefined ? { options: `-c search_path=${options.schema}` } : {}),
  };
}

/** PostgreSQL's codes for "already exists" when two sessions create the same schema at once. */
const RACED_CREATE = new Set(["23505", "42P06"]);

/**
 * Creates the configured schema if missing (several nodes may start at once) and returns the
 * schema the connection really works in, checked so that a search_path given in the URL
 * cannot silently send the tables elsewhere.
 */
export async function resolveSchema(options: PostgresOptions): Promise<string> {
  const { schema } = options;
  if (schema !== undefined && !isValidSchemaName(schema)) {
    throw new Error(
      `invalid schema name '${schema}': use lowercase letters, digits and _, at most 63`,
    );
  }
  const client = new (pgDriver().Client)(postgresClientConfig(options));
  await client.connect();
  try {
    if (schema !== undefined) {
      try {
        await client.query(`create schema if not exists ${schema}`);
      } catch (err) {
        if (!RACED_CREATE.has(String((err as { code?: unknown }).code))) throw err;
      }
    }
    const { rows } = await client.query<{ schema: string | null }>(
      "select current_schema() as schema",
    );
    const current = rows[0]?.schema ?? null;
    if (current === null) {
      throw new Error("the PostgreSQL connection has no schema to work in (check search_path)");
    }
    if (schema !== undefined && current !== schema) {
      throw new Error(
        `the connection works in schema '${current}', not '${schema}': drop the search_path from the URL`,
      );
    }
    return current;
  } finally {
    await client.end();
  }
}
