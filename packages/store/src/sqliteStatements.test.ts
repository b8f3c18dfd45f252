import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { withStatementCache } from "./sqliteStatements.js";

describe("withStatementCache", () => {
  const opened: SqliteDatabase.Database[] = [];
  const open = () => {
    const database = new SqliteDatabase(":memory:");
    opened.push(database);
    return database;
  };
  afterEach(() => {
    for (const database of opened.splice(0)) if (database.open) database.close();
  });

  it("prepares a SQL text once and hands the same statement back", () => {
    const database = open();
    const cached = withStatementCache(database);
    const first = cached.prepare("select 1 as one");
    expect(cached.prepare("select 1 as one")).toBe(first);
    expect(cached.prepare("select 2 as two")).not.toBe(first);
  });

  it("keeps at most its size, dropping the least recently used", () => {
    const cached = withStatementCache(open(), 2);
    const a = cached.prepare("select 'a'");
    const b = cached.prepare("select 'b'");
    expect(cached.prepare("select 'a'")).toBe(a);
    cached.prepare("select 'c'");
    expect(cached.prepare("select 'a'")).toBe(a);
    expect(cached.prepare("select 'b'")).not.toBe(b);
  });

  it("runs reused statements with each call's own parameters, through Kysely", async () => {
    const db = new Kysely<{ t: { id: number; name: string } }>({
      dialect: new SqliteDialect({ database: withStatementCache(open()) }),
    });
    await sql`create table t (id integer primary key, name text not null)`.execute(db);
    for (const [id, name] of [
      [1, "one"],
      [2, "two"],
    ] as const) {
      await db.insertInto("t").values({ id, name }).execute();
    }
    const nameOf = async (id: number) =>
      (await db.selectFrom("t").select("name").where("id", "=", id).executeTakeFirst())?.name;
    expect(await nameOf(1)).toBe("one");
    expect(await nameOf(2)).toBe("two");
    expect(await nameOf(3)).toBeUndefined();
    // A cached statement survives a change of schema: SQLite prepares it again by itself.
    await sql`alter table t add column note text`.execute(db);
    expect(await nameOf(2)).toBe("two");
    await db.destroy();
  });
});
