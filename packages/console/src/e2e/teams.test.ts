import type { BrowserContext, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { consoleHarness, PASSWORD } from "./harness.js";
import { callWithKey, focusLandsOn, screenshot, tabTo } from "./support.js";

/**
 * Teams in the console, in a real Chromium against a real server: the owner creates a team,
 * a role and an invitation; the invitee signs in, accepts, switches to the team (by keyboard)
 * and creates a team key; the owner narrows the role (the key loses those rights on its next
 * request), changes the member's role with the keyboard, and removes them (the key is dead at
 * once). Every key and session is checked with plain HTTP calls, as a script would use them.
 */

const harness = consoleHarness("teams", {
  LATCHKEY_SENSITIVE_RATE_LIMIT: "100",
  LATCHKEY_FAILED_AUTH_LIMIT: "100",
});
const { openConsole, newEmail, signUp } = harness;

const verify = async (key: string, category: string) => {
  const response = await fetch(`${harness.server.url}/api/v0/auth/verify/`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key, category }),
  });
  return (await response.json()) as {
    code: string;
    user_id: number | null;
    member_id: number | null;
    role: string | null;
  };
};

/** The team cookie's value, which the page's script never sees. */
async function teamCookie(context: BrowserContext): Promise<string | undefined> {
  return (await context.cookies()).find((c) => c.name === "latchkey_team_session")?.value;
}

async function noHorizontalOverflow(page: Page): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
    await page.evaluate(() => document.documentElement.clientWidth),
  );
}

/** Opens the switcher with the mouse and picks `name`. */
async function switchWithMouse(page: Page, name: string): Promise<void> {
  await page.locator(".switcher-button").click();
  await page.getByRole("menuitemradio", { name: new RegExp(`^${name}`) }).click();
  await page.locator(".switcher-button", { hasText: name }).waitFor();
}

async function createTeam(page: Page, name: string): Promise<void> {
  await page.getByRole("link", { name: /^Teams/ }).click();
  await page.getByRole("heading", { level: 1, name: "Teams" }).waitFor();
  await page.getByLabel("Team name").fill(name);
  await page.getByRole("button", { name: "Create team" }).click();
  await page.locator(".teams-table th", { hasText: name }).waitFor();
}

