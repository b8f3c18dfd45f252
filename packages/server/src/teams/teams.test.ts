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
 * Teams and roles (docs/teams.md) through every route, on SQLite and on PostgreSQL: the happy
 * paths, the refusals, another team's ids, and each kind of escalation attempt. The server's
 * clock is the test's, so invitation expiry and the invitation limits are checked exactly.
 */

const HOUR = 3_600_000;

interface Person {
  email: string;
  session: string;
  userId: number;
}

interface Invited {
  token: string;
  invitation: { id: number; email: string; role: string; expires_at: string };
}

describe.each(["sqlite", "postgres"] as const)("teams on %s", (kind) => {
  let server: TestServer;
  let clock = Date.parse("2027-05-01T00:00:00Z");
  const pg = kind === "postgres" ? freshSchema("lk_teams") : undefined;

  beforeAll(async () => {
    server = await startTestServer(
      {
        LATCHKEY_LIFECYCLE_SWEEP_SECONDS: "0",
        LATCHKEY_WEBHOOK_POLL_SECONDS: "0",
        ...(pg
          ? {
              LATCHKEY_DATABASE_URL: pg.url,
              LATCHKEY_DATABASE_SCHEMA: pg.schema,
              LATCHKEY_PEPPER: `v1:${randomBytes(32).toString("hex")}`,
            }
          : {}),
      },
      { now: () => new Date(clock) },
    );
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

  /** A person with a personal full-access key that then creates a team (and becomes its key). */
  async function team(name = "Acme") {
    const owner = await person();
    const key = (await createKey(server.url, owner.session, { name: "cli" })).key;
    const created = await api<{ id: number; team_name: string; role: string }>(
      "POST",
      "/api/v0/team/",
      key,
      { team_name: name },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    return { owner, key, id: created.body.id };
  }

  async function invite(key: string, email: string, role: string): Promise<Invited> {
    const answer = await api<Invited>(
      "POST",
      `/api/v0/team/invite/?email=${encodeURIComponent(email)}&role=${encodeURIComponent(role)}`,
      key,
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  }

  /** A person who joined the team with `role`; their personal session and a team key. */
  async function join(teamKey: string, teamId: number, role: string, tree?: object) {
    const who = await person();
    const { token } = await invite(teamKey, who.email, role);
    const accepted = await api("POST", `/api/v0/team/invitations/${token}/accept/`, who.session);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const made = await api<{ id: number; key: string }>(
      "POST",
      "/api/v0/auth/apikeys/",
      who.session,
      {
        name: `${role} key`,
        team_id: teamId,
        permissions: tree ?? { api: { instance_read: {}, instance_write: {} } },
      },
    );
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    return { ...who, key: made.body.key, keyId: made.body.id };
  }

  /** One of the team's roles, as `GET /team/roles-full/` lists it. */
  const roleNamed = async (teamKey: string, name: string) =>
    (
      await api<{ id: number; name: string }[]>("GET", "/api/v0/team/roles-full/", teamKey)
    ).body.find((r) => r.name === name);

  const verify = (key: string, category?: string) =>
    call<{
      code: string;
      user_id: number | null;
      account_kind: string | null;
      member_id: number | null;
      role: string | null;
      required?: { category: string };
    }>(server.url, "POST", "/api/v0/auth/verify/", {
      body: { key, ...(category ? { category } : {}) },
    });

  const events = async (teamId: number) =>
    (await server.deps.store.listEvents(teamId, 0, 10_000)).map((e) => e.type);

  const auditActions = async (teamKey: string) =>
    (
      await api<{ audit_logs: { action: string; args: { member_id?: number } }[] }>(
        "GET",
        "/api/v0/audit_logs/",
        teamKey,
      )
    ).body.audit_logs;

  describe("creating a team", () => {
    it("answers the team; the calling key acts on it from then on, as the owner", async () => {
      const { owner, key, id } = await team("  Acme Labs  ");
      const me = await api<{
        id: number;
        account_kind: string;
        member_id: number;
        role: string;
        email: string;
      }>("GET", "/api/v0/users/current/", key);
      expect(me.body).toMatchObject({
        id,
        account_kind: "team",
        member_id: owner.userId,
        role: "owner",
        email: owner.email,
      });
      const shown = await api("GET", "/api/v0/team/", key);
      expect(shown.body).toMatchObject({
        success: true,
        id,
        team_name: "Acme Labs",
        role: "owner",
      });
      const members = await api<{ id: number; roles: string[]; email: string }[]>(
        "GET",
        "/api/v0/team/members/",
        key,
      );
      expect(members.body).toEqual([
        expect.objectContaining({
          id: owner.userId,
          email: owner.email,
          username: owner.email,
          roles: ["owner"],
        }),
      ]);
      expect((await api("GET", "/api/v0/team/roles/", key)).body).toEqual([
        "owner",
        "manager",
        "member",
      ]);
      const full = await api<{ name: string; permissions: unknown }[]>(
        "GET",
        "/api/v0/team/roles-full",
        key,
      );
      expect(full.body.map((r) => r.name)).toEqual(["manager", "member"]);
      expect(full.body[1]).toMatchObject({
        identifier: "member",
        builtin: true,
        permissions: { api: { instance_read: {}, instance_write: {} } },
      });
      // The session that made the key stays personal; it is not a team credential.
      const personal = await api("GET", "/api/v0/team/members/", owner.session);
      expect(personal.status).toBe(403);
      expect(personal.body).toMatchObject({ error: "team_required" });
      const audit = await auditActions(key);
      expect(audit.find((r) => r.action === "team.create")?.args.member_id).toBe(owner.userId);
    });

    it("refuses credit, an empty name, and a team key making another team", async () => {
      const owner = await person();
      const credit = await api("POST", "/api/v0/team/", owner.session, {
        team_name: "x",
        transfer_credit: 5,
      });
      expect(credit.status).toBe(400);
      expect(credit.body).toMatchObject({ error: "invalid_request" });
      expect(String(credit.body.msg)).toContain("transfer_credit");
      const empty = await api("POST", "/api/v0/team/", owner.session, { team_name: "   " });
      expect(empty.status).toBe(400);
      const zero = await api("POST", "/api/v0/team/", owner.session, {
        team_name: "ok",
        transfer_credit: 0,
      });
      expect(zero.status).toBe(200);
      const { key } = await team();
      const nested = await api("POST", "/api/v0/team/", key, { team_name: "nested" });
      expect(nested.status).toBe(400);
    });

    it("renames the team (team_write), with and without the trailing slash", async () => {
      const { key, id } = await team();
      const renamed = await api("PUT", "/api/v0/team", key, { team_name: "Renamed" });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, team_name: "Renamed" });
      expect(await events(id)).toContain("team.renamed");
    });
  });

  describe("invitations", () => {
    it("invite by query string or JSON body; the invitee accepts with their own session", async () => {
      const { key, id } = await team();
      const alice = await person();
      const invited = await invite(key, alice.email.toUpperCase(), "member");
      expect(invited.invitation).toMatchObject({ email: alice.email, role: "member" });
      expect(Date.parse(invited.invitation.expires_at) - clock).toBe(4 * HOUR);
      expect(invited.token).toMatch(/^inv_/);
      // The invitee sees it after signing in; another person does not.
      const mine = await api<{ invitations: { id: number; team_name: string }[] }>(
        "GET",
        "/api/v0/users/current/invitations/",
        alice.session,
      );
      expect(mine.body.invitations).toEqual([
        expect.objectContaining({ id: invited.invitation.id, team_id: id, team_name: "Acme" }),
      ]);
      const stranger = await person();
      expect(
        (
          await api<{ invitations: unknown[] }>(
            "GET",
            "/api/v0/users/current/invitations/",
            stranger.session,
          )
        ).body.invitations,
      ).toEqual([]);
      // Only the person whose email it was sent to may accept it.
      const wrong = await api(
        "POST",
        `/api/v0/team/invitations/${invited.token}/accept/`,
        stranger.session,
      );
      expect(wrong.status).toBe(403);
      expect(wrong.body).toMatchObject({ error: "permission_denied" });
      // Vast's link form accepts too.
      const accepted = await api("GET", `/api/v0/team/invite/${invited.token}`, alice.session);
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      expect(accepted.body).toMatchObject({
        team: { id },
        member: { id: alice.userId, roles: ["member"] },
      });
      const again = await api(
        "POST",
        `/api/v0/team/invitations/${invited.token}/accept/`,
        alice.session,
      );
      expect(again.status).toBe(409);
      expect(await events(id)).toEqual(
        expect.arrayContaining(["team.invitation_created", "team.member_joined"]),
      );
      const teams = await api<{ teams: { id: number; role: string }[] }>(
        "GET",
        "/api/v0/users/current/teams/",
        alice.session,
      );
      expect(teams.body.teams).toEqual([
        expect.objectContaining({ id, team_name: "Acme", role: "member" }),
      ]);

      const bob = await person();
      const byBody = await api<Invited>("POST", "/api/v0/team/invite/", key, {
        email: bob.email,
        role: "manager",
      });
      expect(byBody.status).toBe(200);
      // From the invitee's list, by id.
      const byId = await api(
        "POST",
        `/api/v0/team/invitations/${byBody.body.invitation.id}/accept/`,
        bob.session,
      );
      expect(byId.status).toBe(200);
      expect(byId.body).toMatchObject({ member: { roles: ["manager"] } });
    });

    it("refuses oneself, a member, the owner role, an unknown role and a bad email", async () => {
      const { key, owner } = await team();
      const member = await join(
        key,
        (await api<{ id: number }>("GET", "/api/v0/team/", key)).body.id,
        "member",
      );
      const self = await api("POST", `/api/v0/team/invite/?email=${owner.email}&role=member`, key);
      expect(self.status).toBe(400);
      const existing = await api(
        "POST",
        `/api/v0/team/invite/?email=${member.email}&role=member`,
        key,
      );
      expect(existing.status).toBe(409);
      expect(existing.body).toMatchObject({ error: "already_member" });
      const asOwner = await api(
        "POST",
        "/api/v0/team/invite/?email=new@example.com&role=owner",
        key,
      );
      expect(asOwner.status).toBe(400);
      const unknown = await api(
        "POST",
        "/api/v0/team/invite/?email=new@example.com&role=nobody",
        key,
      );
      expect(unknown.status).toBe(404);
      const bad = await api("POST", "/api/v0/team/invite/?email=not-an-email&role=member", key);
      expect(bad.status).toBe(400);
    });

    it("expire after four hours", async () => {
      const { key } = await team();
      const alice = await person();
      const { token } = await invite(key, alice.email, "member");
      clock += 4 * HOUR;
      const late = await api("POST", `/api/v0/team/invitations/${token}/accept/`, alice.session);
      expect(late.status).toBe(404);
      expect(String(late.body.msg)).toContain("expired");
      expect(
        (await api<{ invitations: unknown[] }>("GET", "/api/v0/team/invitations/", key)).body
          .invitations,
      ).toEqual([]);
    });

    it("at most 20 an hour per team; the same email again only after 10 minutes", async () => {
      const { key } = await team();
      const first = await invite(key, "again@example.com", "member");
      const soon = await api(
        "POST",
        "/api/v0/team/invite/?email=again@example.com&role=member",
        key,
      );
      expect(soon.status).toBe(429);
      expect(soon.headers.get("retry-after")).toBe("600");
      clock += 10 * 60_000;
      const later = await invite(key, "again@example.com", "member");
      // The newer one replaces the older, whose token no longer works.
      const pending = await api<{ invitations: { id: number }[] }>(
        "GET",
        "/api/v0/team/invitations/",
        key,
      );
      expect(pending.body.invitations.map((i) => i.id)).toEqual([later.invitation.id]);
      expect(first.invitation.id).not.toBe(later.invitation.id);
      for (let i = 2; i < 20; i++) await invite(key, `p${i}@example.com`, "member");
      const over = await api("POST", "/api/v0/team/invite/?email=p20@example.com&role=member", key);
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ error: "rate_limited" });
      // The first of the hour leaves the window 50 minutes from now.
      expect(over.headers.get("retry-after")).toBe(String(50 * 60));
      clock += 50 * 60_000;
      expect(
        (await api("POST", "/api/v0/team/invite/?email=p20@example.com&role=member", key)).status,
      ).toBe(200);
    });

    it("revoke one: its token stops working; another team's invitation is not found", async () => {
      const { key } = await team();
      const other = await team("Other");
      const alice = await person();
      const invited = await invite(key, alice.email, "member");
      const foreign = await invite(other.key, "x@example.com", "member");
      const cross = await api("DELETE", `/api/v0/team/invitations/${foreign.invitation.id}/`, key);
      expect(cross.status).toBe(404);
      const revoked = await api(
        "DELETE",
        `/api/v0/team/invitations/${invited.invitation.id}/`,
        key,
      );
      expect(revoked.status).toBe(200);
      const accept = await api(
        "POST",
        `/api/v0/team/invitations/${invited.token}/accept/`,
        alice.session,
      );
      expect(accept.status).toBe(404);
    });
  });

  describe("team keys", () => {
    it("act on the team, within the key's tree and the member's current role", async () => {
      const { key, id } = await team();
      const alice = await join(key, id, "member", { api: { instance_read: {} } });
      const verdict = await verify(alice.key, "instance_read");
      expect(verdict.body).toMatchObject({
        code: "VALID",
        user_id: id,
        account_kind: "team",
        member_id: alice.userId,
        role: "member",
      });
      // Beyond its own tree, though the role has it.
      expect((await verify(alice.key, "instance_write")).body.code).toBe("FORBIDDEN");
      // The member role has no team_read: the 403 names it.
      const members = await api("GET", "/api/v0/team/members/", alice.key);
      expect(members.status).toBe(403);
      expect(members.body).toMatchObject({
        error: "permission_denied",
        required: { category: "team_read" },
      });
      // A member lists their own team keys, not the owner's.
      const listed = await api<{ apikeys: { id: number }[] }>("GET", "/api/v0/auth/apikeys/", key);
      expect(listed.body.apikeys.map((k) => k.id)).not.toContain(alice.keyId);
      const all = await api<
        { id: number; key: string; key_type: string; role_name: string; username: string }[]
      >("GET", "/api/v0/team/apikeys/", key);
      expect(all.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            id: alice.keyId,
            key: "",
            key_type: "team",
            role_name: "member",
            username: alice.email,
          }),
        ]),
      );
      expect(JSON.stringify(all.body)).not.toContain(alice.key);
      // The owner's key cannot delete the member's key through the personal key routes.
      expect((await api("DELETE", `/api/v0/auth/apikeys/${alice.keyId}/`, key)).status).toBe(404);
    });

    it("never beyond the member's role, nor full access, nor a team one is not in", async () => {
      const { key, id } = await team();
      const alice = await join(key, id, "member");
      const beyond = await api("POST", "/api/v0/auth/apikeys/", alice.session, {
        name: "too much",
        team_id: id,
        permissions: { api: { instance_read: {}, billing_read: {} } },
      });
      expect(beyond.status).toBe(403);
      expect(beyond.body).toMatchObject({
        error: "permission_escalation",
        beyond: { category: "billing_read" },
      });
      expect(String(beyond.body.msg)).toContain("billing_read");
      const full = await api("POST", "/api/v0/auth/apikeys/", alice.session, {
        name: "all",
        team_id: id,
      });
      expect(full.status).toBe(403);
      expect(full.body).toMatchObject({ error: "permission_escalation" });
      const other = await team("Other");
      const foreign = await api("POST", "/api/v0/auth/apikeys/", alice.session, {
        name: "x",
        team_id: other.id,
        permissions: { api: { instance_read: {} } },
      });
      expect(foreign.status).toBe(404);
      // A team key makes keys of its own team only.
      const crossing = await api("POST", "/api/v0/auth/apikeys/", key, {
        name: "x",
        team_id: other.id,
        permissions: { api: { instance_read: {} } },
      });
      expect(crossing.status).toBe(400);
    });

    it("lose narrowed rights on their next request when the role is edited or changed", async () => {
      const { key, id } = await team();
      const alice = await join(key, id, "member");
      expect((await verify(alice.key, "instance_write")).body.code).toBe("VALID");
      const member = await roleNamed(key, "member");
      const edited = await api("PUT", `/api/v0/team/roles/${member?.id}/`, key, {
        permissions: { api: { instance_read: {} } },
      });
      expect(edited.status, JSON.stringify(edited.body)).toBe(200);
      expect((await verify(alice.key, "instance_write")).body.code).toBe("FORBIDDEN");
      expect((await verify(alice.key, "instance_read")).body.code).toBe("VALID");

      await api("POST", "/api/v0/team/roles/", key, {
        name: "Writers",
        permissions: { api: { instance_write: {} } },
      });
      const changed = await api("PUT", `/api/v0/team/members/${alice.userId}/roles/`, key, {
        role: "writers",
      });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect(changed.body).toMatchObject({ member: { roles: ["Writers"] } });
      expect((await verify(alice.key, "instance_read")).body.code).toBe("FORBIDDEN");
      expect((await verify(alice.key, "instance_write")).body.code).toBe("VALID");
      expect(await events(id)).toEqual(
        expect.arrayContaining(["team.role_updated", "team.role_changed"]),
      );
    });

    it("never gain a right the role loses, though keys are made and used while it is narrowed", async () => {
      const { key, id } = await team();
      const alice = await join(key, id, "member");
      const member = await roleNamed(key, "member");
      // Alice keeps making team keys and using them (each first use fills the node's cache)
      // while the owner takes instance_write out of her role.
      const made: { key: string; startedAt: number }[] = [];
      const refused: { startedAt: number; error: unknown }[] = [];
      const uses: { startedAt: number; code: string }[] = [];
      let narrowedAt = Number.POSITIVE_INFINITY;
      let racing = true;
      const creator = (async () => {
        for (let i = 0; racing; i++) {
          const startedAt = performance.now();
          const answer = await api<{ key: string; error?: string }>(
            "POST",
            "/api/v0/auth/apikeys/",
            alice.session,
            {
              name: `racing ${i}`,
              team_id: id,
              permissions: { api: { instance_read: {}, instance_write: {} } },
            },
          );
          if (answer.status === 200) made.push({ key: answer.body.key, startedAt });
          else refused.push({ startedAt, error: answer.body.error });
        }
      })();
      const user = (async () => {
        while (racing) {
          const latest = made.at(-1)?.key ?? alice.key;
          for (const k of [latest, alice.key]) {
            const startedAt = performance.now();
            uses.push({ startedAt, code: (await verify(k, "instance_write")).body.code });
          }
        }
      })();
      // Once a key she made while the role allowed it has been used with instance_write.
      await expect.poll(() => made.length > 0 && uses.some((u) => u.code === "VALID")).toBe(true);
      const edited = await api("PUT", `/api/v0/team/roles/${member?.id}/`, key, {
        permissions: { api: { instance_read: {} } },
      });
      narrowedAt = performance.now();
      expect(edited.status, JSON.stringify(edited.body)).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      racing = false;
      await Promise.all([creator, user]);

      expect(uses.some((u) => u.startedAt < narrowedAt && u.code === "VALID")).toBe(true);
      const after = uses.filter((u) => u.startedAt > narrowedAt);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((u) => u.code !== "FORBIDDEN")).toEqual([]);
      // A key asked for with instance_write after the edit is refused as an escalation...
      expect(made.filter((m) => m.startedAt > narrowedAt)).toEqual([]);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.error).toBe("permission_escalation");
      // ...and every key she made before or during it is cut to the role as it is now.
      expect(made.length).toBeGreaterThan(0);
      for (const k of [alice.key, ...made.map((m) => m.key)]) {
        expect((await verify(k, "instance_write")).body.code).toBe("FORBIDDEN");
        expect((await verify(k, "instance_read")).body.code).toBe("VALID");
      }
    });

    it("stop working on their next request when the member is removed", async () => {
      const { key, id, owner } = await team();
      const alice = await join(key, id, "member");
      expect((await verify(alice.key, "instance_read")).body.code).toBe("VALID");
      const removed = await api<{ revoked_keys: number }>(
        "DELETE",
        `/api/v0/team/members/${alice.userId}/`,
        key,
      );
      expect(removed.status).toBe(200);
      expect(removed.body.revoked_keys).toBe(1);
      expect((await api("GET", "/api/v0/users/current/", alice.key)).status).toBe(401);
      expect((await verify(alice.key)).body.code).toBe("REVOKED");
      // Their personal account is untouched.
      expect((await api("GET", "/api/v0/users/current/", alice.session)).status).toBe(200);
      expect(await events(id)).toContain("team.member_removed");
      // Not the owner, not oneself.
      expect((await api("DELETE", `/api/v0/team/members/${owner.userId}/`, key)).status).toBe(400);
      expect((await api("DELETE", `/api/v0/team/members/${alice.userId}/`, key)).status).toBe(404);
      const audit = await auditActions(key);
      expect(audit.find((r) => r.action === "team.member_remove")?.args.member_id).toBe(
        owner.userId,
      );
    });
  });

  describe("roles", () => {
    it("create, show by name, update by id, delete by name; 409 while held", async () => {
      const { key, id } = await team();
      const created = await api<{ role: { id: number; identifier: string } }>(
        "POST",
        "/api/v0/team/roles/",
        key,
        {
          name: "Read Only",
          permissions: {
            api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 7 } } } } },
          },
        },
      );
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      expect(created.body.role.identifier).toBe("read_only");
      const shown = await api("GET", "/api/v0/team/roles/read only/", key);
      expect(shown.body).toMatchObject({ id: created.body.role.id, name: "Read Only" });
      const dup = await api("POST", "/api/v0/team/roles/", key, {
        name: "READ ONLY",
        permissions: { api: {} },
      });
      expect(dup.status).toBe(400);
      const short = await api("POST", "/api/v0/team/roles/", key, {
        name: "x",
        permissions: { api: {} },
      });
      expect(short.status).toBe(400);
      const invalid = await api("POST", "/api/v0/team/roles/", key, {
        name: "bad",
        permissions: { api: { nonsense: {} } },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.body).toMatchObject({ error: "invalid_permissions" });
      const renamed = await api("PUT", `/api/v0/team/roles/${created.body.role.id}/`, key, {
        name: "Readers",
      });
      expect(renamed.body).toMatchObject({ role: { name: "Readers" } });
      const bob = await join(key, id, "Readers", {
        api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 7 } } } } },
      });
      const held = await api("DELETE", "/api/v0/team/roles/Readers/", key);
      expect(held.status).toBe(409);
      expect(held.body).toMatchObject({ error: "role_in_use" });
      await api("PUT", `/api/v0/team/members/${bob.userId}/roles/`, key, { role: "member" });
      expect((await api("DELETE", "/api/v0/team/roles/Readers/", key)).status).toBe(200);
      expect((await api("GET", "/api/v0/team/roles/Readers/", key)).status).toBe(404);
    });

    it("the owner role is never assigned, edited or removed; built-in roles stay", async () => {
      const { key, id } = await team();
      const alice = await join(key, id, "member");
      const manager = await roleNamed(key, "manager");
      expect(
        (await api("PUT", `/api/v0/team/members/${alice.userId}/roles/`, key, { role: "owner" }))
          .status,
      ).toBe(400);
      expect(
        (await api("PUT", "/api/v0/team/roles/owner/", key, { permissions: { api: {} } })).status,
      ).toBe(400);
      expect((await api("DELETE", "/api/v0/team/roles/owner/", key)).status).toBe(400);
      expect((await api("DELETE", "/api/v0/team/roles/member/", key)).status).toBe(400);
      expect(
        (await api("PUT", `/api/v0/team/roles/${manager?.id}/`, key, { name: "boss" })).status,
      ).toBe(400);
    });

    it("another team's roles and members are not found", async () => {
      const { key } = await team();
      const other = await team("Other");
      const otherRoles = await api<{ id: number; name: string }[]>(
        "GET",
        "/api/v0/team/roles-full/",
        other.key,
      );
      const theirs = otherRoles.body[0]?.id;
      expect((await api("GET", `/api/v0/team/roles/${theirs}/`, key)).status).toBe(404);
      expect(
        (await api("PUT", `/api/v0/team/roles/${theirs}/`, key, { permissions: { api: {} } }))
          .status,
      ).toBe(404);
      expect((await api("DELETE", `/api/v0/team/roles/${theirs}/`, key)).status).toBe(404);
      const ownerOfOther = other.owner.userId;
      expect((await api("DELETE", `/api/v0/team/members/${ownerOfOther}/`, key)).status).toBe(404);
      expect(
        (await api("PUT", `/api/v0/team/members/${ownerOfOther}/roles/`, key, { role: "member" }))
          .status,
      ).toBe(404);
      expect(
        (await api("PUT", "/api/v0/team/transfer/", key, { new_team_owner_id: ownerOfOther }))
          .status,
      ).toBe(404);
    });
  });

  describe("no escalation", () => {
    /** A team with a member holding a role with team_read, team_write and instance_read only. */
    async function lieutenant() {
      const t = await team();
      await api("POST", "/api/v0/team/roles/", t.key, {
        name: "lieutenant",
        permissions: { api: { team_read: {}, team_write: {}, instance_read: {} } },
      });
      const lt = await join(t.key, t.id, "lieutenant", {
        api: { team_read: {}, team_write: {}, instance_read: {} },
      });
      const plain = await join(t.key, t.id, "member");
      return { ...t, lt, plain };
    }

    it("no role beyond one's own rights, created or edited", async () => {
      const { lt } = await lieutenant();
      const create = await api("POST", "/api/v0/team/roles/", lt.key, {
        name: "writer",
        permissions: { api: { instance_write: {} } },
      });
      expect(create.status).toBe(403);
      expect(create.body).toMatchObject({
        error: "permission_escalation",
        beyond: { category: "instance_write" },
      });
      const within = await api<{ role: { id: number } }>("POST", "/api/v0/team/roles/", lt.key, {
        name: "reader",
        permissions: { api: { instance_read: {} } },
      });
      expect(within.status).toBe(200);
      const widen = await api("PUT", `/api/v0/team/roles/${within.body.role.id}/`, lt.key, {
        permissions: { api: { instance_read: {}, billing_read: {} } },
      });
      expect(widen.status).toBe(403);
      expect(widen.body).toMatchObject({
        error: "permission_escalation",
        beyond: { category: "billing_read" },
      });
      // The member role holds instance_write, beyond the lieutenant: not theirs to edit.
      const broader = await api("PUT", "/api/v0/team/roles/member/", lt.key, {
        permissions: { api: { instance_read: {} } },
      });
      expect(broader.status).toBe(403);
      // A narrower constraint is fine; a wider range is not.
      const ranged = await api<{ role: { id: number } }>("POST", "/api/v0/team/roles/", lt.key, {
        name: "one instance",
        permissions: {
          api: { instance_read: { "api.instance.show": { constraints: { id: { eq: 7 } } } } },
        },
      });
      expect(ranged.status).toBe(200);
    });

    it("no assigning a role beyond one's own, no changing one's own role", async () => {
      const { lt, plain } = await lieutenant();
      const own = await api("PUT", `/api/v0/team/members/${lt.userId}/roles/`, lt.key, {
        role: "lieutenant",
      });
      expect(own.status).toBe(400);
      // The plain member's role (instance_write) is beyond the lieutenant's rights.
      const above = await api("PUT", `/api/v0/team/members/${plain.userId}/roles/`, lt.key, {
        role: "lieutenant",
      });
      expect(above.status).toBe(403);
      expect(above.body).toMatchObject({ error: "permission_escalation" });
      const remove = await api("DELETE", `/api/v0/team/members/${plain.userId}/`, lt.key);
      expect(remove.status).toBe(403);
    });

    it("no invitation with a role beyond the inviter's", async () => {
      const { lt } = await lieutenant();
      const manager = await api(
        "POST",
        "/api/v0/team/invite/?email=m@example.com&role=manager",
        lt.key,
      );
      expect(manager.status).toBe(403);
      expect(manager.body).toMatchObject({ error: "permission_escalation" });
      const ok = await api(
        "POST",
        "/api/v0/team/invite/?email=m@example.com&role=lieutenant",
        lt.key,
      );
      expect(ok.status).toBe(200);
    });

    it("a role narrowed below a key's tree cuts the key, whatever the key says", async () => {
      const { key, lt } = await lieutenant();
      await api("PUT", "/api/v0/team/roles/lieutenant/", key, {
        permissions: { api: { instance_read: {} } },
      });
      const members = await api("GET", "/api/v0/team/members/", lt.key);
      expect(members.status).toBe(403);
      expect(members.body).toMatchObject({ required: { category: "team_read" } });
      const write = await api(
        "POST",
        "/api/v0/team/invite/?email=z@example.com&role=member",
        lt.key,
      );
      expect(write.status).toBe(403);
    });

    it("a member with team_read but not team_write gets 403 naming team_write", async () => {
      const t = await team();
      await api("POST", "/api/v0/team/roles/", t.key, {
        name: "viewer",
        permissions: { api: { team_read: {} } },
      });
      const viewer = await join(t.key, t.id, "viewer", { api: { team_read: {} } });
      expect((await api("GET", "/api/v0/team/members/", viewer.key)).status).toBe(200);
      const invite = await api(
        "POST",
        "/api/v0/team/invite/?email=v@example.com&role=viewer",
        viewer.key,
      );
      expect(invite.status).toBe(403);
      expect(invite.body).toMatchObject({
        error: "permission_denied",
        required: { category: "team_write" },
      });
      expect(String(invite.body.msg)).toContain("team_write");
    });

    it("only the owner destroys or transfers; a manager may not", async () => {
      const t = await team();
      const manager = await join(t.key, t.id, "manager", {
        api: { team_read: {}, team_write: {}, user_write: {} },
      });
      expect((await api("DELETE", "/api/v0/team/", manager.key)).status).toBe(403);
      expect(
        (
          await api("PUT", "/api/v0/team/transfer/", manager.key, {
            new_team_owner_id: manager.userId,
          })
        ).status,
      ).toBe(403);
    });
  });

  describe("transfer and destroy", () => {
    it("transfers to a manager only; the old owner becomes a manager", async () => {
      const t = await team();
      const member = await join(t.key, t.id, "member");
      const manager = await join(t.key, t.id, "manager", {
        api: { team_read: {}, user_write: {} },
      });
      const toMember = await api("PUT", "/api/v0/team/transfer/", t.key, {
        new_team_owner_id: member.userId,
      });
      expect(toMember.status).toBe(400);
      const done = await api("PUT", "/api/v0/team/transfer/", t.key, {
        new_team_owner_id: manager.userId,
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      const members = await api<{ id: number; roles: string[] }[]>(
        "GET",
        "/api/v0/team/members/",
        t.key,
      );
      expect(members.body.find((m) => m.id === t.owner.userId)?.roles).toEqual(["manager"]);
      expect(members.body.find((m) => m.id === manager.userId)?.roles).toEqual(["owner"]);
      // The old owner's key has a manager's rights now: no destroying.
      expect((await api("DELETE", "/api/v0/team/", t.key)).status).toBe(403);
      expect(await events(t.id)).toContain("team.transferred");
    });

    it("destroy deletes every team key at once; the calling key becomes personal again", async () => {
      const t = await team();
      const alice = await join(t.key, t.id, "member");
      const second = await createKey(server.url, t.key, { name: "another owner key" });
      const destroyed = await api<{ deleted_keys: number }>("DELETE", "/api/v0/team/", t.key);
      expect(destroyed.status, JSON.stringify(destroyed.body)).toBe(200);
      expect(destroyed.body.deleted_keys).toBe(2);
      for (const dead of [alice.key, second.key]) {
        expect((await api("GET", "/api/v0/users/current/", dead)).status).toBe(401);
        expect((await verify(dead)).body.code).toBe("REVOKED");
      }
      const me = await api<{ id: number; account_kind: string }>(
        "GET",
        "/api/v0/users/current/",
        t.key,
      );
      expect(me.body).toMatchObject({ id: t.owner.userId, account_kind: "person" });
      expect((await api("GET", "/api/v0/team/members/", t.key)).status).toBe(403);
      expect(await server.deps.store.listKeys(t.id, "api")).toEqual([]);
      expect(
        (await api<{ teams: unknown[] }>("GET", "/api/v0/users/current/teams/", alice.session)).body
          .teams,
      ).toEqual([]);
    });
  });
});
