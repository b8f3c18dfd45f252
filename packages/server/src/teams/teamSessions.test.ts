import { randomBytes } from "node:crypto";
import {
  type ApiAnswer,
  call,
  createKey,
  freshSchema,
  signUpAndLogIn,
  startTestServer,
  type TestServer,
} from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * Team sessions (docs/teams.md, "Team sessions"): what the console signs in to a team with,
 * as a Bearer session and as the HttpOnly team cookie picked by `X-Latchkey-Account: team`.
 * Each test would fail if a team session outlived its member, its role's narrowing, its
 * team or its logout, or if the team cookie could be used from another origin.
 */

interface Person {
  email: string;
  password: string;
  session: string;
  userId: number;
}

interface TeamSession {
  success: true;
  session_key?: string;
  expires_at: string;
  user_id: number;
  member_id: number;
  session_id: number;
  role: string;
}

/** `name=value` of each Set-Cookie of an answer, by name, with its attributes. */
function cookies(answer: ApiAnswer<unknown>) {
  const out = new Map<string, { value: string; attributes: string[] }>();
  for (const line of answer.headers.getSetCookie()) {
    const [pair = "", ...rest] = line.split(";");
    const at = pair.indexOf("=");
    out.set(pair.slice(0, at), {
      value: pair.slice(at + 1),
      attributes: rest.map((a) => a.trim().split("=")[0]?.toLowerCase() ?? ""),
    });
  }
  return out;
}

