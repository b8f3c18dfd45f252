import { startTestServer } from "@latchkey/testkit";
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { consoleHarness, PASSWORD } from "./harness.js";
import { callWithKey, focusLandsOn, screenshot, tabTo } from "./support.js";

/**
 * The console in a real Chromium against a real server (SQLite in a temp dir): every step a
 * user takes on the Keys page, and the key it hands out checked with plain HTTP calls.
 */

const KEY_SHAPE = /^lk_[0-9A-Za-z]{46}$/;

// Five accounts sign up from 127.0.0.1 within a minute, and the tests use dead keys on
// purpose: limits above the defaults keep the per-IP rate limits out of this test's way.
const harness = consoleHarness("console", {
  LATCHKEY_SENSITIVE_RATE_LIMIT: "100",
  LATCHKEY_FAILED_AUTH_LIMIT: "100",
});
const { openConsole, newEmail, signUp } = harness;

/** The text of an element, as a reader sees it. */
async function text(locator: Locator): Promise<string> {
  return (await locator.textContent()) ?? "";
}

async function readSecret(page: Page): Promise<string> {
  const field = page.getByTestId("secret-value");
  await field.waitFor();
  return field.inputValue();
}

describe("console", () => {
  it("signs up, creates a read-only key from a preset, uses, resets and deletes it", async () => {
    const { context, page } = await openConsole();
    const email = newEmail();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await screenshot(page, "01-sign-in");
    await page.getByRole("link", { name: "Create account" }).click();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await screenshot(page, "02-sign-up");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await page.getByText("No API keys yet").waitFor();
    await page.locator(".account-email", { hasText: email }).waitFor();
    await screenshot(page, "03-keys-empty");

    // The session is an HttpOnly cookie: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain("latchkey_session");
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "latchkey_session");
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe("Strict");

    await page.getByRole("button", { name: "New", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.waitFor();
    await dialog.getByLabel("Name").fill("dashboard");
    await dialog.getByRole("button", { name: /^Read-only/ }).click();
    expect(
      await dialog.getByRole("button", { name: /^Read-only/ }).getAttribute("aria-pressed"),
    ).toBe("true");
    expect(
      await dialog
        .getByRole("radiogroup", { name: "Instances" })
        .getByRole("radio", { name: "Read", exact: true })
        .isChecked(),
    ).toBe(true);
    expect(
      await dialog
        .getByRole("radiogroup", { name: "Billing" })
        .getByRole("radio", { name: "No access" })
        .isChecked(),
    ).toBe(true);
    await screenshot(page, "04-create-dialog");
    await dialog.getByRole("button", { name: "Create key" }).click();

    const secret = await readSecret(page);
    expect(secret).toMatch(KEY_SHAPE);
    await page.getByText("It will not be shown again").waitFor();
    await screenshot(page, "05-key-shown-once");

    // The shown value is a working key with exactly the preset's rights.
    const current = await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", secret);
    expect(current.status).toBe(200);
    expect(current.body.email).toBe(email);
    const keyId = current.body.key_id as number;
    const denied = await callWithKey(harness.server.url, "POST", "/api/v0/auth/apikeys/", secret, {
      name: "escalate",
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe("permission_denied");

    // Closing before copying asks first; the value is not shown again afterwards.
    await page.keyboard.press("Escape");
    await page.getByText("You have not copied the key.").waitFor();
    await screenshot(page, "06-close-unconfirmed");
    await page.getByRole("button", { name: "Close without copying" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await page.content()).not.toContain(secret);

    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    await row.waitFor();
    expect(await text(row.locator("th"))).toBe("dashboard");
    // prefix…last4: the start and the end of the secret, never the middle.
    const hint = await text(row.locator("code.key-hint"));
    const [shownPrefix = "", shownLast4 = ""] = hint.split("…");
    expect(secret.startsWith(shownPrefix) && shownPrefix.startsWith("lk_")).toBe(true);
    expect(shownLast4).toBe(secret.slice(-4));
    expect(await text(row.locator("td[data-label=Permissions]"))).toBe("Read-only");
    await screenshot(page, "07-keys-table");

    // Reset: confirmation first, then the new value once; the old one is dead at once.
    await page.getByRole("button", { name: "Reset dashboard" }).click();
    const confirmReset = page.getByRole("dialog", { name: "Reset “dashboard”?" });
    await confirmReset.getByText("stops working immediately").waitFor();
    await screenshot(page, "08-reset-confirm");
    await confirmReset.getByRole("button", { name: "Reset key" }).click();
    const renewed = await readSecret(page);
    expect(renewed).toMatch(KEY_SHAPE);
    expect(renewed).not.toBe(secret);
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Copied", exact: true }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(renewed);
    await screenshot(page, "09-reset-shown-once");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    expect(
      (await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", secret)).status,
    ).toBe(401);
    const afterReset = await callWithKey(
      harness.server.url,
      "GET",
      "/api/v0/users/current/",
      renewed,
    );
    expect(afterReset.status).toBe(200);
    expect(afterReset.body.key_id).toBe(keyId);
    expect(await text(row.locator("code.key-hint"))).toMatch(new RegExp(`…${renewed.slice(-4)}$`));

    // Delete: confirmation, the row goes, the key is refused.
    await page.getByRole("button", { name: "Delete dashboard" }).click();
    const confirmDelete = page.getByRole("dialog", { name: "Delete “dashboard”?" });
    await confirmDelete.waitFor();
    await screenshot(page, "10-delete-confirm");
    await confirmDelete.getByRole("button", { name: "Delete key" }).click();
    await row.waitFor({ state: "detached" });
    await page.getByText("No API keys yet").waitFor();
    expect(
      (await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", renewed)).status,
    ).toBe(401);

    // The audit log shows what happened, filterable by action.
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    for (const action of ["api_key.create", "api_key.reset", "api_key.delete", "api_key.denied"]) {
      await page.locator(`tr[data-action="${action}"]`).first().waitFor();
    }
    await screenshot(page, "11-audit-log");
    await page.getByLabel("Action").selectOption("api_key.reset");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll("tbody tr")].every(
        (tr) => tr.getAttribute("data-action") === "api_key.reset",
      ),
    );
    expect(await page.locator("tbody tr").count()).toBe(1);
    expect(page.url()).toContain("#/audit?action=api_key.reset");
    // Filtering by the key that was refused shows its denied use.
    await page.getByLabel("Action").selectOption("");
    await page.getByLabel("Key ID").fill(String(keyId));
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.locator('tr[data-action="api_key.denied"]').first().waitFor();
    expect(
      await page
        .locator("tbody tr")
        .evaluateAll((rows) =>
          rows.map((r) => r.querySelector("[data-label='Key ID']")?.textContent),
        ),
    ).toEqual(expect.arrayContaining([String(keyId)]));
    expect(new Set(await page.locator("tbody td[data-label='Key ID']").allInnerTexts())).toEqual(
      new Set([String(keyId)]),
    );
    await screenshot(page, "12-audit-log-filtered");

    // Sign out ends the session: the cookie no longer works.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    const after = await page.evaluate(async () => (await fetch("/api/v0/users/current/")).status);
    expect(after).toBe(401);

    // Sign in again: a wrong password is refused with the server's message, the right one works.
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "The email or password is wrong." }).waitFor();
    await screenshot(page, "12b-sign-in-refused");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await page.getByText("No API keys yet").waitFor();
    await context.close();
  }, 180_000);

  it("lists sessions, marks this device, ends one or all others, and notices its own end", async () => {
    const { context, page } = await openConsole();
    const email = newEmail();
    await signUp(page, email);
    // Other devices: logins through the API.
    const logIn = async (agent: string) => {
      const answer = await fetch(`${harness.server.url}/api/v0/auth/login/`, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": agent },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      return ((await answer.json()) as { session_key: string }).session_key;
    };
    const works = async (session: string) =>
      (await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", session)).status;
    const curl = await logIn("curl/8.5.0");
    const node = await logIn("node");
    expect(await works(curl)).toBe(200);

    await page.getByRole("link", { name: "Sessions" }).click();
    await page.getByRole("heading", { level: 1, name: "Sessions" }).waitFor();
    const rows = page.locator("tbody tr");
    await page.getByText("This device").waitFor();
    expect(await rows.count()).toBe(3);
    expect(await text(page.locator("tbody tr", { hasText: "This device" }))).toContain(
      "Chrome on Linux",
    );
    await screenshot(page, "13-sessions");

    // End one.
    await page.getByRole("button", { name: /^End session on curl/ }).click();
    await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 2);
    expect(await works(curl)).toBe(401);
    expect(await works(node)).toBe(200);

    // End all others, after a confirmation; this device stays signed in.
    await page.getByRole("button", { name: "Sign out all other sessions" }).click();
    const confirm = page.getByRole("dialog", { name: "Sign out all other sessions?" });
    await confirm.getByText("1 other device").waitFor();
    await confirm.getByRole("button", { name: "Sign out others" }).click();
    await confirm.waitFor({ state: "detached" });
    await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
    expect(await works(node)).toBe(401);
    expect(
      await page.getByRole("button", { name: "Sign out all other sessions" }).isDisabled(),
    ).toBe(true);

    // This session ended from elsewhere: the next call sends the console to the sign-in page.
    const elsewhere = await logIn("curl/8.5.0");
    const listed = await callWithKey(
      harness.server.url,
      "GET",
      "/api/v0/auth/sessions/",
      elsewhere,
    );
    const browserSession = (listed.body.sessions as { id: number; current: boolean }[]).find(
      (s) => !s.current,
    );
    expect(
      (
        await callWithKey(
          harness.server.url,
          "DELETE",
          `/api/v0/auth/sessions/${browserSession?.id}/`,
          elsewhere,
        )
      ).status,
    ).toBe(200);
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByText("Your session has ended. Sign in again to continue.").waitFor();
    await page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await screenshot(page, "14-session-ended");
    await context.close();
  }, 120_000);

  it("creates a key with the keyboard alone, focus kept inside the dialog", async () => {
    const { context, page } = await openConsole();
    const email = newEmail();
    // Sign up by keyboard too.
    await tabTo(page, 'a[href="#/signup"]');
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await tabTo(page, "input[type=email]");
    await page.keyboard.type(email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();

    await tabTo(page, "button.button-primary:not(.button-block)");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("New");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(
      await dialog.getByLabel("Name").getAttribute("id"),
    );
    await page.keyboard.type("ci deploys");

    // Focus stays inside the modal however far one tabs.
    for (let i = 0; i < 45; i++) {
      await page.keyboard.press("Tab");
      const inside = await page.evaluate(
        () => document.activeElement?.closest("dialog[open]") !== null,
      );
      expect(inside).toBe(true);
    }

    // Preset "instances" by keyboard, then Billing raised from No access to Read with an arrow.
    await tabTo(page, 'button[data-preset="instances"]');
    await page.keyboard.press("Space");
    await screenshot(page, "14b-keyboard-preset-focus");
    await tabTo(page, 'input[type=radio][name$="-billing"]:checked');
    await page.keyboard.press("ArrowRight");
    expect(
      await dialog
        .getByRole("radiogroup", { name: "Billing" })
        .getByRole("radio", { name: "Read", exact: true })
        .isChecked(),
    ).toBe(true);
    await tabTo(page, "button[type=submit]");
    await page.keyboard.press("Enter");

    const secret = await readSecret(page);
    expect(secret).toMatch(KEY_SHAPE);
    // Focus moves to the Copy button: Enter copies, then Tab reaches Done.
    await focusLandsOn(page, "dialog[open] .secret-row button");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Copy");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Copied", exact: true }).waitFor();
    await tabTo(page, "dialog[open] .dialog-actions button");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    // Focus goes back to the button that opened the dialog.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain("New");

    const shown = await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", secret);
    expect(shown.status).toBe(200);
    const key = await callWithKey(
      harness.server.url,
      "GET",
      `/api/v0/auth/apikeys/${shown.body.key_id}/`,
      secret,
    );
    expect(key.body.name).toBe("ci deploys");
    expect(key.body.permissions).toEqual({
      api: {
        misc: {},
        user_read: {},
        instance_read: {},
        instance_write: {},
        billing_read: {},
      },
    });
    const row = page.locator(`tr[data-key-id="${shown.body.key_id}"]`);
    expect(await text(row.locator("td[data-label=Permissions]"))).toBe(
      "User: read · Instances: read & write · Billing: read · Miscellaneous",
    );
    await context.close();
  }, 180_000);

  it("shows the server's invalid_permissions message at the offending node of the JSON", async () => {
    const { context, page } = await openConsole();
    await signUp(page, newEmail());
    await page.getByRole("button", { name: "New", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Name").fill("reboot 1227 only");
    await dialog.getByRole("button", { name: "JSON (advanced)" }).click();
    const editor = dialog.getByLabel("Permission tree (JSON)");
    expect(await editor.inputValue()).toBe("null");
    const tree = [
      "{",
      '  "api": {',
      '    "instance_read": {},',
      '    "instance_write": {',
      '      "api.instance.reboot": {"constraints": {"id": {"eq": 1227}}},',
      '      "api.instance.explode": {}',
      "    }",
      "  }",
      "}",
    ].join("\n");
    await editor.fill(tree);
    await dialog.getByRole("button", { name: "Create key" }).click();

    const problem = dialog.locator(".field-error[role=alert]");
    await problem.waitFor();
    expect(await text(problem)).toContain("Line 6");
    expect(await text(problem)).toContain("/api/instance_write/api.instance.explode");
    expect(await text(problem)).toContain("unknown route 'api.instance.explode'");
    expect(await editor.getAttribute("aria-invalid")).toBe("true");
    // The offending key is selected and painted, and its line number marked.
    const selected = await editor.evaluate((el) => {
      const area = el as HTMLTextAreaElement;
      return area.value.slice(area.selectionStart, area.selectionEnd);
    });
    expect(selected).toBe('"api.instance.explode"');
    expect(await text(dialog.locator(".json-layer mark"))).toBe('"api.instance.explode"');
    expect(await text(dialog.locator(".json-gutter-error"))).toContain("6");
    await screenshot(page, "15-json-error");

    // Fixed, the route-level tree with its constraint is accepted as written.
    await editor.fill(tree.replace(',\n      "api.instance.explode": {}', ""));
    await dialog.getByRole("button", { name: "Create key" }).click();
    const secret = await readSecret(page);
    const show = await callWithKey(harness.server.url, "GET", "/api/v0/users/current/", secret);
    expect(show.status).toBe(403);
    const keys = await page.evaluate(async () => (await fetch("/api/v0/auth/apikeys/")).json());
    expect(keys.apikeys[0].permissions).toEqual({
      api: {
        instance_read: {},
        instance_write: { "api.instance.reboot": { constraints: { id: { eq: 1227 } } } },
      },
    });
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await text(page.locator("td[data-label=Permissions]"))).toBe(
      "instance_read · instance_write: 1 route with constraints",
    );
    await context.close();
  }, 120_000);

  it("shows a placeholder while loading, and says so when the server cannot be reached", async () => {
    // A server of its own, so that it can be stopped.
    const own = await startTestServer({}, { listen: true });
    try {
      const context = await harness.browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      await page.goto(own.url);
      await signUp(page, newEmail());
      // The list request is held (then passed on unchanged) to see the first-load state.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route("**/api/v0/auth/apikeys/", async (route) => {
        await held;
        await route.continue();
      });
      await page.reload();
      await page
        .getByRole("status")
        .filter({ hasText: "Loading keys…" })
        .waitFor({ state: "attached" });
      expect(await page.locator(".table-skeleton .skeleton-row").count()).toBe(3);
      await screenshot(page, "19-keys-loading");
      release();
      await page.getByText("No API keys yet").waitFor();
      await page.unroute("**/api/v0/auth/apikeys/");

      await own.close();
      await page.getByRole("link", { name: "Sessions" }).click();
      const alert = page.getByRole("alert").filter({ hasText: "Sessions could not be loaded" });
      await alert.waitFor({ timeout: 20_000 });
      await alert.getByRole("button", { name: "Try again" }).waitFor();
      await screenshot(page, "20-sessions-unreachable");
      await context.close();
    } finally {
      await own.close().catch(() => {});
    }
  }, 120_000);

  it("works at phone width and in the dark theme", async () => {
    const { context, page } = await openConsole({ width: 390, height: 844, dark: true });
    await signUp(page, newEmail());
    await page.getByRole("button", { name: "New", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    await dialog.getByLabel("Name").fill("phone");
    await dialog.getByRole("button", { name: /^Instance management, no billing/ }).click();
    await screenshot(page, "16-phone-dark-create");
    // Nothing is wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await dialog.getByRole("button", { name: "Create key" }).click();
    await readSecret(page);
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.locator("tbody tr").first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await screenshot(page, "17-phone-dark-keys");
    await context.close();

    const light = await openConsole({ width: 390, height: 844 });
    await light.page.getByRole("heading", { name: "Sign in to the console" }).waitFor();
    await screenshot(light.page, "18-phone-light-sign-in");
    await light.context.close();
  }, 120_000);
});
