import { hash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  JsonObject,
  KeyParams,
  NewAudit,
  NewKey,
  PermissionTree,
  UserRecord,
} from "@latchkey/core";
import { freshSchema } from "@latchkey/testkit";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresCapabilities, sqliteCapabilities } from "./dialect.js";
import { KyselyStore } from "./kyselyStore.js";
import { OwnSchemaPostgresDialect } from "./ownSchemaDialect.js";
import { postgresClientConfig, resolveSchema } from "./postgresConnection.js";
import type { Database } from "./schema.js";

/**
 * The port carries values and the store keeps them as JSON text. These tests look at both
 * sides: what a record reads back, and the text in the row, which must be the text earlier
 * versions wrote (they stored `JSON.stringify` of the same values), so that databases written
 * before the port carried values read the same and need no migration.
 */

/** A migrated store and a handle on its tables, to write and read rows as they are stored. */
async function openRaw(kind: "sqlite" | "postgres") {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-stored-"));
    const kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(join(dir, "latchkey.db")) }),
    });
    const store = new KyselyStore(kysely, sqliteCapabilities);
    await store.migrate();
    return {
      kysely,
      store,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const fresh = freshSchema("lk_stored");
  const schema = await resolveSchema(fresh);
  const kysely = new Kysely<Database>({
    dialect: new OwnSchemaPostgresDialect(
      { pool: new pg.Pool(postgresClientConfig(fresh)) },
      schema,
    ),
  });
  const store = new KyselyStore(kysely, postgresCapabilities, schema);
  await store.migrate();
  return {
    kysely,
    store,
    async dispose() {
      await store.close();
      await fresh.drop();
    },
  };
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const tree: PermissionTree = {
  api: {
    instance_read: { "instance.show": { constraints: { id: { eq: 5 } } } },
    misc: { "*": {}, "reports.show": { constraints: { id: { gte: 1, lte: 10 } } } },
    user_read: {},
  },
};
const params: KeyParams = { ip_whitelist: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"] };
const args: JsonObject = {
  id: 7,
  name: 'déploiement ✓ "quoted" \\ back',
  permissions: tree,
  key_params: null,
  list: [1, "two", null, false, 2.5],
  nested: { deep: { empty: {}, none: [] } },
};
const payload: JsonObject = {
  key: { id: 7, name: "ci", prefix: "lk", last4: "abcd", expires_at: null, last_used_at: null },
  grace_until: at(30),
};

let keyHashes = 0;
function newKey(user: UserRecord, overrides: Partial<NewKey> = {}): NewKey {
  return {
    userId: user.id,
    kind: "api",
    name: "a key",
    keyHash: `hash-${++keyHashes}-${Math.random()}`,
    hashVersion: 1,
    prefix: "lk",
    last4: "abcd",
    permissions: null,
    keyParams: null,
    createdAt: at(0),
    expiresAt: null,
    ...overrides,
  };
}

describe.each(["sqlite", "postgres"] as const)("stored values on %s", (kind) => {
  let raw: Awaited<ReturnType<typeof openRaw>>;
  let user: UserRecord;
  beforeAll(async () => {
    raw = await openRaw(kind);
    const created = await raw.store.createUser({
      email: "values@example.com",
      passwordHash: "h",
      createdAt: at(0),
    });
    if (created === "email_taken") throw new Error("unexpected email_taken");
    user = created;
  });
  afterAll(async () => {
    await raw.dispose();
  });

  const keyRow = (id: number) =>
    raw.kysely
      .selectFrom("api_keys")
      .select(["permissions", "key_params"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();

  it("reads a key's permissions and parameters back as written, stored as JSON text", async () => {
    const scoped = await raw.store.insertKey(
      newKey(user, { permissions: tree, keyParams: params }),
    );
    const bare = await raw.store.insertKey(newKey(user, { keyParams: {} }));
    const full = await raw.store.transaction((tx) => tx.insertKey(newKey(user)));
    expect(scoped).toMatchObject({ permissions: tree, keyParams: params });
    expect(bare).toMatchObject({ permissions: null, keyParams: {} });
    expect(full).toMatchObject({ permissions: null, keyParams: null });

    // Every read path returns the same values.
    expect(await raw.store.findKey(user.id, scoped.id, "api")).toEqual(scoped);
    expect(await raw.store.findKeyByHash(scoped.keyHash)).toEqual(scoped);
    const listed = await raw.store.listKeys(user.id, "api");
    expect(listed.find((k) => k.id === scoped.id)).toEqual(scoped);
    const unused = await raw.store.keysUnusedSince(user.id, at(1), 100);
    expect(unused.find((k) => k.id === scoped.id)).toEqual(scoped);
    const change = {
      keyHash: `hash-new-${scoped.id}`,
      hashVersion: 2,
      prefix: "lk",
      last4: "wxyz",
    };
    expect(await raw.store.replaceSecret(user.id, scoped.id, change)).toEqual({
      ...scoped,
      ...change,
    });

    // The text is what JSON.stringify gives, as earlier versions wrote; null is SQL NULL.
    expect(await keyRow(scoped.id)).toEqual({
      permissions: JSON.stringify(tree),
      key_params: JSON.stringify(params),
    });
    expect(await keyRow(bare.id)).toEqual({ permissions: null, key_params: "{}" });
    expect(await keyRow(full.id)).toEqual({ permissions: null, key_params: null });
  });

  it("reads audit args and event payloads back as written, stored as JSON text", async () => {
    const event: NewAudit = {
      userId: user.id,
      apiKeyId: 7,
      action: "api_key.create",
      apiRoute: "POST /api/v0/auth/apikeys/",
      args,
      ipAddress: null,
      createdAt: at(1),
    };
    await raw.store.insertAudit(event);
    await raw.store.countAudit({ ...event, action: "api_key.denied" });
    const rows = await raw.store.listAudit(user.id, { limit: 10 });
    expect(rows.map((r) => r.args)).toEqual([args, args]);
    const stored = await raw.kysely
      .selectFrom("audit_logs")
      .select("args")
      .where("user_id", "=", user.id)
      .execute();
    expect(stored.map((r) => r.args)).toEqual([JSON.stringify(args), JSON.stringify(args)]);

    await raw.store.insertEvent({
      userId: user.id,
      apiKeyId: 7,
      type: "key.reset",
      payload,
      createdAt: at(1),
    });
    expect((await raw.store.listEvents(user.id, 0, 10)).map((e) => e.payload)).toEqual([payload]);
    const claimed = await raw.store.transaction((tx) => tx.claimEvents(10, at(2)));
    expect(claimed.map((e) => e.payload)).toEqual([payload]);
    const text = await raw.kysely
      .selectFrom("key_events")
      .select("payload")
      .where("user_id", "=", user.id)
      .executeTakeFirstOrThrow();
    expect(text.payload).toBe(JSON.stringify(payload));
  });

  it("reads rows written before the port carried values exactly as it reads its own", async () => {
    // The text as the server used to write it, byte for byte.
    const permissionsText =
      '{"api":{"instance_read":{"instance.show":{"constraints":{"id":{"eq":5}}}},"misc":{"*":{},"reports.show":{"constraints":{"id":{"gte":1,"lte":10}}}},"user_read":{}}}';
    const paramsText = '{"ip_whitelist":["10.0.0.0/8","2001:db8::/32","192.0.2.7"]}';
    const argsText =
      '{"id":7,"name":"déploiement ✓ \\"quoted\\" \\\\ back","permissions":' +
      permissionsText +
      ',"key_params":null,"list":[1,"two",null,false,2.5],"nested":{"deep":{"empty":{},"none":[]}}}';
    const payloadText = `{"key":{"id":7,"name":"ci","prefix":"lk","last4":"abcd","expires_at":null,"last_used_at":null},"grace_until":"${at(30)}"}`;
    // The literals are the values' JSON, so the values are what these rows must read as.
    expect([permissionsText, paramsText, argsText, payloadText]).toEqual(
      [tree, params, args, payload].map((v) => JSON.stringify(v)),
    );

    const old = await raw.store.createUser({
      email: "old@example.com",
      passwordHash: "h",
      createdAt: at(0),
    });
    if (old === "email_taken") throw new Error("unexpected email_taken");
    const { id } = await raw.kysely
      .insertInto("api_keys")
      .values({
        user_id: old.id,
        kind: "api",
        name: "old key",
        key_hash: "old-hash",
        hash_version: 1,
        prefix: "lk",
        last4: "abcd",
        permissions: permissionsText,
        key_params: paramsText,
        created_at: at(0),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const { id: fullId } = await raw.kysely
      .insertInto("api_keys")
      .values({
        user_id: old.id,
        kind: "api",
        name: "old full-access key",
        key_hash: "old-hash-full",
        hash_version: 1,
        prefix: "lk",
        last4: "efgh",
        permissions: null,
        key_params: null,
        created_at: at(0),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(await raw.store.findKeyByHash("old-hash")).toMatchObject({
      id: Number(id),
      permissions: tree,
      keyParams: params,
    });
    expect(await raw.store.findKey(old.id, Number(fullId), "api")).toMatchObject({
      permissions: null,
      keyParams: null,
    });

    // An aggregated refusal counted by an earlier version: its key hashed the args' text, and
    // a repeat counted now must land in the same row.
    const refusal = {
      userId: old.id,
      apiKeyId: Number(id),
      action: "api_key.denied",
      apiRoute: "GET /api/v0/users/current/",
      createdAt: at(3),
    };
    const minute = Math.floor(Date.parse(refusal.createdAt) / 60_000);
    const oldKey = hash(
      "sha256",
      JSON.stringify([
        refusal.userId,
        refusal.apiKeyId,
        refusal.action,
        refusal.apiRoute,
        argsText,
        minute,
      ]),
      "base64url",
    );
    await raw.kysely
      .insertInto("audit_logs")
      .values({
        user_id: refusal.userId,
        api_key_id: refusal.apiKeyId,
        action: refusal.action,
        api_route: refusal.apiRoute,
        args: argsText,
        ip_address: "192.0.2.1",
        created_at: refusal.createdAt,
        count: 1,
        aggregate_key: oldKey,
      })
      .execute();
    await raw.store.countAudit({ ...refusal, args, ipAddress: "192.0.2.2", createdAt: at(9) });
    const audit = await raw.store.listAudit(old.id, { limit: 10 });
    expect(audit).toEqual([
      {
        id: audit[0]?.id,
        ...refusal,
        args,
        ipAddress: "192.0.2.1",
        count: 2,
      },
    ]);

    await raw.kysely
      .insertInto("key_events")
      .values({
        user_id: old.id,
        api_key_id: Number(id),
        type: "key.reset",
        payload: payloadText,
        created_at: at(1),
      })
      .execute();
    expect((await raw.store.listEvents(old.id, 0, 10)).map((e) => e.payload)).toEqual([payload]);
  });

  it("records each key notice in its own column, once", async () => {
    const key = await raw.store.insertKey(newKey(user, { expiresAt: at(100) }));
    const notices = () =>
      raw.kysely
        .selectFrom("api_keys")
        .select(["expiry_reminded_at", "expiry_notified_at"])
        .where("id", "=", key.id)
        .executeTakeFirstOrThrow();
    expect(await raw.store.claimKeyNotice(key.id, "expiryReminder", at(10))).toBe(true);
    expect(await raw.store.claimKeyNotice(key.id, "expiryReminder", at(11))).toBe(false);
    expect(await notices()).toEqual({ expiry_reminded_at: at(10), expiry_notified_at: null });
    expect(await raw.store.claimKeyNotice(key.id, "expired", at(20))).toBe(true);
    expect(await raw.store.claimKeyNotice(key.id, "expired", at(21))).toBe(false);
    expect(await notices()).toEqual({ expiry_reminded_at: at(10), expiry_notified_at: at(20) });
    expect(await raw.store.findKey(user.id, key.id, "api")).toMatchObject({
      expiryRemindedAt: at(10),
      expiryNotifiedAt: at(20),
    });
  });
});
