import { call, signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** The Set-Cookie header a console login gets with these request headers. */
async function loginCookie(server: TestServer, headers: Record<string, string> = {}) {
  const user = await signUpAndLogIn(server.url);
  const login = await call(server.url, "POST", "/api/v0/auth/login/", {
    headers,
    body: { email: user.email, password: user.password, set_cookie: true },
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/^latchkey_session=lks_/);
  return cookie;
}

const attributes = (cookie: string) =>
  cookie
    .split(";")
    .slice(1)
    .map((a) => a.trim().split("=")[0]?.toLowerCase());

describe("the session cookie's Secure attribute", () => {
  let direct: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    direct = await startTestServer();
    proxied = await startTestServer({ LATCHKEY_TRUST_PROXY: "127.0.0.1" });
  });
  afterAll(async () => {
    await direct.close();
    await proxied.close();
  });

  it("is absent on a login over plain HTTP", async () => {
    const cookie = await loginCookie(direct);
    expect(attributes(cookie)).toEqual(expect.arrayContaining(["httponly", "samesite", "path"]));
    expect(attributes(cookie)).not.toContain("secure");
    expect(attributes(await loginCookie(direct, { "x-forwarded-proto": "http" }))).not.toContain(
      "secure",
    );
  });

  // Issue 14.11: Secure was set only when LATCHKEY_TRUST_PROXY was, though a proxy that
  // terminates TLS says so whether or not the server was told to trust it.
  it.each<Record<string, string>>([
    { "x-forwarded-proto": "https" },
    { "x-forwarded-proto": "HTTPS" },
    { "x-forwarded-proto": "https, http" },
    { forwarded: "for=203.0.113.9;proto=https" },
    { forwarded: 'for="[2001:db8::1]";proto="https", for=10.0.0.1;proto=http' },
  ])("is set when a proxy says the client used HTTPS, trusted or not: %o", async (headers) => {
    expect(attributes(await loginCookie(direct, headers))).toContain("secure");
  });

  it("is set when a trusted proxy says the client used HTTPS", async () => {
    expect(attributes(await loginCookie(proxied, { "x-forwarded-proto": "https" }))).toContain(
      "secure",
    );
    expect(attributes(await loginCookie(proxied))).not.toContain("secure");
  });

  it("logout clears the cookie with the same attributes", async () => {
    const cookie = await loginCookie(direct, { "x-forwarded-proto": "https" });
    const logout = await call(direct.url, "POST", "/api/v0/auth/logout/", {
      headers: {
        cookie: cookie.split(";")[0] ?? "",
        origin: direct.url,
        "x-forwarded-proto": "https",
      },
    });
    expect(logout.status).toBe(200);
    const cleared = logout.headers.get("set-cookie") ?? "";
    expect(cleared).toMatch(/^latchkey_session=;/);
    expect(attributes(cleared)).toEqual(
      expect.arrayContaining(["secure", "httponly", "samesite", "path"]),
    );
  });
});
