import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type pg from "pg";

/**
 * The database drivers, each loaded the first time a store of its kind opens: a SQLite server
 * never loads pg, a PostgreSQL node never loads better-sqlite3 (a start spends ~60 ms of CPU
 * loading pg). Both are CommonJS, so require() loads them synchronously, where a constructor
 * needs them.
 */
const require = createRequire(import.meta.url);

export const pgDriver = (): typeof pg => require("pg");

export const sqliteDriver = (): typeof BetterSqlite3 => require("better-sqlite3");
