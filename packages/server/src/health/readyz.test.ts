import { randomBytes } from "node:crypto";
import { call, freshSchema, startTestServer } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";

describe("GET /readyz", () => {
  it("SQLite: 200 while the database answers, 503 with the catalogued body once it does not", async () => {
    const server = await startTestServer();
    try {
      const ready = await call(server.url, "GET", "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ready", storage: "sqlite", cache: "local" });
      expect((await call(server.url, "GET", "/healthz")).status).toBe(200);

      await server.deps.store.close();
      const down = await call(server.url, "GET", "/readyz");
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        success: false,
        error: "unavailable",
        msg: "The database does not answer or its migrations are not done; retry shortly.",
      });
      // Liveness is not readiness: the process itself is fine.
      expect((await call(server.url, "GET", "/healthz")).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("PostgreSQL: 200 with the cache trusted; 503 once the schema's tables are gone", async () => {
    const fresh = freshSchema();
    const server = await startTestServer({
      LATCHKEY_DATABASE_URL: fresh.url,
      LATCHKEY_DATABASE_SCHEMA: fresh.schema,
      LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
    });
    try {
      const ready = await call(server.url, "GET", "/readyz");
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual({ status: "ready", storage: "postgres", cache: "trusted" });

      // A restored backup without the migrations, or a wiped database: not ready.
      await fresh.drop();
      const down = await call(server.url, "GET", "/readyz");
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ success: false, error: "unavailable" });
    } finally {
      await server.close();
      await fresh.drop();
    }
  });
});
