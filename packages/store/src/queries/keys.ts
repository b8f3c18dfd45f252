import type {
  CredentialKind,
  KeyNotice,
  KeyPage,
  KeyParams,
  KeyRecord,
  KeyUse,
  NewKey,
  PermissionTree,
  SecretChange,
} from "@latchkey/core";
import { CompiledQuery, type Kysely, type Selectable, sql } from "kysely";
import type { Database } from "../schema.js";
import { batches } from "./batches.js";
import { nullableNumber } from "./nullableNumber.js";
import { fromNullableJson, toNullableJson } from "./storedJson.js";
import { storedTime } from "./storedTime.js";

/** API keys and sessions (one table, told apart by kind): writes, look-ups and last use. */

export const toKey = (r: Selectable<Database["api_keys"]>): KeyRecord => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  memberId: nullableNumber(r.member_id),
  kind: r.kind as CredentialKind,
  name: r.name,
  keyHash: r.key_hash,
  hashVersion: Number(r.hash_version),
  prefix: r.prefix,
  last4: r.last4,
  permissions: fromNullableJson<PermissionTree>(r.permissions),
  keyParams: fromNullableJson<KeyParams>(r.key_params),
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  lastUsedIp: r.last_used_ip,
  expiresAt: r.expires_at,
  deletedAt: r.deleted_at,
  previousKeyHash: r.previous_key_hash,
  previousHashVersion: nullableNumber(r.previous_hash_version),
  previousExpiresAt: r.previous_expires_at,
  expiryRemindedAt: r.expiry_reminded_at,
  expiryNotifiedAt: r.expiry_notified_at,
});

