import {
  call,
  createKey,
  signUpAndLogIn,
  startCluster,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("accounts and sessions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const password = "a long enough password";

  it("signs up with a normalised email; a duplicate is 409", async () => {
    const created = await call(server.url, "POST", "/api/v0/users/", {
      body: { email: "  Ada@Example.COM ", password },
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ success: true, email: "ada@example.com" });
    const again = await call(server.url, "POST", "/api/v0/users/", {
      body: { email: "ada@example.com", password },
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ success: false, error: "email_taken" });
  });

  it.each([
    [{ email: "not-an-email", password }, "email"],
    [{ email: "a@b", password }, "email"],
    [{ email: "x@example.com", password: "short" }, "password"],
    [{ email: "x@example.com" }, "password"],
    [{ email: 5, password }, "email"],
    [{ email: "x@example.com", password, admin: true }, "admin"],
  ])("refuses sign-up %j naming %s", async (body, field) => {
    const answer = await call(server.url, "POST", "/api/v0/users/", { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe("invalid_request");
    expect(String(answer.body.msg)).toContain(field);
  });

  it("a failed login does not reveal whether the email exists", async () => {
    await call(server.url, "POST", "/api/v0/users/", {
      body: { email: "grace@example.com", password },
    });
    const wrongPassword = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: "grace@example.com", password: "not the password" },
    });
    const unknownEmail = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: "nobody@example.com", password: "not the password" },
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual(unknownEmail.body);
    expect(wrongPassword.body.error).toBe("invalid_login");
  });

  it("logs in with any casing of the email; the session key lasts 7 days", async () => {
    const login = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: "GRACE@example.com", password },
    });
    expect(login.status).toBe(200);
    expect(login.body.session_key).toMatch(/^lks_[0-9A-Za-z]{46}$/);
    const days = (Date.parse(String(login.body.expires_at)) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThanOrEqual(7);
    const me = await call(server.url, "GET", "/api/v0/users/current/", {
      key: String(login.body.session_key),
    });
    expect(me.body).toMatchObject({ email: "grace@example.com", key_kind: "session" });
  });

  it("lists sessions (current marked), ends one, ends all others, logs out", async () => {
    const user = await signUpAndLogIn(server.url);
    const second = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: user.email, password: user.password },
      headers: { "user-agent": "second-device" },
    });
    const third = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: user.email, password: user.password },
    });
    const secondKey = String(second.body.session_key);
    const thirdKey = String(third.body.session_key);

    const listed = await call<{ sessions: { id: number; name: string; current: boolean }[] }>(
      server.url,
      "GET",
      "/api/v0/auth/sessions/",
      { key: user.session },
    );
    expect(listed.body.sessions).toHaveLength(3);
    expect(listed.body.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(listed.body.sessions.map((s) => s.name)).toContain("second-device");
    expect(JSON.stringify(listed.body)).not.toContain(secondKey);

    const ended = await call(
      server.url,
      "DELETE",
      `/api/v0/auth/sessions/${second.body.session_id}/`,
      {
        key: user.session,
      },
    );
    expect(ended.status).toBe(200);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: secondKey })).status,
    ).toBe(401);

    const others = await call(server.url, "DELETE", "/api/v0/auth/sessions/", {
      key: user.session,
    });
    expect(others.body).toMatchObject({ success: true, ended: 1 });
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: thirdKey })).status,
    ).toBe(401);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: user.session })).status,
    ).toBe(200);

    const logout = await call(server.url, "POST", "/api/v0/auth/logout/", { key: user.session });
    expect(logout.status).toBe(200);
    const after = await call(server.url, "GET", "/api/v0/users/current/", { key: user.session });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe("session_expired");
  });

  it("logout needs a session, not an API key", async () => {
    const user = await signUpAndLogIn(server.url);
    const { key } = await createKey(server.url, user.session);
    const answer = await call(server.url, "POST", "/api/v0/auth/logout/", { key });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toBe("session_required");
  });

  it("another account's session cannot be ended: 404, as if missing", async () => {
    const a = await signUpAndLogIn(server.url);
    const b = await signUpAndLogIn(server.url);
    const bSessions = await call<{ sessions: { id: number }[] }>(
      server.url,
      "GET",
      "/api/v0/auth/sessions/",
      {
        key: b.session,
      },
    );
    const bSession = bSessions.body.sessions[0]?.id;
    const answer = await call(server.url, "DELETE", `/api/v0/auth/sessions/${bSession}/`, {
      key: a.session,
    });
    expect(answer.status).toBe(404);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: b.session })).status,
    ).toBe(200);
  });

  it("sets an HttpOnly SameSite=Strict cookie for the console and keeps the key out of the body", async () => {
    const user = await signUpAndLogIn(server.url);
    const login = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: user.email, password: user.password, set_cookie: true },
    });
    expect(login.status).toBe(200);
    expect(login.body).not.toHaveProperty("session_key");
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^latchkey_session=lks_/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    const pair = cookie.split(";")[0] ?? "";

    const read = await call(server.url, "GET", "/api/v0/users/current/", {
      headers: { cookie: pair },
    });
    expect(read.status).toBe(200);
    // Cookie-authenticated writes must carry the console's own Origin.
    const noOrigin = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      headers: { cookie: pair },
      body: { name: "x" },
    });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body.error).toBe("cross_origin");
    const foreign = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      headers: { cookie: pair, origin: "https://evil.example" },
      body: { name: "x" },
    });
    expect(foreign.status).toBe(403);
    const own = await call(server.url, "POST", "/api/v0/auth/apikeys/", {
      headers: { cookie: pair, origin: server.url },
      body: { name: "x" },
    });
    expect(own.status).toBe(200);
  });
});

