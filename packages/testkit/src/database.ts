import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KyselyStore, openStore } from "@latchkey/store";
import pg from "pg";

/**
 * Test databases: real ones only. PostgreSQL tests
 * each work in a schema of their own, so parallel runs on one server never collide.
 */

/** The PostgreSQL server tests use; the local one on this machine by default. */
export const TEST_DATABASE_URL =
  process.env.LATCHKEY_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface FreshSchema {
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A unique schema name (not yet created: the first store or node to start creates it). */
export function freshSchema(label = "lk_test"): FreshSchema {
  const schema = `${label}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  return {
    url: TEST_DATABASE_URL,
    schema,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export type TestBackend = "sqlite" | "postgres";

export interface TestStore {
  store: KyselyStore;
  /** Closes the store and removes its data (temp dir or schema). */
  dispose(): Promise<void>;
}

/** A migrated, empty store of the given kind. */
export async function openTestStore(kind: TestBackend): Promise<TestStore> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "latchkey-store-"));
    const store = await openStore({ kind: "sqlite", dataDir: dir });
    return {
      store,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const fresh = freshSchema();
  const store = await openStore({ kind: "postgres", url: fresh.url, schema: fresh.schema });
  return {
    store,
    async dispose() {
      await store.close();
      await fresh.drop();
    },
  };
}
