import { createKey } from "@latchkey/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { parseJson, runCli } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

let key: string;

const t = cliTestServer();

beforeAll(async () => {
  key = (await createKey(t.server.url, t.account.session)).key;
});

describe("--explain", () => {
  it("prints method, URL, headers and body to stderr with the bearer redacted", async () => {
    const result = await runCli(
      ["create", "api-key", "--name", "explained", "--preset", "read-only", "--explain", "--raw"],
      { env: t.env({ LATCHKEY_API_KEY: key }) },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`> POST ${t.server.url}/api/v0/auth/apikeys/`);
    expect(result.stderr).toContain(`> authorization: Bearer lk_…${key.slice(-4)}`);
    expect(result.stderr).toContain('"name":"explained"');
    expect(result.stderr).toContain('"instance_read":{}');
    // The credential in use never appears, on either stream; stdout stays exact JSON.
    expect(result.stderr + result.stdout).not.toContain(key);
    expect(parseJson(result).name).toBe("explained");
  });

  it("hides the password, the session key and the new key during login", async () => {
    const result = await runCli(["login", "--explain"], {
      env: t.env(),
      input: `${t.account.email}\n${t.account.password}\n`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`> POST ${t.server.url}/api/v0/auth/login/`);
    expect(result.stderr).toContain(`> POST ${t.server.url}/api/v0/auth/apikeys/`);
    expect(result.stderr).toContain(`> POST ${t.server.url}/api/v0/auth/logout/`);
    expect(result.stderr).not.toContain(t.account.password);
    const { readFileSync } = await import("node:fs");
    const saved = readFileSync(t.home.keyFile, "utf8");
    expect(result.stderr + result.stdout).not.toContain(saved);
    expect(result.stderr).not.toMatch(/Bearer [a-z0-9]+_[0-9A-Za-z]{46}/);
  });

  it("shows each attempt, so --retry N makes N+1 requests to an unreachable server", async () => {
    const env = { ...t.home.env, LATCHKEY_URL: "http://127.0.0.1:9", LATCHKEY_API_KEY: key };
    const once = await runCli(["show", "api-keys", "--explain", "--retry", "0"], { env });
    expect(once.code).toBe(5);
    expect(once.stderr.match(/> GET /g)).toHaveLength(1);
    const thrice = await runCli(["show", "api-keys", "--explain", "--retry", "2"], { env });
    expect(thrice.code).toBe(5);
    expect(thrice.stderr.match(/> GET /g)).toHaveLength(3);
    expect(thrice.stderr).not.toContain(key);
  });
});