describe("closed sign-up", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LATCHKEY_SIGNUP: "closed" });
  });
  afterAll(() => server.close());

  it("admits the first account as administrator, then refuses anonymous sign-up; the admin adds accounts", async () => {
    const first = await call(server.url, "POST", "/api/v0/users/", {
      body: { email: "admin@example.com", password: "admin password!" },
    });
    expect(first.status).toBe(200);
    const refused = await call(server.url, "POST", "/api/v0/users/", {
      body: { email: "new@example.com", password: "a long enough password" },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("signup_closed");

    const login = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: "admin@example.com", password: "admin password!" },
    });
    const admin = String(login.body.session_key);
    expect(
      (await call(server.url, "GET", "/api/v0/users/current/", { key: admin })).body.is_admin,
    ).toBe(true);
    const added = await call(server.url, "POST", "/api/v0/users/", {
      key: admin,
      body: { email: "new@example.com", password: "a long enough password" },
    });
    expect(added.status).toBe(200);

    const memberLogin = await call(server.url, "POST", "/api/v0/auth/login/", {
      body: { email: "new@example.com", password: "a long enough password" },
    });
    const member = String(memberLogin.body.session_key);
    const byMember = await call(server.url, "POST", "/api/v0/users/", {
      key: member,
      body: { email: "third@example.com", password: "a long enough password" },
    });
    expect(byMember.status).toBe(403);
    expect(byMember.body.error).toBe("signup_closed");
  });
});

/** Closed sign-up is decided inside the insert's serialised transaction, not before it. */
describe.each([
  ["one SQLite node", () => startTestServer({ LATCHKEY_SIGNUP: "closed" })],
  [
    "two PostgreSQL nodes",
    async () => {
      const cluster = await startCluster(2, { LATCHKEY_SIGNUP: "closed" });
      return { urls: cluster.urls, close: () => cluster.stop() };
    },
  ],
] as const)("racing sign-ups against a fresh closed server on %s", (_, start) => {
  let urls: string[];
  let close: () => Promise<void>;
  beforeAll(async () => {
    const started = await start();
    urls = "urls" in started ? started.urls : [started.url];
    close = () => started.close();
  });
  afterAll(() => close());

  it("lets exactly one in, as the administrator", async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        call(urls[i % urls.length] ?? "", "POST", "/api/v0/users/", {
          body: { email: `racer${i}@example.com`, password: "a long enough password" },
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 403, 403, 403, 403, 403]);
    for (const a of answers) if (a.status === 403) expect(a.body.error).toBe("signup_closed");
    const winner = answers.findIndex((a) => a.status === 200);
    const login = await call(urls[0] ?? "", "POST", "/api/v0/auth/login/", {
      body: { email: `racer${winner}@example.com`, password: "a long enough password" },
    });
    const me = await call(urls[0] ?? "", "GET", "/api/v0/users/current/", {
      key: String(login.body.session_key),
    });
    expect(me.body.is_admin).toBe(true);
  });
});
