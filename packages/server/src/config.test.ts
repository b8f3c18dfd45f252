import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, settings } from "./config.js";
import { spawnServer, tempDir } from "./testing.js";

describe("configuration", () => {
  it("has the documented defaults", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      dataDir: "./data",
      databaseUrl: undefined,
      redisUrl: undefined,
      pepper: undefined,
      signup: "open",
      keyPrefix: "lk",
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ["LATCHKEY_PORT", "abc"],
    ["LATCHKEY_PORT", "70000"],
    ["LATCHKEY_PORT", "-1"],
    ["LATCHKEY_SIGNUP", "maybe"],
    ["LATCHKEY_DATABASE_URL", "mysql://x"],
    ["LATCHKEY_REDIS_URL", "not a url"],
    ["LATCHKEY_KEY_PREFIX", "Bad_Prefix"],
    ["LATCHKEY_LOG_LEVEL", "loud"],
  ])("refuses %s=%s naming the variable", (variable, value) => {
    expect(() => parseConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it("requires a pepper with PostgreSQL", () => {
    expect(() => parseConfig({ LATCHKEY_DATABASE_URL: "postgres://localhost/x" })).toThrow(
      /^LATCHKEY_PEPPER: required/,
    );
  });

  it("lets overrides (serve flags) win over the environment", () => {
    expect(parseConfig({ LATCHKEY_PORT: "1" }, { LATCHKEY_PORT: "2" }).port).toBe(2);
  });

  it("names every setting once, with a flag and a description", () => {
    const envs = settings.map((s) => s.env);
    expect(new Set(envs).size).toBe(envs.length);
    for (const s of settings) {
      expect(s.env).toMatch(/^LATCHKEY_[A-Z_]+$/);
      expect(s.flag).toMatch(/^--[a-z-]+$/);
      expect(s.description.length).toBeGreaterThan(5);
    }
  });

  it("stops start-up on a bad value with a message naming the variable", async () => {
    const dir = tempDir();
    try {
      await expect(
        spawnServer({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_PORT: "abc" }),
      ).rejects.toThrow(/exited with 78[\s\S]*LATCHKEY_PORT: expected a whole number/);
    } finally {
      dir.remove();
    }
  });
});
