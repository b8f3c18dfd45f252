import { randomBytes, randomUUID } from "node:crypto";
import {
  freshSchema,
  packagesAmong,
  recordImports,
  SERVER_MAIN,
  TEST_DATABASE_URL,
  tempDir,
} from "@latchkey/testkit";
import { afterAll, describe, expect, it } from "vitest";

/**
 * A server loads the drivers of what it is configured to use, and no other: a SQLite server
 * neither pg nor ioredis, a PostgreSQL node not better-sqlite3, JSON logs not pino-pretty.
 * Each costs tens of milliseconds of every start's CPU (docs/benchmarks.md). Checked on the
 * real process with a module hook that sees every module it loads, however it is reached.
 */
const DRIVERS = ["better-sqlite3", "pg", "ioredis", "pino-pretty"];

const dir = tempDir();
const schema = freshSchema();
afterAll(async () => {
  dir.remove();
  await schema.drop();
});

/** The start-up line, as JSON or as a readable line. */
const STARTED = /Latchkey is listening on http:\/\/127\.0\.0\.1:\d+/;

/** Starts the built server with `env`, stops it once it listens; the drivers it loaded. */
async function driversOf(env: Record<string, string>): Promise<string[]> {
  const run = await recordImports(SERVER_MAIN, [], {
    env: { LATCHKEY_PORT: "0", LATCHKEY_LOG_LEVEL: "info", ...env },
    stopWhen: STARTED,
  });
  // It started, and stopped on SIGTERM as it should: cleanly.
  expect(run.output).toMatch(STARTED);
  expect(run.code, run.output).toBe(0);
  return packagesAmong(run.modules, DRIVERS).sort();
}

describe("a server's start-up", () => {
  it("on SQLite with JSON logs loads better-sqlite3 alone of the drivers", async () => {
    const found = await driversOf({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_LOG_FORMAT: "json" });
    expect(found).toEqual(["better-sqlite3"]);
  });

  it("loads pino-pretty for readable logs (which the recorder sees)", async () => {
    const found = await driversOf({
      LATCHKEY_DATA_DIR: dir.path,
      LATCHKEY_LOG_FORMAT: "pretty",
    });
    expect(found).toEqual(["better-sqlite3", "pino-pretty"]);
  });

  it("on PostgreSQL with Redis loads pg and ioredis, not better-sqlite3", async () => {
    const found = await driversOf({
      LATCHKEY_DATABASE_URL: TEST_DATABASE_URL,
      LATCHKEY_DATABASE_SCHEMA: schema.schema,
      LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
      LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379",
      LATCHKEY_REDIS_PREFIX: `latchkey-test-${randomUUID()}:`,
      LATCHKEY_LOG_FORMAT: "json",
    });
    expect(found).toEqual(["ioredis", "pg"]);
  });
});