describe("teams in the console", () => {
  it("owner creates a team, a role and an invitation; the invitee joins, makes a team key; the owner narrows, changes and removes", async () => {
    const owner = await openConsole();
    owner.page.setDefaultTimeout(15_000);
    const ownerEmail = newEmail();
    const inviteeEmail = newEmail();
    await signUp(owner.page, ownerEmail);
    await createTeam(owner.page, "Acme");
    await screenshot(owner.page, "teams-01-my-teams");

    // Switching opens a team session: an HttpOnly cookie the page cannot read.
    await switchWithMouse(owner.page, "Acme");
    await owner.page.getByRole("heading", { level: 1, name: "Acme" }).waitFor();
    const ownerTeamSession = await teamCookie(owner.context);
    expect(ownerTeamSession).toMatch(/^lks_/);
    expect(await owner.page.evaluate(() => document.cookie)).not.toContain("lks_");
    const cookie = (await owner.context.cookies()).find((c) => c.name === "latchkey_team_session");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    const me = await callWithKey(
      harness.server.url,
      "GET",
      "/api/v0/users/current/",
      ownerTeamSession ?? "",
    );
    expect(me.body).toMatchObject({ account_kind: "team", role: "owner" });
    const teamId = me.body.id as number;

    // A role, with the same editor as a new key: by area here.
    await owner.page.getByRole("button", { name: "New role" }).click();
    const roleDialog = owner.page.getByRole("dialog", { name: "New role" });
    await roleDialog.getByLabel("Name").fill("deployers");
    // No user_read or user_write: the member still lists and makes their team keys.
    await roleDialog
      .getByRole("radiogroup", { name: "Machines" })
      .getByRole("radio", { name: "Read", exact: true })
      .check();
    expect(
      await roleDialog
        .getByRole("radiogroup", { name: "Instances" })
        .getByRole("radio", { name: "Read & write" })
        .isChecked(),
    ).toBe(true);
    await screenshot(owner.page, "teams-02-new-role");
    await roleDialog.getByRole("button", { name: "Create role" }).click();
    await roleDialog.waitFor({ state: "detached" });
    const roleRow = owner.page.locator(".roles-table tr", { hasText: "deployers" });
    await roleRow.waitFor();
    expect(await roleRow.locator("td[data-label=Permissions]").textContent()).toMatch(
      /^Instances: read & write · Machines: read$/,
    );

    // An invitation by email with that role.
    await owner.page.getByLabel("Email").fill(inviteeEmail);
    await owner.page.getByLabel("Role", { exact: true }).selectOption({ label: "deployers" });
    await owner.page.getByRole("button", { name: "Invite", exact: true }).click();
    const pendingRow = owner.page.locator(".pending-table tr", { hasText: inviteeEmail });
    await pendingRow.waitFor();
    expect(await pendingRow.locator("td[data-label=Role]").textContent()).toBe("deployers");
    await screenshot(owner.page, "teams-03-team-page");

    // The invitee signs in and sees the invitation.
    const invitee = await openConsole();
    invitee.page.setDefaultTimeout(15_000);
    await signUp(invitee.page, inviteeEmail);
    const notice = invitee.page.locator(".invitation-notice");
    await notice.getByText("You have an invitation to join a team.").waitFor();
    await screenshot(invitee.page, "teams-04-invitation-notice");
    await notice.getByRole("link", { name: "See invitation" }).click();
    await invitee.page.getByRole("heading", { level: 1, name: "Teams" }).waitFor();
    await invitee.page.getByRole("button", { name: "Accept the invitation to Acme" }).click();
    await invitee.page.locator(".teams-table th", { hasText: "Acme" }).waitFor();
    expect(await invitee.page.locator(".invitation-notice").count()).toBe(0);

    // The switcher by keyboard alone: reach it with Tab, open it with the arrow key, move, pick.
    await invitee.page.getByRole("heading", { level: 1 }).focus();
    await invitee.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await tabTo(invitee.page, ".switcher-button");
    await invitee.page.keyboard.press("ArrowDown");
    await focusLandsOn(invitee.page, '[role=menuitemradio][aria-checked="true"]');
    await screenshot(invitee.page, "teams-05-switcher-open");
    await invitee.page.keyboard.press("ArrowDown");
    await focusLandsOn(invitee.page, '[role=menuitemradio][aria-checked="false"]');
    expect(await invitee.page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Acme/);
    await invitee.page.keyboard.press("Enter");
    await invitee.page.locator(".switcher-button", { hasText: "Acme" }).waitFor();
    await focusLandsOn(invitee.page, ".switcher-button");
    await invitee.page.getByRole("heading", { level: 1, name: "Acme" }).waitFor();
    // Escape closes the menu without switching.
    await invitee.page.keyboard.press("ArrowDown");
    await focusLandsOn(invitee.page, "[role=menuitemradio]");
    await invitee.page.keyboard.press("Escape");
    await focusLandsOn(invitee.page, ".switcher-button");
    expect(await invitee.page.getByRole("menu").count()).toBe(0);

    // The Keys page in the team: the member's team keys.
    await invitee.page.getByRole("link", { name: "Keys" }).click();
    await invitee.page.getByRole("heading", { level: 2, name: "Your keys in Acme" }).waitFor();
    await invitee.page.getByRole("button", { name: "Create your first key" }).click();
    const keyDialog = invitee.page.getByRole("dialog", { name: "New API key" });
    await keyDialog.getByLabel("Name").fill("deploy-bot");
    // Within the role: instances only, written as JSON.
    await keyDialog.getByRole("button", { name: "JSON (advanced)" }).click();
    await keyDialog
      .getByLabel("Permission tree (JSON)")
      .fill('{"api": {"instance_read": {}, "instance_write": {}}}');
    await keyDialog.getByRole("button", { name: "Create key" }).click();
    const secret = await invitee.page.getByTestId("secret-value").inputValue();
    const made = await verify(secret, "instance_write");
    expect(made).toMatchObject({ code: "VALID", user_id: teamId, role: "deployers" });
    const inviteeId = made.member_id;
    await invitee.page.getByRole("button", { name: "Copy", exact: true }).click();
    await invitee.page.getByRole("button", { name: "Done" }).click();
    await invitee.page.getByRole("dialog").waitFor({ state: "detached" });
    await invitee.page.locator(".keys-table th", { hasText: "deploy-bot" }).waitFor();
    await screenshot(invitee.page, "teams-06-team-keys");
    // A key beyond the role is refused, with the server's reason.
    await invitee.page.getByRole("button", { name: "New", exact: true }).click();
    const tooMuch = invitee.page.getByRole("dialog", { name: "New API key" });
    await tooMuch.getByLabel("Name").fill("billing-bot");
    await tooMuch.getByRole("button", { name: "JSON (advanced)" }).click();
    await tooMuch.getByLabel("Permission tree (JSON)").fill('{"api": {"billing_read": {}}}');
    await tooMuch.getByRole("button", { name: "Create key" }).click();
    await tooMuch.getByText(/beyond role 'deployers'/).waitFor();
    await tooMuch.getByRole("button", { name: "Cancel" }).click();

    // The owner sees the member; deleting their role is refused with the server's message.
    await owner.page.reload();
    await owner.page.getByRole("heading", { level: 1, name: "Acme" }).waitFor();
    const memberRow = owner.page.locator(".members-table tr", { hasText: inviteeEmail });
    await memberRow.waitFor();
    await owner.page.getByRole("button", { name: "Delete role deployers" }).click();
    const confirmDelete = owner.page.getByRole("dialog", { name: "Delete role deployers?" });
    await confirmDelete.getByRole("button", { name: "Delete role" }).click();
    await confirmDelete.getByText(/1 member\(s\) hold role 'deployers'/).waitFor();
    await screenshot(owner.page, "teams-07-role-in-use");
    await confirmDelete.getByRole("button", { name: "Cancel" }).click();

    // Narrowing the role: the key loses instance_write on its next request.
    await owner.page.getByRole("button", { name: "Edit role deployers" }).click();
    const editDialog = owner.page.getByRole("dialog", { name: "Edit role deployers" });
    await editDialog
      .getByRole("radiogroup", { name: "Instances" })
      .getByRole("radio", { name: "Read", exact: true })
      .check();
    await editDialog.getByRole("button", { name: "Save role" }).click();
    await editDialog.waitFor({ state: "detached" });
    expect((await verify(secret, "instance_write")).code).toBe("FORBIDDEN");
    expect((await verify(secret, "instance_read")).code).toBe("VALID");

    // The role picker by keyboard: Tab to it, arrow to another role, Tab to Save, Enter.
    await owner.page.getByRole("heading", { level: 1, name: "Acme" }).focus();
    await tabTo(owner.page, `select[aria-label="Role of ${inviteeEmail}"]`);
    await owner.page.keyboard.press("ArrowUp");
    expect(
      await memberRow
        .getByRole("combobox")
        .evaluate((s) => (s as HTMLSelectElement).selectedOptions[0]?.text),
    ).toBe("member");
    // Choosing alone changes nothing on the server; Save does.
    expect((await verify(secret, "instance_write")).code).toBe("FORBIDDEN");
    await owner.page.keyboard.press("Tab");
    await focusLandsOn(owner.page, `button[aria-label="Save the role of ${inviteeEmail}"]`);
    await screenshot(owner.page, "teams-08-role-picker");
    await owner.page.keyboard.press("Enter");
    await memberRow.getByRole("button", { name: /^Save the role/ }).waitFor({ state: "detached" });
    expect((await verify(secret, "instance_write")).role).toBe("member");
    expect((await verify(secret, "instance_write")).code).toBe("VALID");

    // Removing: the confirmation says the keys stop working; then they are dead at once.
    await owner.page.getByRole("button", { name: `Remove ${inviteeEmail}` }).click();
    const confirmRemove = owner.page.getByRole("dialog", { name: `Remove ${inviteeEmail}?` });
    await confirmRemove.getByText("All of their team keys stop working immediately").waitFor();
    await screenshot(owner.page, "teams-09-remove-confirm");
    await confirmRemove.getByRole("button", { name: "Remove member" }).click();
    await confirmRemove.waitFor({ state: "detached" });
    await memberRow.waitFor({ state: "detached" });
    expect((await verify(secret, "instance_read")).code).toBe("REVOKED");
    expect(
      (
        await callWithKey(
          harness.server.url,
          "GET",
          "/api/v0/team/members/",
          ownerTeamSession ?? "",
        )
      ).body,
    ).not.toContainEqual(expect.objectContaining({ id: inviteeId }));

    // The removed member's console: its next team call finds the team session over, and it
    // falls back to the personal account, still signed in.
    const inviteeTeamSession = await teamCookie(invitee.context);
    expect(
      (
        await callWithKey(
          harness.server.url,
          "GET",
          "/api/v0/users/current/",
          inviteeTeamSession ?? "",
        )
      ).status,
    ).toBe(401);
    await invitee.page.getByRole("link", { name: "Team", exact: true }).click();
    await invitee.page.getByText(/Your session in Acme has ended/).waitFor();
    // Said once, though the page's calls all found the session over.
    expect(await invitee.page.getByText(/Your session in Acme has ended/).count()).toBe(1);
    await invitee.page.locator(".switcher-button", { hasText: "Personal" }).waitFor();
    await invitee.page.getByRole("heading", { level: 1, name: "Teams" }).waitFor();
    await screenshot(invitee.page, "teams-10-removed");

    // Signing out ends the team session with the personal one.
    await owner.page.getByRole("button", { name: "Sign out" }).click();
    await owner.page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    expect(
      (
        await callWithKey(
          harness.server.url,
          "GET",
          "/api/v0/users/current/",
          ownerTeamSession ?? "",
        )
      ).status,
    ).toBe(401);
    await owner.context.close();
    await invitee.context.close();
  }, 180_000);

  it("at phone width: no horizontal overflow, the switcher and the role picker reachable", async () => {
    const { context, page } = await openConsole({ width: 390, height: 844, dark: true });
    await signUp(page);
    await createTeam(page, "A team with a rather long name for a phone");
    // A member, signed up and joined over the API.
    const email = newEmail();
    const url = harness.server.url;
    await fetch(`${url}/api/v0/users/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    const login = (await (
      await fetch(`${url}/api/v0/auth/login/`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD }),
      })
    ).json()) as { session_key: string };

    // The switcher, by touch.
    await page.locator(".switcher-button").click();
    await noHorizontalOverflow(page);
    await screenshot(page, "teams-11-phone-switcher");
    await page.getByRole("menuitemradio", { name: /^A team with/ }).click();
    await page.getByRole("heading", { level: 1, name: /^A team with/ }).waitFor();
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Invite", exact: true }).click();
    await page.locator(".pending-table tr", { hasText: email }).waitFor();
    const mine = await callWithKey(
      url,
      "GET",
      "/api/v0/users/current/invitations/",
      login.session_key,
    );
    const invitation = (mine.body.invitations as { id: number }[])[0];
    expect(
      (
        await callWithKey(
          url,
          "POST",
          `/api/v0/team/invitations/${invitation?.id}/accept/`,
          login.session_key,
        )
      ).status,
    ).toBe(200);
    await page.reload();
    const picker = page.getByLabel(`Role of ${email}`);
    await picker.waitFor();
    await noHorizontalOverflow(page);
    await screenshot(page, "teams-12-phone-team");
    // Every control on the page lies inside the viewport's width.
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("button, select, input, a")]
        .filter((el) => el.getClientRects().length > 0)
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return r.left < 0 || r.right > document.documentElement.clientWidth + 0.5;
        })
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(outside).toEqual([]);
    await picker.selectOption({ label: "manager" });
    await page.getByRole("button", { name: `Save the role of ${email}` }).click();
    await page
      .getByRole("button", { name: `Save the role of ${email}` })
      .waitFor({ state: "detached" });
    const members = await callWithKey(
      url,
      "GET",
      "/api/v0/users/current/teams/",
      login.session_key,
    );
    expect(members.body.teams).toEqual([expect.objectContaining({ role: "manager" })]);
    await page.getByRole("button", { name: "New role" }).click();
    await page.getByRole("dialog", { name: "New role" }).waitFor();
    await noHorizontalOverflow(page);
    await screenshot(page, "teams-13-phone-role-dialog");
    await context.close();
  }, 120_000);
});
