import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSchema } from "@latchkey/testkit";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { type Capabilities, postgresCapabilities, sqliteCapabilities } from "../dialect.js";
import { KyselyStore } from "../kyselyStore.js";
import { OwnSchemaPostgresDialect } from "../ownSchemaDialect.js";
import { postgresClientConfig, resolveSchema } from "../postgresConnection.js";
import type { Database } from "../schema.js";
import { migrationProvider } from "./index.js";

const DAY = 86_400_000;

/** A database as the previous release left it: migrated up to `004_webhooks` only. */
async function openAt004(kind: "sqlite" | "postgres") {
  let kysely: Kysely<Database>;
  let caps: Capabilities;
  let schema: string | undefined;
  let cleanUp: () => Promise<void>;
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-migration-"));
    kysely = new Kysely<Database>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(join(dir, "latchkey.db")) }),
    });
    caps = sqliteCapabilities;
    cleanUp = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const fresh = freshSchema("lk_migration");
    schema = await resolveSchema(fresh);
    kysely = new Kysely<Database>({
      dialect: new OwnSchemaPostgresDialect(
        { pool: new pg.Pool(postgresClientConfig(fresh)) },
        schema,
      ),
    });
    caps = postgresCapabilities;
    cleanUp = () => fresh.drop();
  }
  const migrator = new Migrator({
    db: kysely,
    provider: migrationProvider(caps),
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateTo("004_webhooks");
  if (error) throw error;
  return { kysely, store: new KyselyStore(kysely, caps, schema), cleanUp };
}

describe.each(["sqlite", "postgres"] as const)("migration 005 on %s", (kind) => {
  it("repairs expiries stored past 9999, within the account's maximum lifetime", async () => {
    const { kysely, store, cleanUp } = await openAt004(kind);
    try {
      const created = Date.UTC(2026, 4, 1);
      const createdAt = new Date(created).toISOString();
      const user = async (email: string, maxDays: number | null) =>
        (
          await kysely
            .insertInto("users")
            .values({
              email,
              password_hash: "h",
              is_admin: 0,
              created_at: createdAt,
              max_key_lifetime_days: maxDays,
            })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id;
      const capped = await user("capped@example.com", 30);
      const free = await user("free@example.com", null);
      const key = async (userId: number, expiresAt: string | null, n: number) =>
        (
          await kysely
            .insertInto("api_keys")
            .values({
              user_id: userId,
              kind: "api",
              name: "k",
              key_hash: `hash${n}`,
              hash_version: 1,
              prefix: "lk",
              last4: "abcd",
              created_at: createdAt,
              expires_at: expiresAt,
              // The sweeper had announced it: "+010000…" sorted before the time it swept at.
              expiry_notified_at: expiresAt?.startsWith("+") ? createdAt : null,
            })
            .returning("id")
            .executeTakeFirstOrThrow()
        ).id;
      // What the previous release stored for {"expires_at": "+010000-01-01T00:00:00Z"}.
      const attack = await key(capped, "+010000-01-01T00:00:00.000Z", 1);
      const farOff = await key(free, "+275760-09-13T00:00:00.000Z", 2);
      const normal = await key(capped, "2026-05-20T00:00:00.000Z", 3);
      const never = await key(free, null, 4);

      await store.migrate();

      const rows = await kysely
        .selectFrom("api_keys")
        .select(["id", "expires_at", "expiry_notified_at"])
        .orderBy("id")
        .execute();
      expect(rows.map((r) => ({ ...r, id: Number(r.id) }))).toEqual([
        {
          id: attack,
          expires_at: new Date(created + 30 * DAY).toISOString(),
          expiry_notified_at: null,
        },
        { id: farOff, expires_at: "9999-12-31T23:59:59.999Z", expiry_notified_at: null },
        { id: normal, expires_at: "2026-05-20T00:00:00.000Z", expiry_notified_at: null },
        { id: never, expires_at: null, expiry_notified_at: null },
      ]);
      // Text order is time order again: the repaired key sorts after the one expiring first.
      const byExpiry = await sql<{ id: number }>`
        select id from api_keys where expires_at is not null order by expires_at`.execute(kysely);
      expect(byExpiry.rows.map((r) => Number(r.id))).toEqual([normal, attack, farOff]);
    } finally {
      await kysely.destroy();
      await cleanUp();
    }
  });
});
