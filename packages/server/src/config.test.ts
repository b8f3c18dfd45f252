import { randomBytes } from "node:crypto";
import { call, signUpAndLogIn, spawnServer, startTestServer, tempDir } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, settings } from "./config.js";

/** The ConfigError parseConfig throws for `env`, or a failure when it accepts it. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

const pepper = () => `v1:${randomBytes(32).toString("hex")}`;

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
    ["LATCHKEY_LOG_FORMAT", "xml"],
    ["LATCHKEY_METRICS_PORT", "http"],
    ["LATCHKEY_METRICS_PORT", "65536"],
  ])("refuses %s=%s naming the variable", (variable, value) => {
    expect(() => parseConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => parseConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });

  it("refuses a key prefix that leaves no room for the session keys' 's'", () => {
    const sixteen = "a".repeat(16);
    const error = refusal({ LATCHKEY_KEY_PREFIX: sixteen });
    expect(error.variable).toBe("LATCHKEY_KEY_PREFIX");
    expect(error.message).toMatch(/1–15 lowercase letters/);
    expect(error.message).toContain("session keys");
    expect(refusal({ LATCHKEY_KEY_PREFIX: "a".repeat(17) }).variable).toBe("LATCHKEY_KEY_PREFIX");
    expect(parseConfig({ LATCHKEY_KEY_PREFIX: "a".repeat(15) }).keyPrefix).toBe("a".repeat(15));
  });

  it("with the longest prefix accepted, logins work and issue '<prefix>s_' session keys", async () => {
    const prefix = `z${"9".repeat(14)}`;
    const server = await startTestServer({ LATCHKEY_KEY_PREFIX: prefix });
    try {
      const { session } = await signUpAndLogIn(server.url);
      expect(session.startsWith(`${prefix}s_`)).toBe(true);
      const me = await call(server.url, "GET", "/api/v0/users/current/", { key: session });
      expect(me.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("refuses a 16-character key prefix at start-up, before any login can fail", async () => {
    const dir = tempDir();
    try {
      await expect(
        spawnServer({ LATCHKEY_DATA_DIR: dir.path, LATCHKEY_KEY_PREFIX: "a".repeat(16) }),
      ).rejects.toThrow(/exited with 78[\s\S]*LATCHKEY_KEY_PREFIX: expected 1–15/);
    } finally {
      dir.remove();
    }
  });

  it.each([
    ["LATCHKEY_DATABASE_SCHEMA", { LATCHKEY_DATABASE_SCHEMA: "latchkey" }, /LATCHKEY_DATABASE_URL/],
    ["LATCHKEY_NODE_LEASE_MS", { LATCHKEY_NODE_LEASE_MS: "1000" }, /LATCHKEY_DATABASE_URL/],
    ["LATCHKEY_REDIS_PREFIX", { LATCHKEY_REDIS_PREFIX: "app:" }, /LATCHKEY_REDIS_URL/],
    ["LATCHKEY_METRICS_HOST", { LATCHKEY_METRICS_HOST: "10.0.0.5" }, /LATCHKEY_METRICS_PORT/],
  ])("refuses %s without the mode that reads it", (variable, env, needs) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(needs);
    expect(error.message).toContain("ignored");
  });

  it("accepts those settings with their mode", () => {
    const postgres = {
      LATCHKEY_DATABASE_URL: "postgres://x@127.0.0.1/db",
      LATCHKEY_PEPPER: pepper(),
    };
    expect(
      parseConfig({
        ...postgres,
        LATCHKEY_DATABASE_SCHEMA: "latchkey",
        LATCHKEY_NODE_LEASE_MS: "1000",
      }),
    ).toMatchObject({ databaseSchema: "latchkey", nodeLeaseMs: 1000 });
    expect(
      parseConfig({ LATCHKEY_REDIS_URL: "redis://127.0.0.1:6379", LATCHKEY_REDIS_PREFIX: "app:" })
        .redisPrefix,
    ).toBe("app:");
  });

  it("keeps metrics off by default and never on the API port", () => {
    expect(parseConfig({})).toMatchObject({
      metricsPort: undefined,
      metricsHost: "127.0.0.1",
      logFormat: "auto",
    });
    const error = refusal({ LATCHKEY_PORT: "9100", LATCHKEY_METRICS_PORT: "9100" });
    expect(error.variable).toBe("LATCHKEY_METRICS_PORT");
    expect(error.message).toContain("API port");
    expect(
      parseConfig({ LATCHKEY_METRICS_PORT: "9464", LATCHKEY_METRICS_HOST: "10.0.0.5" }),
    ).toMatchObject({ metricsPort: 9464, metricsHost: "10.0.0.5" });
    // Both chosen by the system: two different free ports.
    expect(parseConfig({ LATCHKEY_PORT: "0", LATCHKEY_METRICS_PORT: "0" }).metricsPort).toBe(0);
  });

  it("refuses a malformed pepper when reading the configuration, without echoing it", () => {
    for (const bad of ["v1:abcd", "v1:zz", `v1:${"ab".repeat(16)},v1:${"cd".repeat(16)}`]) {
      const error = refusal({ LATCHKEY_PEPPER: bad });
      expect(error.variable).toBe("LATCHKEY_PEPPER");
      expect(error.message).not.toContain(bad.slice(3));
    }
    expect(parseConfig({ LATCHKEY_PEPPER: pepper() }).pepper).toMatch(/^v1:/);
  });

  it.each(["10.0.0.0/33", "10.0.0.0/99", "::1/129", "10.0.0.0/8/8"])(
    "refuses LATCHKEY_TRUST_PROXY=%s, which the proxy matcher would throw on later",
    (value) => {
      expect(refusal({ LATCHKEY_TRUST_PROXY: value }).variable).toBe("LATCHKEY_TRUST_PROXY");
    },
  );

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