describe.each(["sqlite", "postgres"] as const)("team sessions on %s", (kind) => {
  let server: TestServer;
  const pg = kind === "postgres" ? freshSchema("lk_team_sessions") : undefined;

  beforeAll(async () => {
    server = await startTestServer({
      LATCHKEY_LIFECYCLE_SWEEP_SECONDS: "0",
      LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
      ...(pg
        ? {
            LATCHKEY_DATABASE_URL: pg.url,
            LATCHKEY_DATABASE_SCHEMA: pg.schema,
            LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
          }
        : {}),
    });
  });
  afterAll(async () => {
    await server.close();
    await pg?.drop();
  });

  const api = <T = Record<string, unknown>>(
    method: string,
    path: string,
    key: string,
    body?: unknown,
  ): Promise<ApiAnswer<T>> =>
    call<T>(server.url, method, path, { key, ...(body === undefined ? {} : { body }) });

  const person = (): Promise<Person> => signUpAndLogIn(server.url);

  /** An owner with a team key, and a member who joined with a role of `tree`. */
  async function teamWithMember(
    tree: object = { api: { instance_read: {}, team_read: {}, user_read: {} } },
  ) {
    const owner = await person();
    const key = (await createKey(server.url, owner.session, { name: "cli" })).key;
    const created = await api<{ id: number }>("POST", "/api/v0/team/", key, { team_name: "Acme" });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const role = await api<{ role: { id: number } }>("POST", "/api/v0/team/roles/", key, {
      name: "readers",
      permissions: tree,
    });
    expect(role.status, JSON.stringify(role.body)).toBe(200);
    const member = await person();
    const invited = await api<{ token: string }>("POST", "/api/v0/team/invite/", key, {
      email: member.email,
      role: "readers",
    });
    expect(invited.status, JSON.stringify(invited.body)).toBe(200);
    const accepted = await api(
      "POST",
      `/api/v0/team/invitations/${invited.body.token}/accept/`,
      member.session,
    );
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    return { owner, key, teamId: created.body.id, roleId: role.body.role.id, member };
  }

  const open = (credential: string, body: Record<string, unknown>) =>
    api<TeamSession>("POST", "/api/v0/auth/sessions/team/", credential, body);

  /** A member's team session as a Bearer secret. */
  async function teamSession(credential: string, teamId: number) {
    const opened = await open(credential, { team_id: teamId });
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const secret = opened.body.session_key;
    if (!secret) throw new Error("no session_key without set_cookie");
    return { ...opened.body, secret };
  }

  const verify = (key: string, category: string) =>
    call<{ code: string; user_id: number | null; member_id: number | null }>(
      server.url,
      "POST",
      "/api/v0/auth/verify/",
      { body: { key, category } },
    );

  const current = (credential: string) =>
    api<{ id: number; account_kind: string; member_id: number | null; role: string | null }>(
      "GET",
      "/api/v0/users/current/",
      credential,
    );

  it("acts on the team as the member, with the member's role", async () => {
    const t = await teamWithMember();
    const opened = await teamSession(t.member.session, t.teamId);
    expect(opened).toMatchObject({
      user_id: t.teamId,
      member_id: t.member.userId,
      role: "readers",
    });
    expect(opened.secret).toMatch(/^lks_/);
    expect((await current(opened.secret)).body).toMatchObject({
      id: t.teamId,
      account_kind: "team",
      member_id: t.member.userId,
      role: "readers",
    });
    expect((await api("GET", "/api/v0/team/members/", opened.secret)).status).toBe(200);
    // team_write is beyond the role: refused, naming it.
    const rename = await api<{ error: string; required: { category: string } }>(
      "PUT",
      "/api/v0/team/",
      opened.secret,
      { team_name: "Mine now" },
    );
    expect(rename.status).toBe(403);
    expect(rename.body.required.category).toBe("team_write");
    // Without user_write in the role the team session makes no key; the personal session
    // makes the member's team key with team_id, within the role (what the console does).
    const refusedKey = await api("POST", "/api/v0/auth/apikeys/", opened.secret, {
      name: "from the team session",
      permissions: { api: { instance_read: {} } },
    });
    expect(refusedKey.status).toBe(403);
    const made = await api<{ key: string }>("POST", "/api/v0/auth/apikeys/", t.member.session, {
      name: "from the console",
      team_id: t.teamId,
      permissions: { api: { instance_read: {} } },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect((await verify(made.body.key, "instance_read")).body).toMatchObject({
      code: "VALID",
      user_id: t.teamId,
      member_id: t.member.userId,
    });
    const beyond = await api("POST", "/api/v0/auth/apikeys/", t.member.session, {
      name: "too much",
      team_id: t.teamId,
      permissions: { api: { billing_read: {} } },
    });
    expect(beyond.status).toBe(403);
    // Opening one lands in the team's audit log with the member.
    const audit = await api<{ audit_logs: { action: string; args: { member_id?: number } }[] }>(
      "GET",
      "/api/v0/audit_logs/",
      t.key,
    );
    expect(
      audit.body.audit_logs.find((r) => r.action === "session.team_login")?.args.member_id,
    ).toBe(t.member.userId);
  });

  it("is not for a non-member, another team, a team credential or a bad body", async () => {
    const t = await teamWithMember();
    const other = await teamWithMember();
    const stranger = await person();
    const notFound = await open(stranger.session, { team_id: t.teamId });
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({ error: "not_found" });
    // A member of one team gets the same 404 for another team's id, and for no team at all.
    expect((await open(t.member.session, { team_id: other.teamId })).status).toBe(404);
    expect((await open(t.member.session, { team_id: 987_654 })).status).toBe(404);
    // A team credential (the owner's team key, a team session) cannot open one.
    const fromTeamKey = await open(t.key, { team_id: t.teamId });
    expect(fromTeamKey.status).toBe(400);
    expect(JSON.stringify(fromTeamKey.body)).toMatch(/personal session or key/);
    const session = await teamSession(t.owner.session, t.teamId);
    expect((await open(session.secret, { team_id: t.teamId })).status).toBe(400);
    for (const body of [{}, { team_id: "1" }, { team_id: t.teamId, extra: true }]) {
      expect((await open(t.member.session, body)).status, JSON.stringify(body)).toBe(400);
    }
    // A personal key without user_write cannot; one with it gets the key's own tree cut to the role.
    const reader = await createKey(server.url, t.member.session, {
      name: "reader",
      permissions: { api: { user_read: {} } },
    });
    expect((await open(reader.key, { team_id: t.teamId })).status).toBe(403);
    const scoped = await createKey(server.url, t.member.session, {
      name: "scoped",
      permissions: { api: { user_write: {}, team_read: {} } },
    });
    const cut = await teamSession(scoped.key, t.teamId);
    expect((await api("GET", "/api/v0/team/members/", cut.secret)).status).toBe(200);
    // The role has user_read; the key that opened the session has not.
    expect((await current(cut.secret)).status).toBe(403);
  });

  it("loses what the role loses on its next request, and is 401 at once when the member is removed", async () => {
    const t = await teamWithMember();
    const session = await teamSession(t.member.session, t.teamId);
    expect((await api("GET", "/api/v0/team/members/", session.secret)).status).toBe(200);
    const narrowed = await api("PUT", `/api/v0/team/roles/${t.roleId}/`, t.key, {
      permissions: { api: { instance_read: {}, user_read: {} } },
    });
    expect(narrowed.status, JSON.stringify(narrowed.body)).toBe(200);
    const refused = await api<{ required: { category: string } }>(
      "GET",
      "/api/v0/team/members/",
      session.secret,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.required.category).toBe("team_read");

    const removed = await api<{ revoked_keys: number }>(
      "DELETE",
      `/api/v0/team/members/${t.member.userId}/`,
      t.key,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.revoked_keys).toBe(1);
    expect((await current(session.secret)).status).toBe(401);
    // Their personal session is untouched, and opens no team session any more.
    expect((await current(t.member.session)).status).toBe(200);
    expect((await open(t.member.session, { team_id: t.teamId })).status).toBe(404);
  });

  it("opened while the member is being removed: none outlives the removal", async () => {
    let won = 0;
    for (let round = 0; round < 6; round++) {
      const t = await teamWithMember();
      // Opens in flight; the removal starts when the first has answered, the rest race it.
      const opening = [0, 1, 2, 3, 4, 5].map(() => open(t.member.session, { team_id: t.teamId }));
      await Promise.race(opening);
      const removal = await api("DELETE", `/api/v0/team/members/${t.member.userId}/`, t.key);
      expect(removal.status).toBe(200);
      for (const answer of await Promise.all(opening)) {
        // Each either lost the race (404) or committed before the removal, which ended it.
        expect([200, 404]).toContain(answer.status);
        if (answer.status === 200) {
          won++;
          expect((await current(answer.body.session_key ?? "")).status).toBe(401);
        }
      }
    }
    expect(won).toBeGreaterThanOrEqual(6);
  });

  it("GET /auth/apikeys/?team_id= lists the caller's own team keys from the personal session", async () => {
    // The built-in member role has no user_read: the team session cannot list, the personal can.
    const t = await teamWithMember({ api: { instance_read: {}, instance_write: {} } });
    const made = await api<{ id: number }>("POST", "/api/v0/auth/apikeys/", t.member.session, {
      name: "mine",
      team_id: t.teamId,
      permissions: { api: { instance_read: {} } },
    });
    await api("POST", "/api/v0/auth/apikeys/", t.owner.session, {
      name: "owner's",
      team_id: t.teamId,
    });
    const personalKey = await createKey(server.url, t.member.session, { name: "personal" });
    const listed = await api<{ apikeys: { id: number; name: string }[] }>(
      "GET",
      `/api/v0/auth/apikeys/?team_id=${t.teamId}`,
      t.member.session,
    );
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body.apikeys.map((k) => k.id)).toEqual([made.body.id]);
    const personal = await api<{ apikeys: { id: number }[] }>(
      "GET",
      "/api/v0/auth/apikeys/",
      t.member.session,
    );
    expect(personal.body.apikeys.map((k) => k.id)).toEqual([personalKey.id]);
    const session = await teamSession(t.member.session, t.teamId);
    expect((await api("GET", "/api/v0/auth/apikeys/", session.secret)).status).toBe(403);
    // Not a team one is not in; not another team from a team credential.
    const other = await teamWithMember();
    expect(
      (await api("GET", `/api/v0/auth/apikeys/?team_id=${other.teamId}`, t.member.session)).status,
    ).toBe(404);
    expect((await api("GET", `/api/v0/auth/apikeys/?team_id=${other.teamId}`, t.key)).status).toBe(
      400,
    );
    // Paged too.
    const page = await api<{ apikeys: { id: number }[]; next_after: number | null }>(
      "GET",
      `/api/v0/auth/apikeys/?team_id=${t.teamId}&limit=1`,
      t.member.session,
    );
    expect(page.body).toEqual({
      apikeys: [expect.objectContaining({ id: made.body.id })],
      next_after: null,
    });
  });

  it("ends when the team is destroyed", async () => {
    const t = await teamWithMember();
    const member = await teamSession(t.member.session, t.teamId);
    const owner = await teamSession(t.owner.session, t.teamId);
    expect((await api("DELETE", "/api/v0/team/", t.key)).status).toBe(200);
    expect((await current(member.secret)).status).toBe(401);
    expect((await current(owner.secret)).status).toBe(401);
  });

  it("a member lists and ends only their own team sessions", async () => {
    const t = await teamWithMember({ api: { user_read: {}, user_write: {} } });
    const owners = await teamSession(t.owner.session, t.teamId);
    const first = await teamSession(t.member.session, t.teamId);
    const second = await teamSession(t.member.session, t.teamId);
    const listed = await api<{ sessions: { id: number; current: boolean }[] }>(
      "GET",
      "/api/v0/auth/sessions/",
      first.secret,
    );
    expect(listed.body.sessions.map((s) => s.id).sort()).toEqual(
      [first.session_id, second.session_id].sort(),
    );
    expect(
      (await api("DELETE", `/api/v0/auth/sessions/${owners.session_id}/`, first.secret)).status,
    ).toBe(404);
    expect((await api("DELETE", "/api/v0/auth/sessions/", first.secret)).status).toBe(200);
    expect((await current(second.secret)).status).toBe(401);
    expect((await current(owners.secret)).status).toBe(200);
    expect((await current(first.secret)).status).toBe(200);
    // Logging out of the team session ends it, and only it, whatever the role says.
    expect((await api("POST", "/api/v0/auth/logout/", first.secret)).status).toBe(200);
    expect((await current(first.secret)).status).toBe(401);
    expect((await current(t.member.session)).status).toBe(200);
  });

  it("logs out whatever the role, though the role lacks user_write", async () => {
    const t = await teamWithMember({ api: { instance_read: {} } });
    const session = await teamSession(t.member.session, t.teamId);
    // Alive but without user_read: 403, not 401.
    expect((await current(session.secret)).status).toBe(403);
    expect((await api("POST", "/api/v0/auth/logout/", session.secret)).status).toBe(200);
    expect((await current(session.secret)).status).toBe(401);
    // An API key of the same member still may not.
    const key = await api<{ key: string }>("POST", "/api/v0/auth/apikeys/", t.member.session, {
      name: "k",
      team_id: t.teamId,
      permissions: { api: { instance_read: {} } },
    });
    const refused = await api("POST", "/api/v0/auth/logout/", key.body.key);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("session_required");
  });

  describe("as the console's cookies", () => {
    async function signIn(who: Person) {
      const login = await call(server.url, "POST", "/api/v0/auth/login/", {
        body: { email: who.email, password: who.password, set_cookie: true },
      });
      expect(login.status).toBe(200);
      const personal = cookies(login).get("latchkey_session")?.value ?? "";
      expect(personal).toMatch(/^lks_/);
      return personal;
    }

    const send = (
      method: string,
      path: string,
      jar: Record<string, string>,
      options: { team?: boolean; origin?: boolean; body?: unknown; key?: string } = {},
    ) =>
      call<Record<string, unknown>>(server.url, method, path, {
        headers: {
          cookie: Object.entries(jar)
            .map(([name, value]) => `${name}=${value}`)
            .join("; "),
          ...(options.team ? { "x-latchkey-account": "team" } : {}),
          ...(options.origin === false ? {} : { origin: server.url }),
        },
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.key === undefined ? {} : { key: options.key }),
      });

    it("sets an HttpOnly SameSite=Strict team cookie that X-Latchkey-Account: team picks", async () => {
      const t = await teamWithMember({
        api: { instance_read: {}, team_read: {}, user_read: {}, user_write: {} },
      });
      const personal = await signIn(t.member);
      const jar: Record<string, string> = { latchkey_session: personal };
      const opened = await send("POST", "/api/v0/auth/sessions/team/", jar, {
        body: { team_id: t.teamId, set_cookie: true },
      });
      expect(opened.status, JSON.stringify(opened.body)).toBe(200);
      expect(opened.body.session_key).toBeUndefined();
      const team = cookies(opened).get("latchkey_team_session");
      expect(team?.value).toMatch(/^lks_/);
      expect(team?.attributes).toEqual(expect.arrayContaining(["httponly", "samesite", "path"]));
      expect(opened.headers.getSetCookie().join("\n")).toMatch(/SameSite=Strict/);
      jar.latchkey_team_session = team?.value ?? "";

      expect((await send("GET", "/api/v0/users/current/", jar)).body).toMatchObject({
        id: t.member.userId,
        account_kind: "person",
      });
      expect((await send("GET", "/api/v0/users/current/", jar, { team: true })).body).toMatchObject(
        {
          id: t.teamId,
          account_kind: "team",
          member_id: t.member.userId,
        },
      );
      // A Bearer header always wins over both cookies.
      const bearer = await send("GET", "/api/v0/users/current/", jar, {
        team: true,
        key: t.owner.session,
      });
      expect(bearer.body).toMatchObject({ id: t.owner.userId });
      // Writes with the team cookie keep the Origin check.
      const crossSite = await send("POST", "/api/v0/auth/apikeys/", jar, {
        team: true,
        origin: false,
        body: { name: "csrf", permissions: { api: { instance_read: {} } } },
      });
      expect(crossSite.status).toBe(403);
      expect(crossSite.body.error).toBe("cross_origin");
      const made = await send("POST", "/api/v0/auth/apikeys/", jar, {
        team: true,
        body: { name: "team key", permissions: { api: { instance_read: {} } } },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      expect((await verify(String(made.body.key), "instance_read")).body).toMatchObject({
        code: "VALID",
        user_id: t.teamId,
        member_id: t.member.userId,
      });
      // Opening a team session from the cookie keeps the Origin check too.
      const crossOpen = await send("POST", "/api/v0/auth/sessions/team/", jar, {
        origin: false,
        body: { team_id: t.teamId, set_cookie: true },
      });
      expect(crossOpen.body.error).toBe("cross_origin");
    });

    it("asking for the team without a team cookie is 401, never the personal session", async () => {
      const t = await teamWithMember();
      const jar = { latchkey_session: await signIn(t.member) };
      const answer = await send("GET", "/api/v0/users/current/", jar, { team: true });
      expect(answer.status).toBe(401);
      expect(String(answer.body.msg)).toMatch(/POST \/api\/v0\/auth\/sessions\/team\//);
      const bogus = await call(server.url, "GET", "/api/v0/users/current/", {
        headers: { cookie: `latchkey_session=${jar.latchkey_session}`, "x-latchkey-account": "x" },
      });
      expect(bogus.status).toBe(400);
    });

    it("a new team session replaces the one in the cookie; logout ends both", async () => {
      const t = await teamWithMember();
      const jar: Record<string, string> = { latchkey_session: await signIn(t.member) };
      const first = await send("POST", "/api/v0/auth/sessions/team/", jar, {
        body: { team_id: t.teamId, set_cookie: true },
      });
      const firstSecret = cookies(first).get("latchkey_team_session")?.value ?? "";
      jar.latchkey_team_session = firstSecret;
      const second = await send("POST", "/api/v0/auth/sessions/team/", jar, {
        body: { team_id: t.teamId, set_cookie: true },
      });
      const secondSecret = cookies(second).get("latchkey_team_session")?.value ?? "";
      expect(secondSecret).not.toBe(firstSecret);
      expect((await current(firstSecret)).status).toBe(401);
      expect((await current(secondSecret)).status).toBe(200);
      jar.latchkey_team_session = secondSecret;

      const logout = await send("POST", "/api/v0/auth/logout/", jar);
      expect(logout.status).toBe(200);
      const cleared = cookies(logout);
      expect(cleared.get("latchkey_session")?.value).toBe("");
      expect(cleared.get("latchkey_team_session")?.value).toBe("");
      expect((await current(secondSecret)).status).toBe(401);
      expect((await current(jar.latchkey_session ?? "")).status).toBe(401);
    });

    it("logout never ends a team session that is not the caller's", async () => {
      const t = await teamWithMember();
      const owners = await teamSession(t.owner.session, t.teamId);
      const jar = {
        latchkey_session: await signIn(t.member),
        latchkey_team_session: owners.secret,
      };
      expect((await send("POST", "/api/v0/auth/logout/", jar)).status).toBe(200);
      expect((await current(owners.secret)).status).toBe(200);
    });
  });
});
