import {
  call,
  createKey,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterEach, describe, expect, it } from "vitest";

describe("client address behind a proxy", () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function allowListed(env: Record<string, string>) {
    server = await startTestServer(env);
    const { session } = await signUpAndLogIn(server.url);
    const { key } = await createKey(server.url, session, {
      key_params: { ip_whitelist: ["203.0.113.0/24"] },
    });
    const viaProxy = (forwarded: string) =>
      call(server?.url ?? "", "GET", "/api/v0/users/current/", {
        key,
        headers: { "x-forwarded-for": forwarded },
      });
    return { session, viaProxy };
  }

  it("ignores X-Forwarded-For by default, so a client cannot claim an allowed address", async () => {
    const { viaProxy } = await allowListed({});
    const answer = await viaProxy("203.0.113.5");
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe("ip_not_allowed");
  });

  it("believes X-Forwarded-For from a configured proxy, for allow-lists and the audit log", async () => {
    const { viaProxy, session } = await allowListed({ LATCHKEY_TRUST_PROXY: "127.0.0.1" });
    expect((await viaProxy("203.0.113.5")).status).toBe(200);
    expect((await viaProxy("198.51.100.7")).status).toBe(403);
    const log = await call<{ audit_logs: { action: string; ip_address: string }[] }>(
      server?.url ?? "",
      "GET",
      "/api/v0/audit_logs/?action=api_key.denied",
      { key: session },
    );
    expect(log.body.audit_logs[0]?.ip_address).toBe("198.51.100.7");
  });

  it("refuses a bad LATCHKEY_TRUST_PROXY naming the variable", async () => {
    await expect(startTestServer({ LATCHKEY_TRUST_PROXY: "yes please" })).rejects.toThrow(
      /^LATCHKEY_TRUST_PROXY: /,
    );
  });
});
