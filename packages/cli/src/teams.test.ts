import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { call, createKey, signUpAndLogIn } from "@latchkey/testkit";
import { describe, expect, it } from "vitest";
import { parseJson } from "./testing/cliProcess.js";
import { cliTestServer } from "./testing/cliTestServer.js";

/**
 * The team commands, with Vast's names and flags, through the real CLI process against a real
 * server: one person creates a team, a role, invites a second person, who accepts and makes a
 * team key; the owner narrows the role and the key loses those rights, then removes the member
 * and the key stops working.
 */

const t = cliTestServer();

const verify = async (key: string, category: string) =>
  (
    await call<{ code: string }>(t.server.url, "POST", "/api/v0/auth/verify/", {
      body: { key, category },
    })
  ).body.code;

describe("latchkey team commands", () => {
  it("say where to find a team's id or a role's name when the server finds none", async () => {
    const key = (await createKey(t.server.url, t.account.session, { name: "hints" })).key;
    const cli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: key } });
    const noTeam = await cli(["create", "api-key", "--name", "x", "--team", "999999"]);
    expect(noTeam.code).toBe(4);
    expect(noTeam.stderr).toContain("Team 999999 not found among your teams.");
    expect(noTeam.stderr).toContain("check the team id: 'latchkey accept invitation' printed it");
    expect(noTeam.stderr).not.toContain("show api-keys");
    const noKey = await cli(["show", "api-key", "999999"]);
    expect(noKey.code).toBe(4);
    expect(noKey.stderr).toContain("'latchkey show api-keys' lists your keys");
  });

  it("create team, roles, invite, accept, narrow, remove, transfer and destroy", async () => {
    const ownerKey = (await createKey(t.server.url, t.account.session, { name: "cli" })).key;
    const owner = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: ownerKey } });

    const created = await owner(["create", "team", "--team-name", "Acme"]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created team \d+ "Acme"/);
    const team = parseJson<{ id: number; team_name: string }>(
      await owner(["show", "members", "--raw"]),
    );
    expect(Array.isArray(team)).toBe(true);
    const teamId = parseJson<{ id: number; account_kind: string }>(
      await owner(["show", "user", "--raw"]),
    );
    expect(teamId.account_kind).toBe("team");

    const file = join(t.home.env.HOME, "ci.json");
    writeFileSync(file, JSON.stringify({ api: { instance_read: {}, instance_write: {} } }));
    const role = await owner(["create", "team-role", "--name", "ci", "--permissions", file]);
    expect(role.code, role.stderr).toBe(0);
    const shown = await owner(["show", "team-role", "ci"]);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      name: "ci",
      permissions: { api: { instance_read: {}, instance_write: {} } },
    });
    const roles = await owner(["show", "team-roles"]);
    expect(roles.stdout).toContain("ci");
    expect(roles.stdout).toContain("manager (built-in)");

    const ana = await signUpAndLogIn(t.server.url);
    const anaCli = (args: string[]) => t.cli(args, { env: { LATCHKEY_API_KEY: ana.session } });
    const invited = await owner(["invite", "member", "--email", ana.email, "--role", "ci"]);
    expect(invited.code, invited.stderr).toBe(0);
    expect(invited.stdout).toContain(`Invited ${ana.email} as 'ci'`);
    const pending = parseJson<{ invitations: { id: number }[] }>(
      await anaCli(["show", "invitations", "--raw"]),
    );
    expect(pending.invitations).toHaveLength(1);
    const accepted = await anaCli(["accept", "invitation", String(pending.invitations[0]?.id)]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain("You joined team 'Acme' as 'ci'");

    const keyAnswer = parseJson<{ key: string; user_id: number }>(
      await anaCli([
        "create",
        "api-key",
        "--name",
        "ana ci",
        "--team",
        String(teamId.id),
        "--permissions",
        JSON.stringify({ api: { instance_read: {}, instance_write: {} } }),
        "--raw",
      ]),
    );
    expect(keyAnswer.user_id).toBe(teamId.id);
    expect(await verify(keyAnswer.key, "instance_write")).toBe("VALID");

    const members = await owner(["show", "members"]);
    expect(members.stdout).toContain(ana.email);

    const roleId = parseJson<{ id: number }>(await owner(["show", "team-role", "ci", "--raw"])).id;
    writeFileSync(file, JSON.stringify({ api: { instance_read: {} } }));
    const narrowed = await owner(["update", "team-role", String(roleId), "--permissions", file]);
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(await verify(keyAnswer.key, "instance_write")).toBe("FORBIDDEN");
    expect(await verify(keyAnswer.key, "instance_read")).toBe("VALID");

    const inUse = await owner(["remove", "team-role", "ci"]);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain("1 member(s) hold role 'ci'");

    const removed = await owner(["remove", "member", String(ana.userId)]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain("1 of their team credentials stopped working");
    expect(await verify(keyAnswer.key, "instance_read")).toBe("REVOKED");
    expect((await owner(["remove", "team-role", "ci", "--raw"])).code).toBe(0);

    // Transfer needs a manager.
    const bob = await signUpAndLogIn(t.server.url);
    await owner(["invite", "member", "--email", bob.email, "--role", "manager"]);
    const bobInvitation = parseJson<{ invitations: { id: number }[] }>(
      await t.cli(["show", "invitations", "--raw"], { env: { LATCHKEY_API_KEY: bob.session } }),
    ).invitations[0]?.id;
    await t.cli(["accept", "invitation", String(bobInvitation)], {
      env: { LATCHKEY_API_KEY: bob.session },
    });
    const badTransfer = await owner(["transfer", "team", "--to", "abc"]);
    expect(badTransfer.code).not.toBe(0);
    expect(badTransfer.stderr).toContain("--to");
    const transferred = await owner(["transfer", "team", "--to", String(bob.userId), "--raw"]);
    expect(transferred.code, transferred.stderr).toBe(0);
    expect(parseJson<{ roles: string[] }>(transferred).roles).toEqual(["owner"]);

    const bobKey = parseJson<{ key: string }>(
      await t.cli(["create", "api-key", "--name", "owner", "--team", String(teamId.id), "--raw"], {
        env: { LATCHKEY_API_KEY: bob.session },
      }),
    ).key;
    const refused = await t.cli(["destroy", "team"], { env: { LATCHKEY_API_KEY: bobKey } });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("--yes");
    const destroyed = await t.cli(["destroy", "team", "--yes"], {
      env: { LATCHKEY_API_KEY: bobKey },
    });
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(await verify(ownerKey, "instance_read")).toBe("REVOKED");
    const back = parseJson<{ account_kind: string; id: number }>(
      await t.cli(["show", "user", "--raw"], { env: { LATCHKEY_API_KEY: bobKey } }),
    );
    expect(back).toMatchObject({ account_kind: "person", id: bob.userId });
  });
});
