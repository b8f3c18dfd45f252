import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { Kysely, SqliteDialect } from "kysely";
import { postgresCapabilities, sqliteCapabilities } from "./dialect.js";
import { pgDriver, sqliteDriver } from "./drivers.js";
import { KyselyStore } from "./kyselyStore.js";
import { OwnSchemaPostgresDialect } from "./ownSchemaDialect.js";
import { type PostgresOptions, postgresClientConfig, resolveSchema } from "./postgresConnection.js";
import type { Database } from "./schema.js";
import { withStatementCache } from "./sqliteStatements.js";

export const SQLITE_FILE = "latchkey.db";

export type StoreOptions =
  | { kind: "sqlite"; dataDir: string }
  | ({ kind: "postgres" } & PostgresOptions);

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
  const file = join(dataDir, SQLITE_FILE);
  // The database is private to the server's user even in a data dir others can list: SQLite
  // gives its WAL and shared-memory files the main file's mode.
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  const SqliteDatabase = sqliteDriver();
  const database = new SqliteDatabase(file);
  // WAL lets readers run beside the writer; FULL syncs each commit so that an acknowledged
  // write survives a crash of the process or the machine.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = FULL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  return new KyselyStore(
    new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(database) }),
    }),
    sqliteCapabilities,
  );
}

async function openPostgres(options: PostgresOptions): Promise<KyselyStore> {
  const schema = await resolveSchema(options);
  const pool = new (pgDriver().Pool)({
    ...postgresClientConfig(options),
    max: options.poolSize ?? 10,
  });
  // Without a listener an idle connection that the server drops would crash the process;
  // the pool discards it and the next query opens a new one.
  pool.on("error", () => {});
  return new KyselyStore(
    new Kysely<Database>({ dialect: new OwnSchemaPostgresDialect({ pool }, schema) }),
    postgresCapabilities,
    schema,
  );
}
