import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openStore, SQLITE_FILE } from "@latchkey/store";
import SqliteDatabase from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import type { Backend } from "./options.js";

/**
 * A throw-away store for one scenario: migrated by the store's own code (exactly what the
 * server would create), then open to the benchmark for bulk seeding through the store's own
 * table types, then handed to the server by its environment.
 */
export interface BenchStore {
  backend: Backend;
  /** The server environment that selects this store. */
  env: Record<string, string>;
  /** Where the server writes its log. */
  dir: string;
  /**
   * The store's own in-process page cache, a fixed bound that fills once the database
   * outgrows it (SQLite's cache_size, 16 MB in better-sqlite3's build); 0 for PostgreSQL,
   * whose cache lives in its own server process.
   */
  pageCacheKb: number;
  /** The seeding connection; closed by finishSeeding. */
  db: Kysely<Database>;
  /** Brings statistics up to date, flushes what was written and closes the seeding connection. */
  finishSeeding(): Promise<void>;
  /** Removes everything: the temp dir, and the PostgreSQL schema with all its tables. */
  dispose(): Promise<void>;
}

export async function openBenchStore(backend: Backend, postgresUrl: string): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), "latchkey-bench-"));
  try {
    return backend === "sqlite" ? await sqliteStore(dir) : await postgresStore(dir, postgresUrl);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function sqliteStore(dir: string): Promise<BenchStore> {
  const dataDir = join(dir, "data");
  await (await openStore({ kind: "sqlite", dataDir })).close();
  const database = new SqliteDatabase(join(dataDir, SQLITE_FILE));
  // Seeding is set-up, not what is measured: no fsync per commit. The server opens the file
  // afterwards with its own settings (WAL, synchronous FULL).
  database.pragma("synchronous = OFF");
  // Negative: KiB; positive: pages. The server's connection gets the same compiled-in default.
  const cacheSize = Number(database.pragma("cache_size", { simple: true }));
  const pageSize = Number(database.pragma("page_size", { simple: true }));
  const pageCacheKb = cacheSize < 0 ? -cacheSize : (cacheSize * pageSize) / 1024;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  let closed = false;
  return {
    backend: "sqlite",
    env: { LATCHKEY_DATA_DIR: dataDir },
    dir,
    pageCacheKb,
    db,
    async finishSeeding() {
      await sql`analyze`.execute(db);
      database.pragma("wal_checkpoint(TRUNCATE)");
      await db.destroy();
      closed = true;
    },
    async dispose() {
      if (!closed) await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresStore(dir: string, url: string): Promise<BenchStore> {
  const schema = `lk_bench_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const drop = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  };
  try {
    await (await openStore({ kind: "postgres", url, schema })).close();
  } catch (err) {
    await drop().catch(() => {});
    throw new Error(
      `PostgreSQL at ${redactUrl(url)} is not usable (${(err as Error).message}); start it, pass --postgres-url, or run with --sqlite-only`,
    );
  }
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    backend: "postgres",
    env: { LATCHKEY_DATABASE_URL: url, LATCHKEY_DATABASE_SCHEMA: schema },
    dir,
    pageCacheKb: 0,
    db,
    async finishSeeding() {
      // What autovacuum would do after a bulk load, so the planner sees the real table size.
      await sql`vacuum analyze`.execute(db);
      await db.destroy();
      closed = true;
    },
    async dispose() {
      if (!closed) await db.destroy();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
