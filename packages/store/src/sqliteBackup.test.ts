import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { NewKey, UserRecord } from "@latchkey/core";
import { tempDir } from "@latchkey/testkit";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { KyselyStore } from "./kyselyStore.js";
import { openStore } from "./open.js";
import { backupSqlite, restoreSqlite, SqliteFileError } from "./sqliteBackup.js";

/** The store's side of backup and restore, on real files; the CLI's tests run it end to end. */

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

function dir() {
  const made = tempDir("latchkey-store-backup");
  dirs.push(made);
  return made.path;
}

const at = "2026-01-01T00:00:00.000Z";
const later = "2026-02-01T00:00:00.000Z";

function newKey(user: UserRecord, hash: string, hashVersion = 1): NewKey {
  return {
    userId: user.id,
    kind: "api",
    name: hash,
    keyHash: hash,
    hashVersion,
    prefix: "lk",
    last4: hash.slice(-4),
    permissions: null,
    keyParams: null,
    createdAt: at,
    expiresAt: null,
  };
}

async function seeded(data: string) {
  const store = await openStore({ kind: "sqlite", dataDir: data });
  const user = await store.createUser({ email: "o@example.com", passwordHash: "h", createdAt: at });
  if (typeof user === "string") throw new Error(`unexpected: ${user}`);
  return { store, user };
}

const liveIds = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (
      db.prepare("select id from api_keys where deleted_at is null order by id").all() as {
        id: number;
      }[]
    ).map((r) => r.id);
  } finally {
    db.close();
  }
};

describe("restoreSqlite", () => {
  it("re-applies deletes, resets and removals, and does not call a pepper move a reset", async () => {
    const data = dir();
    const { store, user } = await seeded(data);
    const deleted = await store.insertKey(newKey(user, "hash-deleted-aaaa"));
    const reset = await store.insertKey(newKey(user, "hash-reset-bbbb"));
    const rehashed = await store.insertKey(newKey(user, "hash-old-pepper-cccc"));
    const removed = await store.insertKey(newKey(user, "hash-removed-dddd"));
    const kept = await store.insertKey(newKey(user, "hash-kept-eeee"));
    const file = join(dir(), "copy.db");
    const made = await backupSqlite(data, file);
    expect(made.liveKeys).toBe(5);

    await store.deleteKey(user.id, deleted.id, "api", later);
    await store.replaceSecret(user.id, reset.id, {
      keyHash: "hash-new-ffff",
      hashVersion: 1,
      prefix: "lk",
      last4: "ffff",
    });
    // The same secret moved to pepper v2 on its first use: not a reset, but the newer hash wins.
    await store.rehashKey(rehashed.id, "hash-old-pepper-cccc", {
      keyHash: "hash-v2-cccc",
      hashVersion: 2,
    });
    await store.insertKey(newKey(user, "hash-created-later-gggg"));
    // A login since the backup is not a lost key; nor is a key created and deleted since.
    await store.insertKey({ ...newKey(user, "hash-session-later-hhhh"), kind: "session" });
    const shortLived = await store.insertKey(newKey(user, "hash-short-lived-iiii"));
    await store.deleteKey(user.id, shortLived.id, "api", later);
    await store.close();
    // A row removed by hand, as an operator might in the sqlite3 shell.
    const raw = new Database(join(data, "latchkey.db"));
    raw.prepare("delete from api_keys where id = ?").run(removed.id);
    raw.close();

    const done = restoreSqlite(data, file, new Date(later));
    expect(done).toMatchObject({
      reapplied: true,
      deletions: 2,
      resets: 1,
      lostKeys: 1,
      lostSessions: 1,
    });
    expect(done.previous && existsSync(done.previous)).toBe(true);
    expect(liveIds(join(data, "latchkey.db"))).toEqual([reset.id, rehashed.id, kept.id]);
    const reopened: KyselyStore = await openStore({ kind: "sqlite", dataDir: data });
    try {
      expect((await reopened.findKeyByHash("hash-new-ffff"))?.id).toBe(reset.id);
      expect(await reopened.findKeyByHash("hash-reset-bbbb")).toBeUndefined();
      expect((await reopened.findKeyByHash("hash-v2-cccc"))?.hashVersion).toBe(2);
      expect((await reopened.findKeyByHash("hash-deleted-aaaa"))?.deletedAt).toBe(later);
    } finally {
      await reopened.close();
    }
  });

  it("refuses a file that is not a sound Latchkey database, changing nothing", async () => {
    const data = dir();
    const { store } = await seeded(data);
    await store.close();
    const junk = join(dir(), "junk.db");
    writeFileSync(junk, "not a database at all, just text");
    expect(() => restoreSqlite(data, junk, new Date())).toThrow(SqliteFileError);
    const other = join(dir(), "other.db");
    new Database(other).exec("create table t (x)");
    expect(() => restoreSqlite(data, other, new Date())).toThrow(/not a Latchkey database/);
    expect(() => restoreSqlite(data, join(dir(), "absent.db"), new Date())).toThrow(/no file at/);
    expect(existsSync(join(data, "latchkey.db"))).toBe(true);
  });
});
