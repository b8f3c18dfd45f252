import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type SqliteDatabase from "better-sqlite3";
import { sqliteDriver } from "./drivers.js";
import { SQLITE_FILE } from "./open.js";

/** Why a backup or restore could not be made; the message says what to do. */
export type SqliteFileProblem = "missing" | "exists" | "in_use" | "not_latchkey" | "corrupt";

export class SqliteFileError extends Error {
  constructor(
    readonly problem: SqliteFileProblem,
    message: string,
  ) {
    super(message);
    this.name = "SqliteFileError";
  }
}

export interface SqliteBackup {
  /** The database copied, and the copy. */
  source: string;
  file: string;
  bytes: number;
  /** API keys live in the copy (not deleted), for the operator to recognise it. */
  liveKeys: number;
}

/** Pages per step: all of them, so that writers committing meanwhile cannot restart it. */
const ALL_PAGES = 0x7fffffff;

/** SQLite's own answer for a sound file: "ok", or the first problems it found. */
function integrityOf(db: SqliteDatabase.Database): string {
  const rows = db.pragma("integrity_check") as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join("; ");
}

function isLatchkeyDatabase(db: SqliteDatabase.Database): boolean {
  const tables = db
    .prepare("select name from sqlite_master where type = 'table' and name in (?, ?)")
    .all("api_keys", "kysely_migration");
  return tables.length === 2;
}

/** SQLite's own errors for a file that is not a database, or a damaged one. */
const UNREADABLE = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"]);

/** Refuses a file that is not a Latchkey database, or one that fails its integrity check. */
function checkSound(file: string): void {
  let db: SqliteDatabase.Database | undefined;
  try {
    db = new (sqliteDriver())(file, { readonly: true, fileMustExist: true });
    if (!isLatchkeyDatabase(db)) {
      throw new SqliteFileError("not_latchkey", `${file} is not a Latchkey database`);
    }
    const integrity = integrityOf(db);
    if (integrity !== "ok") {
      throw new SqliteFileError("corrupt", `${file} failed its integrity check: ${integrity}`);
    }
  } catch (err) {
    if (UNREADABLE.has((err as { code?: string }).code ?? "")) {
      throw new SqliteFileError("not_latchkey", `${file} is not a readable SQLite database`);
    }
    throw err;
  } finally {
    db?.close();
  }
}

