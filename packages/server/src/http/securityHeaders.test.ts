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

  it("sends a strict CSP and hardening headers on API answers, and never caches them", async () => {
    const answer = await call(server.url, "GET", "/api/v0/permissions/");
    const csp = answer.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(answer.headers.get("x-content-type-options")).toBe("nosniff");
    expect(answer.headers.get("x-frame-options")).toBe("DENY");
    expect(answer.headers.get("referrer-policy")).toBe("no-referrer");
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });

  it("sends them on error answers too", async () => {
    const answer = await call(server.url, "GET", "/api/v0/users/current/");
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-security-policy")).toContain("default-src 'self'");
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
      expect(String(page.headers["content-security-policy"])).toContain("script-src 'self'");
      expect(page.headers["x-frame-options"]).toBe("DENY");
    } finally {
      await app.close();
      dir.remove();
    }
  });
});
