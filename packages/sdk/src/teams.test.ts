import { signUpAndLogIn, startTestServer, type TestServer } from "@latchkey/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Latchkey } from "./latchkey.js";
import { LatchkeyError } from "./latchkeyError.js";

/** Every team method of the SDK against a real server: what the console's Team page calls. */
let server: TestServer;
const client = (apiKey: string) =>
  new Latchkey({ url: server.url, fetch: server.fetch, env: {}, retries: 0, apiKey });

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function refusal(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof LatchkeyError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("teams through the SDK", () => {
  it("creates a team, manages roles, invites, accepts, changes roles, removes, transfers, destroys", async () => {
    const ownerPerson = await signUpAndLogIn(server.url);
    const personal = client(ownerPerson.session);
    const cli = await personal.createApiKey({ name: "cli" });
    const owner = client(cli.key);
    const team = await owner.createTeam({ team_name: "SDK team" });
    expect(team).toMatchObject({ success: true, team_name: "SDK team", role: "owner" });
    expect(await owner.getTeam()).toMatchObject({ id: team.id, role: "owner" });
    expect((await owner.renameTeam("Renamed")).team_name).toBe("Renamed");
    expect(await owner.listRoleNames()).toEqual(["owner", "manager", "member"]);

    const role = await owner.createRole({
      name: "ci",
      permissions: { api: { instance_read: {} } },
    });
    expect(role).toMatchObject({ name: "ci", identifier: "ci", builtin: false });
    expect((await owner.getRole("CI")).id).toBe(role.id);
    expect((await owner.updateRole(role.id, { name: "ci-bots" })).name).toBe("ci-bots");
    expect((await owner.listRoles()).map((r) => r.name)).toEqual(["manager", "member", "ci-bots"]);

    const ana = await signUpAndLogIn(server.url);
    const invited = await owner.inviteMember({ email: ana.email, role: "ci-bots" });
    expect(invited.invitation).toMatchObject({ email: ana.email, role: "ci-bots" });
    expect((await owner.listInvitations()).map((i) => i.id)).toEqual([invited.invitation.id]);
    const anaClient = client(ana.session);
    const mine = await anaClient.myInvitations();
    expect(mine.map((i) => i.team_name)).toEqual(["Renamed"]);
    const joined = await anaClient.acceptInvitation(mine[0]?.id ?? 0);
    expect(joined.member).toMatchObject({ id: ana.userId, roles: ["ci-bots"] });
    expect(await anaClient.myTeams()).toEqual([
      expect.objectContaining({ id: team.id, role: "ci-bots" }),
    ]);
    const anaKey = await anaClient.createApiKey({
      name: "bot",
      team_id: team.id,
      permissions: { api: { instance_read: {} } },
    });
    const keys = await owner.listTeamKeys();
    expect(keys.map((k) => [k.id, k.key, k.role_name])).toContainEqual([anaKey.id, "", "ci-bots"]);

    const denied = await refusal(client(anaKey.key).listMembers());
    expect(denied.status).toBe(403);
    expect(denied.code).toBe("permission_denied");

    const moved = await owner.setMemberRole(ana.userId, { role: "manager" });
    expect(moved.roles).toEqual(["manager"]);
    const inUse = await refusal(owner.deleteRole("manager"));
    expect(inUse.status).toBe(400);
    await owner.deleteRole("ci-bots");
    expect((await owner.listMembers()).map((m) => m.id).sort()).toEqual(
      [ownerPerson.userId, ana.userId].sort(),
    );

    const other = await signUpAndLogIn(server.url);
    const second = await owner.inviteMember({ email: other.email, role: "member" });
    await owner.revokeInvitation(second.invitation.id);
    expect(await owner.listInvitations()).toEqual([]);

    const newOwner = await owner.transferTeam(ana.userId);
    expect(newOwner.roles).toEqual(["owner"]);
    const anaTeamKey = await anaClient.createApiKey({ name: "owner key", team_id: team.id });
    const anaOwner = client(anaTeamKey.key);
    const removed = await anaOwner.removeMember(ownerPerson.userId);
    expect(removed.revoked_keys).toBe(1);
    expect((await refusal(owner.getTeam())).status).toBe(401);
    const destroyed = await anaOwner.destroyTeam();
    expect(destroyed.deleted_keys).toBe(1);
    expect((await anaOwner.currentUser()).account_kind).toBe("person");
  });

  it("opens a team session; account: 'team' sends X-Latchkey-Account so the team cookie is used", async () => {
    const ownerPerson = await signUpAndLogIn(server.url);
    const personal = client(ownerPerson.session);
    const team = await personal.createTeam({ team_name: "Cookies" });
    const opened = await personal.openTeamSession({ team_id: team.id });
    expect(opened).toMatchObject({
      user_id: team.id,
      member_id: ownerPerson.userId,
      role: "owner",
    });
    const secret = opened.session_key ?? "";
    expect((await client(secret).currentUser()).account_kind).toBe("team");
    const teamKey = await personal.createApiKey({ name: "in the team", team_id: team.id });
    expect((await personal.listMyTeamKeys(team.id)).map((k) => k.id)).toEqual([teamKey.id]);
    expect((await personal.listApiKeys()).map((k) => k.id)).not.toContain(teamKey.id);
    expect((await refusal(personal.openTeamSession({ team_id: team.id + 1000 }))).status).toBe(404);

    // As in the browser: no key, both cookies sent; the header picks the team's.
    const sent: Record<string, string>[] = [];
    const jar: typeof fetch = (url, init) => {
      const headers = { ...(init?.headers as Record<string, string>) };
      sent.push(headers);
      headers.cookie = `latchkey_session=${ownerPerson.session}; latchkey_team_session=${secret}`;
      return server.fetch(url, { ...init, headers });
    };
    const cookieClient = (account?: "team") =>
      new Latchkey({
        url: server.url,
        fetch: jar,
        env: {},
        retries: 0,
        ...(account ? { account } : {}),
      });
    expect((await cookieClient("team").currentUser()).id).toBe(team.id);
    expect(sent.at(-1)?.["x-latchkey-account"]).toBe("team");
    expect((await cookieClient().currentUser()).id).toBe(ownerPerson.userId);
    expect(sent.at(-1)?.["x-latchkey-account"]).toBeUndefined();
  });
});
