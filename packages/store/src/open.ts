import { mkdirSync } from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { postgresCapabilities, sqliteCapabilities } from "./dialect.js";
import { KyselyStore } from "./kyselyStore.js";
import type { Database } from "./schema.js";

export const SQLITE_FILE = "latchkey.db";

export type StoreOptions =
  | { kind: "sqlite"; dataDir: string }
  | {
      kind: "postgres";
      url: string;
      /** A schema to work in (created if missing); lets parallel test runs share one database. */
      schema?: string;
      poolSize?: number;
    };

/** Opens the store and runs migrations. */
export async function openStore(options: StoreOptions): Promise<KyselyStore> {
  const store =
    options.kind === "sqlite" ? openSqlite(options.dataDir) : await openPostgres(options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function openSqlite(dataDir: string): KyselyStore {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const database = new SqliteDatabase(join(dataDir, SQLITE_FILE));
  // WAL lets readers run beside the writer; FULL syncs each commit so that an acknowledged
  // write survives a crash of the process or the machine.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new KyselyStore(
    new Kysely<Database>({ dialect: new SqliteDialect({ database }) }),
    sqliteCapabilities,
  );
}

async function openPostgres(options: {
  url: string;
  schema?: string;
  poolSize?: number;
}): Promise<KyselyStore> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name: ${schema}`);
  }
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: options.url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  return new KyselyStore(
    new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    postgresCapabilities,
  );
}