export async function insertKey(db: Kysely<Database>, key: NewKey): Promise<KeyRecord> {
  const row = await db
    .insertInto("api_keys")
    .values({
      user_id: key.userId,
      member_id: key.memberId ?? null,
      kind: key.kind,
      name: key.name,
      key_hash: key.keyHash,
      hash_version: key.hashVersion,
      prefix: key.prefix,
      last4: key.last4,
      permissions: toNullableJson(key.permissions),
      key_params: toNullableJson(key.keyParams),
      created_at: storedTime("created_at", key.createdAt),
      expires_at: storedTime("expires_at", key.expiresAt),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toKey(row);
}

export async function deleteKey(
  db: Kysely<Database>,
  userId: number,
  id: number,
  kind: CredentialKind,
  at: string,
) {
  const row = await db
    .updateTable("api_keys")
    .set({ deleted_at: at })
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row && toKey(row);
}

export async function replaceSecret(
  db: Kysely<Database>,
  userId: number,
  id: number,
  change: SecretChange,
  graceUntil?: string | null,
) {
  const row = await db
    .updateTable("api_keys")
    .set((eb) => ({
      key_hash: change.keyHash,
      hash_version: change.hashVersion,
      prefix: change.prefix,
      last4: change.last4,
      // SET reads the row as it was, so the previous secret is the one being replaced.
      previous_key_hash: graceUntil ? eb.ref("key_hash") : null,
      previous_hash_version: graceUntil ? eb.ref("hash_version") : null,
      previous_expires_at: storedTime("previous_expires_at", graceUntil ?? null),
    }))
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("kind", "=", "api")
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row && toKey(row);
}

export async function endGrace(db: Kysely<Database>, userId: number, id: number) {
  const row = await db
    .updateTable("api_keys")
    .set({ previous_key_hash: null, previous_hash_version: null, previous_expires_at: null })
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("kind", "=", "api")
    .where("deleted_at", "is", null)
    .returningAll()
    .executeTakeFirst();
  return row && toKey(row);
}

/** The column that records each notice as sent. */
const noticeColumn = {
  expiryReminder: "expiry_reminded_at",
  expired: "expiry_notified_at",
} as const satisfies Record<KeyNotice, keyof Database["api_keys"]>;

export async function claimKeyNotice(
  db: Kysely<Database>,
  id: number,
  notice: KeyNotice,
  at: string,
) {
  const column = noticeColumn[notice];
  const rows = await db
    .updateTable("api_keys")
    .set({ [column]: at })
    .where("id", "=", id)
    .where(column, "is", null)
    .returning("id")
    .execute();
  return rows.length === 1;
}

export async function rehashKey(
  db: Kysely<Database>,
  id: number,
  fromHash: string,
  to: { keyHash: string; hashVersion: number },
) {
  const rows = await db
    .updateTable("api_keys")
    .set({ key_hash: to.keyHash, hash_version: to.hashVersion })
    .where("id", "=", id)
    .where("key_hash", "=", fromHash)
    .returning("id")
    .execute();
  return rows.length === 1;
}

/** findKeyByHash's SQL, compiled once per database handle: its parameters are the hash twice. */
const byHashSql = new WeakMap<Kysely<Database>, string>();

function byHashSqlOf(db: Kysely<Database>): string {
  let text = byHashSql.get(db);
  if (text === undefined) {
    const byColumn = (column: "key_hash" | "previous_key_hash") =>
      db.selectFrom("api_keys").selectAll().where(column, "=", "");
    // No `limit`: SQLite plans a compound select with `limit ?` as a scan (25 µs, not 4), and
    // a hash is in at most one row of each column.
    const compiled = byColumn("key_hash").unionAll(byColumn("previous_key_hash")).compile();
    if (compiled.parameters.length !== 2) throw new Error("findKeyByHash: expected 2 parameters");
    text = compiled.sql;
    byHashSql.set(db, text);
  }
  return text;
}

/**
 * The key whose secret, or previous secret still in its grace window, has this hash. Two
 * index look-ups in one statement: SQLite does not use a partial index under `or`. Every
 * request with a forged key runs it, so its SQL is built and compiled once, not per call
 * (building and compiling cost about three times the look-up itself).
 */
export async function findKeyByHash(db: Kysely<Database>, keyHash: string) {
  const { rows } = await db.executeQuery<Selectable<Database["api_keys"]>>(
    CompiledQuery.raw(byHashSqlOf(db), [keyHash, keyHash]),
  );
  const row = rows[0];
  return row && toKey(row);
}

export async function findKey(
  db: Kysely<Database>,
  userId: number,
  id: number,
  kind: CredentialKind,
) {
  const row = await db
    .selectFrom("api_keys")
    .selectAll()
    .where("id", "=", id)
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  return row && toKey(row);
}

export async function listKeys(
  db: Kysely<Database>,
  userId: number,
  kind: CredentialKind,
  page?: KeyPage,
  memberId?: number,
) {
  let query = db
    .selectFrom("api_keys")
    .selectAll()
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("deleted_at", "is", null);
  if (memberId !== undefined) query = query.where("member_id", "=", memberId);
  // Keyset paging on the id: a page starts after the last id seen, so keys created or
  // deleted between pages never shift the ones not yet seen.
  if (page) query = query.where("id", ">", page.after).limit(page.limit);
  const rows = await query.orderBy("id").execute();
  return rows.map(toKey);
}

/**
 * Live (not deleted, not expired) credentials of one kind in the account. Times are stored as
 * `toISOString()` text (fixed width, UTC), so the comparison is one of instants.
 */
export async function countLiveKeys(
  db: Kysely<Database>,
  userId: number,
  kind: CredentialKind,
  now: string,
): Promise<number> {
  const row = await db
    .selectFrom("api_keys")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("user_id", "=", userId)
    .where("kind", "=", kind)
    .where("deleted_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteOtherSessions(
  db: Kysely<Database>,
  userId: number,
  keepId: number,
  at: string,
) {
  const rows = await db
    .updateTable("api_keys")
    .set({ deleted_at: at })
    .where("user_id", "=", userId)
    .where("kind", "=", "session")
    .where("id", "!=", keepId)
    .where("deleted_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Last uses of many keys, one statement per batch (an UPDATE joined to a VALUES list, which
 * SQLite and PostgreSQL both take). Nodes flush on their own timers, so an older use may
 * arrive after a newer one: it never overwrites it.
 */
export async function recordUse(db: Kysely<Database>, uses: readonly KeyUse[]) {
  if (uses.length === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const batch of batches(uses)) {
      // The id is cast so that PostgreSQL compares it as a number, not as untyped text.
      const rows = batch.map((u) => sql`(cast(${u.id} as bigint), ${u.at}, ${u.ip})`);
      await sql`
        with used (id, at, ip) as (values ${sql.join(rows)})
        update api_keys set last_used_at = used.at, last_used_ip = used.ip
        from used
        where api_keys.id = used.id
          and (api_keys.last_used_at is null or api_keys.last_used_at < used.at)`.execute(trx);
    }
  });
}