/** Makes what was written to `file` durable, the file and its directory entry. */
function syncFile(file: string): void {
  const fd = openSync(file, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const dir = openSync(dirname(file), "r");
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** A new, empty, private file next to `target` that nothing else will pick. */
function privateTempNextTo(target: string): string {
  const temp = join(
    dirname(target),
    `.${basename(target)}.${randomBytes(6).toString("hex")}.partial`,
  );
  closeSync(openSync(temp, "wx", 0o600));
  return temp;
}

/**
 * A consistent copy of a data directory's database, taken while a server may be writing to it
 * (SQLite's online backup, every page in one step under one read transaction, so concurrent
 * commits neither block it nor make it start over). The copy is written under a temporary
 * name, checked with `PRAGMA integrity_check`, made a single self-contained file (rollback
 * journal, no WAL beside it), synced, and only then given its name: mode 0600, and an existing
 * file is replaced only with `force`. The pepper is not in it: it never is in the database.
 */
export async function backupSqlite(
  dataDir: string,
  target: string,
  options: { force?: boolean } = {},
): Promise<SqliteBackup> {
  const source = resolve(dataDir, SQLITE_FILE);
  const file = resolve(target);
  if (!existsSync(source)) {
    throw new SqliteFileError("missing", `there is no Latchkey database at ${source}`);
  }
  if (file === source || file.startsWith(`${source}-`)) {
    throw new SqliteFileError("exists", `${file} is the database itself; back it up elsewhere`);
  }
  if (existsSync(file) && options.force !== true) {
    throw new SqliteFileError("exists", `${file} already exists`);
  }
  if (!existsSync(dirname(file))) {
    throw new SqliteFileError("missing", `the directory ${dirname(file)} does not exist`);
  }
  const temp = privateTempNextTo(file);
  try {
    const db = new (sqliteDriver())(source, { fileMustExist: true, timeout: 5000 });
    try {
      if (!isLatchkeyDatabase(db)) {
        throw new SqliteFileError("not_latchkey", `${source} is not a Latchkey database`);
      }
      await db.backup(temp, { progress: () => ALL_PAGES });
    } catch (err) {
      if (UNREADABLE.has((err as { code?: string }).code ?? "")) {
        throw new SqliteFileError("corrupt", `${source} is damaged: ${(err as Error).message}`);
      }
      throw err;
    } finally {
      db.close();
    }
    const copy = new (sqliteDriver())(temp, { fileMustExist: true });
    let liveKeys: number;
    try {
      copy.pragma("journal_mode = DELETE");
      const integrity = integrityOf(copy);
      if (integrity !== "ok") {
        throw new SqliteFileError("corrupt", `the copy failed its integrity check: ${integrity}`);
      }
      liveKeys = (
        copy
          .prepare("select count(*) as n from api_keys where kind = 'api' and deleted_at is null")
          .get() as { n: number }
      ).n;
    } finally {
      copy.close();
    }
    chmodSync(temp, 0o600);
    syncFile(temp);
    if (options.force === true) renameSync(temp, file);
    else {
      // A link fails if the name was taken meanwhile: never overwrite what is not ours.
      try {
        linkSync(temp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") {
          throw new SqliteFileError("exists", `${file} already exists`);
        }
        throw err;
      }
      rmSync(temp);
    }
    return { source, file, bytes: statSync(file).size, liveKeys };
  } finally {
    rmSync(temp, { force: true });
    rmSync(`${temp}-journal`, { force: true });
  }
}

interface KeyRow {
  id: number;
  /** "api", or "session" for a console login's credential. */
  kind: string;
  key_hash: string;
  hash_version: number;
  prefix: string;
  last4: string;
  deleted_at: string | null;
  previous_key_hash: string | null;
  previous_hash_version: number | null;
  previous_expires_at: string | null;
}

const KEY_COLUMNS =
  "id, kind, key_hash, hash_version, prefix, last4, deleted_at, previous_key_hash, previous_hash_version, previous_expires_at";

export interface SqliteRestore {
  database: string;
  /** Where the database it replaced was moved; undefined when there was none. */
  previous: string | undefined;
  /** Whether the replaced database could be read, so that its revocations were re-applied. */
  reapplied: boolean;
  /** Keys deleted (or sessions ended) since the backup, deleted again in the restored copy. */
  deletions: number;
  /** Keys reset since the backup: their newer secret (and grace window) replaces the backup's. */
  resets: number;
  /** API keys created since the backup: they are not in it and stay lost. */
  lostKeys: number;
  /** Logins (sessions) since the backup: not in it either; those users log in again. */
  lostSessions: number;
}

/**
 * Puts a backup in place of a data directory's database, which no process may have open (a
 * running server holds it open: refused). The replaced database is kept beside it, renamed,
 * and whatever it knows that the backup does not about revocations is applied again: keys
 * deleted since are deleted, keys reset since get their newer secret, so a restore never
 * brings a revoked secret back to life. Keys created since the backup cannot be restored.
 */
export function restoreSqlite(dataDir: string, backup: string, now: Date): SqliteRestore {
  const database = resolve(dataDir, SQLITE_FILE);
  const from = resolve(backup);
  if (!existsSync(from)) throw new SqliteFileError("missing", `there is no file at ${from}`);
  checkSound(from);

  let newer: Map<number, KeyRow> | undefined;
  let newerMaxId = 0;
  let previous: string | undefined;
  if (existsSync(database)) {
    const current = new (sqliteDriver())(database, { fileMustExist: true, timeout: 0 });
    try {
      // Exclusive locking fails while any other connection has the file open: a running server.
      try {
        current.pragma("locking_mode = EXCLUSIVE");
        current.exec("begin exclusive; commit");
      } catch (err) {
        if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
          throw new SqliteFileError("in_use", `${database} is open in another process`);
        }
        throw err;
      }
      try {
        const rows = current.prepare(`select ${KEY_COLUMNS} from api_keys`).all() as KeyRow[];
        newer = new Map(rows.map((r) => [r.id, r]));
        newerMaxId = rows.reduce((max, r) => Math.max(max, r.id), 0);
      } catch {
        // Damaged beyond reading its keys: restored as is, and the caller warns.
        newer = undefined;
      }
    } finally {
      current.close();
    }
    previous = `${database}.before-restore-${now.toISOString().replaceAll(":", "-")}`;
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(`${database}${suffix}`))
        renameSync(`${database}${suffix}`, `${previous}${suffix}`);
    }
  }

  mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
  const temp = privateTempNextTo(database);
  try {
    copyFileSync(from, temp);
    chmodSync(temp, 0o600);
    syncFile(temp);
    renameSync(temp, database);
  } finally {
    rmSync(temp, { force: true });
  }

  let deletions = 0;
  let resets = 0;
  let lostKeys = 0;
  let lostSessions = 0;
  if (newer !== undefined) {
    const restored = new (sqliteDriver())(database, { fileMustExist: true });
    try {
      const rows = restored.prepare(`select ${KEY_COLUMNS} from api_keys`).all() as KeyRow[];
      const restoredIds = new Set(rows.map((r) => r.id));
      const remove = restored.prepare("update api_keys set deleted_at = ? where id = ?");
      const replace = restored.prepare(
        `update api_keys set key_hash = ?, hash_version = ?, prefix = ?, last4 = ?,
           previous_key_hash = ?, previous_hash_version = ?, previous_expires_at = ? where id = ?`,
      );
      restored.transaction(() => {
        for (const row of rows) {
          const later = newer.get(row.id);
          if (row.deleted_at !== null) continue;
          if (later === undefined) {
            // Gone from the newer database altogether (removed by hand): refused from now on.
            if (row.id <= newerMaxId) {
              remove.run(now.toISOString(), row.id);
              deletions++;
            }
          } else if (later.deleted_at !== null) {
            remove.run(later.deleted_at, row.id);
            deletions++;
          } else if (later.key_hash !== row.key_hash) {
            // A reset (or a move to a newer pepper, the same secret): the newer hash wins.
            replace.run(
              later.key_hash,
              later.hash_version,
              later.prefix,
              later.last4,
              later.previous_key_hash,
              later.previous_hash_version,
              later.previous_expires_at,
              row.id,
            );
            // Under one pepper version, another hash is another secret.
            if (later.hash_version === row.hash_version || later.last4 !== row.last4) resets++;
          }
        }
      })();
      for (const [id, row] of newer) {
        if (restoredIds.has(id) || row.deleted_at !== null) continue;
        if (row.kind === "api") lostKeys++;
        else lostSessions++;
      }
    } finally {
      restored.close();
    }
  }
  return {
    database,
    previous,
    reapplied: newer !== undefined,
    deletions,
    resets,
    lostKeys,
    lostSessions,
  };
}
