import { randomBytes } from "node:crypto";
import { freshSchema, tempDir } from "@latchkey/testkit";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { openBackend } from "./backend.js";
import { ConfigError, parseConfig } from "./config.js";

const silent = pino({ level: "silent" });
const pepper = () => `v1:${randomBytes(32).toString("hex")}`;

describe("storage configuration", () => {
  it("names the variable of a bad schema or lease", () => {
    const base = { LATCHKEY_DATABASE_URL: "postgres://x@127.0.0.1/db", LATCHKEY_PEPPER: pepper() };
    for (const [variable, value] of [
      ["LATCHKEY_DATABASE_SCHEMA", "Latchkey"],
      ["LATCHKEY_DATABASE_SCHEMA", "a; drop table users"],
      ["LATCHKEY_NODE_LEASE_MS", "50"],
      ["LATCHKEY_NODE_LEASE_MS", "soon"],
    ] as const) {
      let error: unknown;
      try {
        parseConfig({ ...base, [variable]: value });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
    }
    expect(parseConfig({ ...base, LATCHKEY_DATABASE_SCHEMA: "latchkey_prod" })).toMatchObject({
      databaseSchema: "latchkey_prod",
      nodeLeaseMs: 3000,
    });
  });

  it("opens SQLite with local invalidation", async () => {
    const dir = tempDir();
    try {
      const backend = await openBackend(parseConfig({ LATCHKEY_DATA_DIR: dir.path }), silent);
      expect(backend.store.dialect).toBe("sqlite");
      expect(backend.revocations.state()).toBe("local");
      await backend.close();
    } finally {
      dir.remove();
    }
  });

  it("opens PostgreSQL in the configured schema with the revocation bus, and leaves on close", async () => {
    const fresh = freshSchema();
    try {
      const config = parseConfig({
        LATCHKEY_DATABASE_URL: fresh.url,
        LATCHKEY_DATABASE_SCHEMA: fresh.schema,
        LATCHKEY_PEPPER: pepper(),
      });
      const backend = await openBackend(config, silent);
      expect(backend.store.dialect).toBe("postgres");
      expect(backend.revocations.state()).toBe("trusted");
      expect(await backend.store.ping()).toBe(true);
      await backend.close();
      expect(backend.revocations.state()).toBe("untrusted");
    } finally {
      await fresh.drop();
    }
  });

  it("fails to start, closing what it opened, when PostgreSQL does not answer", async () => {
    const config = parseConfig({
      // Nothing listens on port 1 of this machine.
      LATCHKEY_DATABASE_URL: "postgres://postgres@127.0.0.1:1/test",
      LATCHKEY_PEPPER: pepper(),
    });
    await expect(openBackend(config, silent)).rejects.toThrow(/ECONNREFUSED/);
  });
});
