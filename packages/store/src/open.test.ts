import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSchema } from "@latchkey/testkit";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresCapabilities } from "./dialect.js";
import { migrations } from "./migrations/index.js";
import { openStore } from "./open.js";

async function migrationRows(url: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select name from ${schema}.kysely_migration order by name`,
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe("openStore on PostgreSQL", () => {
  it("migrates once when several nodes start at once on a fresh schema", async () => {
    const fresh = freshSchema();
    try {
      const stores = await Promise.all(
        Array.from({ length: 6 }, () =>
          openStore({ kind: "postgres", url: fresh.url, schema: fresh.schema, poolSize: 2 }),
        ),
      );
      expect(await Promise.all(stores.map((s) => s.ping()))).toEqual(stores.map(() => true));
      const user = await stores[0]?.createUser({
        email: "a@example.com",
        passwordHash: "h",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      expect(await stores[5]?.findUserByEmail("a@example.com")).toEqual(user);
      await Promise.all(stores.map((s) => s.close()));
      expect(await migrationRows(fresh.url, fresh.schema)).toEqual(
        Object.keys(migrations(postgresCapabilities)).sort(),
      );
    } finally {
      await fresh.drop();
    }
  });

  it("keeps schemas of one database apart, and reopens without migrating again", async () => {
    const one = freshSchema();
    const two = freshSchema();
    try {
      const a = await openStore({ kind: "postgres", url: one.url, schema: one.schema });
      const b = await openStore({ kind: "postgres", url: two.url, schema: two.schema });
      await a.createUser({ email: "x@example.com", passwordHash: "h", createdAt: "t" });
      expect(await b.findUserByEmail("x@example.com")).toBeUndefined();
      // Both are first users of their own schema.
      const inB = await b.createUser({ email: "x@example.com", passwordHash: "h", createdAt: "t" });
      expect(inB).toMatchObject({ isAdmin: true });
      await a.close();
      const again = await openStore({ kind: "postgres", url: one.url, schema: one.schema });
      expect(await again.findUserByEmail("x@example.com")).toMatchObject({ isAdmin: true });
      await again.close();
      await b.close();
      expect(await migrationRows(one.url, one.schema)).toEqual(
        Object.keys(migrations(postgresCapabilities)).sort(),
      );
    } finally {
      await one.drop();
      await two.drop();
    }
  });

  it("starts while other schemas of the same database are created and dropped", async () => {
    // Another tenant of the database (here: a loop) drops schemas all the time. Reading the
    // whole database's catalogue while that happens fails about every other start.
    const other = new pg.Client({ connectionString: freshSchema().url });
    await other.connect();
    let churning = true;
    let dropped = 0;
    const churn = (async () => {
      while (churning) {
        const { schema } = freshSchema("lk_churn");
        await other.query(`create schema ${schema}; create table ${schema}.t (id serial, a text)`);
        await other.query(`drop schema ${schema} cascade`);
        dropped++;
      }
    })();
    const opened: string[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const fresh = freshSchema();
        try {
          const store = await openStore({ kind: "postgres", url: fresh.url, schema: fresh.schema });
          await store.close();
          opened.push(fresh.schema);
        } finally {
          await fresh.drop();
        }
      }
    } finally {
      churning = false;
      await churn;
      await other.end();
    }
    expect(opened).toHaveLength(10);
    expect(dropped).toBeGreaterThan(10);
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(
      openStore({ kind: "postgres", url: freshSchema().url, schema: "x; drop table users" }),
    ).rejects.toThrow(/invalid schema name/);
  });

  it("refuses a URL whose search_path sends the tables to another schema", async () => {
    const fresh = freshSchema();
    const url = `${fresh.url}?options=${encodeURIComponent("-c search_path=public")}`;
    try {
      await expect(openStore({ kind: "postgres", url, schema: fresh.schema })).rejects.toThrow(
        /works in schema 'public'/,
      );
    } finally {
      await fresh.drop();
    }
  });
});

describe("openStore on SQLite", () => {
  it("keeps data across a reopen and does not migrate twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-open-"));
    try {
      const first = await openStore({ kind: "sqlite", dataDir: dir });
      await first.createUser({ email: "x@example.com", passwordHash: "h", createdAt: "t" });
      await first.close();
      const second = await openStore({ kind: "sqlite", dataDir: dir });
      expect(await second.findUserByEmail("x@example.com")).toMatchObject({ isAdmin: true });
      expect(await second.ping()).toBe(true);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
