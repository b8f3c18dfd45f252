import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, startTestServer, type TestServer, tempDir } from "@latchkey/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";

describe("security headers", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const apiHeaders = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
  };

  it("sends a CSP that loads nothing and hardening headers on API answers, and never caches them", async () => {
    const answer = await call(server.url, "GET", "/api/v0/permissions/");
    expect(answer.status).toBe(200);
    for (const [name, value] of Object.entries(apiHeaders)) {
      expect(answer.headers.get(name), name).toBe(value);
    }
    expect(answer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Document-only policies: nothing a JSON body can use.
    expect(answer.headers.get("permissions-policy")).toBeNull();
  });

  it("sends them on error answers, unknown API paths and the probes too", async () => {
    for (const path of ["/api/v0/users/current/", "/api/v0/no/such/route/", "/healthz"]) {
      const answer = await call(server.url, "GET", path);
      for (const [name, value] of Object.entries(apiHeaders)) {
        expect(answer.headers.get(name), `${path} ${name}`).toBe(value);
      }
    }
  });

  it("sends the CSP with the console's page", async () => {
    const dir = tempDir("console");
    writeFileSync(join(dir.path, "index.html"), "<!doctype html><title>console</title>");
    const app = await buildApp(server.deps, {
      consoleDir: dir.path,
      logger: pino({ level: "silent" }),
    });
    try {
      const page = await app.inject({ method: "GET", url: "/" });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("console");
      const csp = String(page.headers["content-security-policy"]);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers["x-content-type-options"]).toBe("nosniff");
      expect(page.headers["x-frame-options"]).toBe("DENY");
      expect(page.headers["referrer-policy"]).toBe("no-referrer");
      expect(page.headers["cross-origin-opener-policy"]).toBe("same-origin");
      // The console is not an API answer: a browser may cache its files.
      expect(page.headers["cache-control"]).not.toBe("no-store");
    } finally {
      await app.close();
      dir.remove();
    }
  });
});
