import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { LRUCache } from "lru-cache";

/** Distinct SQL texts kept prepared; batched writes of different lengths each have their own. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * better-sqlite3 as Kysely's SQLite dialect sees it, with prepared statements kept for reuse.
 * Kysely's driver prepares every query it runs, and preparing costs more than running a
 * look-up by index: an unknown key's look-up spent a quarter of its time preparing. A
 * statement may be reused as soon as it returns, since better-sqlite3 runs it synchronously.
 */
export function withStatementCache(
  database: BetterSqlite3.Database,
  size = STATEMENT_CACHE_SIZE,
): SqliteDatabase {
  const statements = new LRUCache<string, SqliteStatement>({ max: size });
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
