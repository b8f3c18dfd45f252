import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { consoleHarness } from "./harness.js";
import { callWithKey, focusLandsOn, screenshot, tabTo } from "./support.js";

/**
 * The console's parts of "beyond the reference" in a real Chromium against a real server: a
 * reset with an overlap and its early end, the lifecycle policy, and usage per key. What the
 * page shows is checked against plain HTTP calls with the keys and the API's own answers.
 */

const DAY = 86_400_000;

const harness = consoleHarness("lifecycle");
const { openConsole, signUp } = harness;

/** A GET with the page's session cookie, as the console itself would make it. */
async function getJson<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => {
    const answer = await fetch(p);
    if (!answer.ok) throw new Error(`${p}: HTTP ${answer.status}`);
    return answer.json();
  }, path) as Promise<T>;
}

interface KeyView {
  id: number;
  expires_at: string | null;
  previous_expires_at: string | null;
}

/** Creates a key through the +New dialog and returns its shown-once value. */
async function createKey(
  page: Page,
  name: string,
  setup: (dialog: Locator) => Promise<void> = async () => {},
): Promise<string> {
  await page.getByRole("button", { name: "New", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.getByLabel("Name").fill(name);
  await setup(dialog);
  await dialog.getByRole("button", { name: "Create key" }).click();
  const field = page.getByTestId("secret-value");
  await field.waitFor();
  const secret = await field.inputValue();
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await page.getByRole("button", { name: "Done" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  return secret;
}

const me = (key: string) => callWithKey(harness.server.url, "GET", "/api/v0/users/current/", key);

describe("console: beyond the reference", () => {
  it("resets with a 1-hour overlap, shows until when the old value works, and ends it early", async () => {
    const { context, page } = await openConsole();
    await signUp(page);
    const old = await createKey(page, "deploy");
    const keyId = (await me(old)).body.key_id as number;
    const row = page.locator(`tr[data-key-id="${keyId}"]`);

    await page.getByRole("button", { name: "Reset deploy" }).click();
    const confirm = page.getByRole("dialog", { name: "Reset “deploy”?" });
    // No overlap is the default, and says the old value stops at once.
    expect(await confirm.getByRole("radio", { name: /^No overlap/ }).isChecked()).toBe(true);
    await confirm.getByText("stops working immediately").waitFor();
    await confirm.getByRole("radio", { name: /^1 hour/ }).check();
    await confirm.getByText("Both values work for 1 hour").waitFor();
    await screenshot(page, "30-reset-grace-choice");
    const before = Date.now();
    await confirm.getByRole("button", { name: "Reset key" }).click();

    const field = page.getByTestId("secret-value");
    await field.waitFor();
    const renewed = await field.inputValue();
    expect(renewed).not.toBe(old);
    const note = page.getByTestId("grace-until");
    expect(await note.textContent()).toMatch(
      /The old value \(lk_\w+…\w{4}\) stops in (1 hour|60 minutes) \(/,
    );
    await screenshot(page, "31-reset-grace-shown-once");
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });

    // Both values work, as the same key, during the overlap.
    const withOld = await me(old);
    const withNew = await me(renewed);
    expect([withOld.status, withNew.status]).toEqual([200, 200]);
    expect([withOld.body.key_id, withNew.body.key_id]).toEqual([keyId, keyId]);

    // The row says until when, relative and absolute, the same time the API gives.
    const key = await getJson<KeyView>(page, `/api/v0/auth/apikeys/${keyId}/`);
    const until = Date.parse(String(key.previous_expires_at));
    expect(until).toBeGreaterThanOrEqual(before + 3_600_000 - 2000);
    expect(until).toBeLessThanOrEqual(Date.now() + 3_600_000 + 2000);
    const rowNote = row.getByTestId("grace-note");
    expect(await rowNote.locator("time").getAttribute("datetime")).toBe(key.previous_expires_at);
    const noteText = (await rowNote.textContent()) ?? "";
    expect(noteText).toMatch(/Old value still works; it stops in (1 hour|60 minutes) \(.+\)/);
    await screenshot(page, "32-keys-row-old-value-pending");

    // End it early, after a confirmation: the old value is refused, the new one goes on.
    await row.getByRole("button", { name: "Stop the old value of deploy now" }).click();
    const end = page.getByRole("dialog", { name: "Stop the old value of “deploy” now?" });
    await end.getByText("anything still using it gets 401 at once").waitFor();
    await screenshot(page, "33-end-old-value-confirm");
    await end.getByRole("button", { name: "Stop the old value" }).click();
    await end.waitFor({ state: "detached" });
    await rowNote.waitFor({ state: "detached" });
    expect((await me(old)).status).toBe(401);
    expect((await me(renewed)).status).toBe(200);
    const ended = await getJson<KeyView>(page, `/api/v0/auth/apikeys/${keyId}/`);
    expect(ended.previous_expires_at).toBeNull();
    await screenshot(page, "34-keys-row-old-value-ended");

    // A plain reset still kills the value at once.
    await page.getByRole("button", { name: "Reset deploy" }).click();
    await page.getByRole("button", { name: "Reset key" }).click();
    await page.getByTestId("secret-value").waitFor();
    expect(await page.getByTestId("grace-until").count()).toBe(0);
    const third = await page.getByTestId("secret-value").inputValue();
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    expect((await me(renewed)).status).toBe(401);
    expect((await me(third)).status).toBe(200);
    await context.close();
  }, 180_000);

  it("sets a maximum key lifetime in Settings; new keys get it as their expiry", async () => {
    const { context, page } = await openConsole();
    await signUp(page);
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
    const lifetime = page.getByRole("switch", { name: "Maximum key lifetime" });
    const reminders = page.getByRole("switch", { name: "Expiry reminders" });
    const unused = page.getByRole("switch", { name: "Delete unused keys" });
    await lifetime.waitFor();
    // Every rule is off by default.
    expect([
      await lifetime.isChecked(),
      await reminders.isChecked(),
      await unused.isChecked(),
    ]).toEqual([false, false, false]);
    const lifetimeDays = page.getByLabel("Maximum key lifetime: days after creation");
    expect(await lifetimeDays.isDisabled()).toBe(true);
    await screenshot(page, "35-settings-policy-off");

    // The console refuses what is not a number of days; the server judges the range.
    await lifetime.check();
    await lifetimeDays.fill("thirty");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByText("Enter a whole number of days, 1 or more").waitFor();
    expect(await lifetimeDays.getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-field"))).toBe(
      "max_key_lifetime_days",
    );
    await lifetimeDays.fill("5000");
    await page.getByRole("button", { name: "Save policy" }).click();
    const refused = page.locator('[data-rule="max_key_lifetime_days"] .field-error');
    await refused.getByText("The server refused this").waitFor();
    expect(await refused.textContent()).toContain("3650");
    await screenshot(page, "36-settings-policy-server-error");
    const unchanged = await getJson<Record<string, unknown>>(page, "/api/v0/users/current/policy/");
    expect(unchanged.max_key_lifetime_days).toBeNull();

    await lifetimeDays.fill("30");
    await reminders.check();
    await page.getByLabel("Expiry reminders: days before expiry").fill("5");
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.locator(".form-actions").getByRole("status").getByText("Saved.").waitFor();
    await screenshot(page, "37-settings-policy-saved");
    expect(await getJson(page, "/api/v0/users/current/policy/")).toEqual({
      max_key_lifetime_days: 30,
      expiry_reminder_days: 5,
      revoke_unused_after_days: null,
    });
    // Turning the unused-key rule on shows what it would do; leaving it unsaved changes nothing.
    await unused.check();
    await page.getByText("Unsaved changes.").waitFor();
    await page.getByRole("button", { name: "Discard changes" }).click();
    expect(await unused.isChecked()).toBe(false);

    // The create dialog follows the policy: no "Never", the maximum chosen and explained.
    await page.getByRole("link", { name: "Keys" }).click();
    await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    await page.getByRole("button", { name: "New", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "New API key" });
    const expires = dialog.getByLabel("Expires");
    await dialog.getByTestId("max-lifetime-hint").waitFor();
    expect(await expires.locator("option").allTextContents()).toEqual([
      "In 7 days",
      "In 30 days (the maximum)",
    ]);
    expect(await expires.inputValue()).toBe("30");
    await dialog.getByLabel("Name").fill("bounded");
    await expires.focus();
    await dialog.getByTestId("max-lifetime-hint").scrollIntoViewIfNeeded();
    await screenshot(page, "38-create-under-max-lifetime");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });

    const before = Date.now();
    const bounded = await createKey(page, "bounded");
    const boundedId = (await me(bounded)).body.key_id as number;
    const shown = await getJson<KeyView>(page, `/api/v0/auth/apikeys/${boundedId}/`);
    const expiresAt = Date.parse(String(shown.expires_at));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY - 2000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY + 2000);
    const week = await createKey(page, "week", (d) =>
      d
        .getByLabel("Expires")
        .selectOption("7")
        .then(() => {}),
    );
    const weekKey = await getJson<KeyView>(
      page,
      `/api/v0/auth/apikeys/${(await me(week)).body.key_id}/`,
    );
    expect(Math.abs(Date.parse(String(weekKey.expires_at)) - (Date.now() + 7 * DAY))).toBeLessThan(
      60_000,
    );
    await context.close();
  }, 180_000);

  it("shows a key's verified and denied requests on its row and in a chart with a table", async () => {
    const { context, page } = await openConsole();
    await signUp(page);
    const secret = await createKey(page, "dashboard", async (d) => {
      await d.getByRole("button", { name: /^Read-only/ }).click();
    });
    const keyId = (await me(secret)).body.key_id as number;
    const row = page.locator(`tr[data-key-id="${keyId}"]`);
    for (let i = 0; i < 3; i++) expect((await me(secret)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const denied = await callWithKey(
        harness.server.url,
        "POST",
        "/api/v0/auth/apikeys/",
        secret,
        {
          name: "not allowed",
        },
      );
      expect(denied.status).toBe(403);
    }
    // Four verified (the id lookup above, then three) and two denied, as the API counts them.
    const usage = await getJson<{ totals: { verified: number; denied: number } }>(
      page,
      `/api/v0/auth/apikeys/${keyId}/usage/?hours=24`,
    );
    expect(usage.totals).toEqual({ verified: 4, denied: 2 });

    await page.reload();
    const button = row.getByTestId("usage-button");
    await button.waitFor();
    expect(await button.getAttribute("aria-label")).toBe(
      "Usage of dashboard, last 7 days: 4 verified, 2 denied. Show details",
    );
    expect(await button.textContent()).toBe("4 · 2 denied");
    expect(await row.locator(".usage-sparkline rect.bar-verified").count()).toBe(1);
    expect(await row.locator(".usage-sparkline rect.bar-denied").count()).toBe(1);
    await screenshot(page, "39-keys-usage-sparkline");

    await button.click();
    const dialog = page.getByRole("dialog", { name: "Usage of “dashboard”" });
    const caption = dialog.locator("figcaption");
    await caption.getByText("4 verified").waitFor();
    expect(await caption.textContent()).toContain("2 denied");
    // The table is there for screen readers even while hidden; its rows add up to the API's.
    const table = dialog.getByRole("table");
    const cells = async () =>
      table
        .locator("tbody tr")
        .evaluateAll((rows) =>
          rows.map((r) => [...r.querySelectorAll("td")].map((td) => Number(td.textContent))),
        );
    const days = await cells();
    expect(days).toHaveLength(7);
    expect(days.at(-1)).toEqual([4, 2]);
    const sum = (column: number) => days.reduce((n, r) => n + (r[column] ?? 0), 0);
    expect([sum(0), sum(1)]).toEqual([4, 2]);
    expect(await dialog.locator("svg.usage-chart rect.bar-verified").count()).toBe(1);
    await screenshot(page, "40-usage-details-week");
    await dialog.getByRole("button", { name: "Show as a table" }).click();
    expect(await table.evaluate((t) => t.classList.contains("visually-hidden"))).toBe(false);
    await dialog.getByRole("button", { name: "Last 24 hours" }).click();
    const hours = await cells();
    expect(hours).toHaveLength(24);
    expect(hours.at(-1)).toEqual([4, 2]);
    await screenshot(page, "41-usage-details-day-table");

    // More use shows after a refresh.
    await me(secret);
    await dialog.getByRole("button", { name: "Refresh" }).click();
    await caption.getByText("5 verified").waitFor();
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.waitForFunction(
      (id) =>
        document
          .querySelector(`tr[data-key-id="${id}"] [data-testid=usage-button]`)
          ?.getAttribute("aria-label")
          ?.includes("5 verified"),
      keyId,
    );
    await context.close();
  }, 180_000);

  it("resets with an overlap, ends it and reads usage with the keyboard alone", async () => {
    const { context, page } = await openConsole();
    await signUp(page);
    const old = await createKey(page, "keyboard");
    const keyId = (await me(old)).body.key_id as number;

    await tabTo(page, 'button[aria-label="Reset keyboard"]');
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Reset “keyboard”?" });
    await dialog.waitFor();
    // Into the choices, then down to "7 days" with the arrow keys.
    await tabTo(page, "dialog[open] input[type=radio]:checked");
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    expect(await dialog.getByRole("radio", { name: /^7 days/ }).isChecked()).toBe(true);
    await dialog.getByText("Both values work for 7 days").waitFor();
    await tabTo(page, "dialog[open] .button-primary");
    await page.keyboard.press("Enter");
    await page.getByTestId("secret-value").waitFor();
    const renewed = await page.getByTestId("secret-value").inputValue();
    // Focus moves to Copy: copy, then Done.
    await focusLandsOn(page, "dialog[open] .secret-row button");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Copy");
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Copied", exact: true }).waitFor();
    await tabTo(page, "dialog[open] .dialog-actions button");
    await page.keyboard.press("Enter");
    await page.getByRole("dialog").waitFor({ state: "detached" });
    const key = await getJson<KeyView>(page, `/api/v0/auth/apikeys/${keyId}/`);
    expect(Date.parse(String(key.previous_expires_at)) - Date.now()).toBeGreaterThan(
      7 * DAY - 60_000,
    );
    expect([(await me(old)).status, (await me(renewed)).status]).toEqual([200, 200]);

    // End now, by keyboard; the confirmation starts on Cancel.
    await tabTo(page, 'button[aria-label="Stop the old value of keyboard now"]');
    await page.keyboard.press("Enter");
    const end = page.getByRole("dialog", { name: "Stop the old value of “keyboard” now?" });
    await end.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel");
    await tabTo(page, "dialog[open] .button-danger");
    await page.keyboard.press("Enter");
    await end.waitFor({ state: "detached" });
    expect((await me(old)).status).toBe(401);

    // Usage details by keyboard; Escape closes them and focus returns to the row's button.
    await tabTo(page, "[data-testid=usage-button]");
    await page.keyboard.press("Enter");
    const usage = page.getByRole("dialog", { name: "Usage of “keyboard”" });
    await usage.locator("figcaption").waitFor();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      expect(
        await page.evaluate(() => document.activeElement?.closest("dialog[open]") !== null),
      ).toBe(true);
    }
    await page.keyboard.press("Escape");
    await usage.waitFor({ state: "detached" });
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
      "usage-button",
    );
    await context.close();
  }, 180_000);

  it("shows the old value and usage at phone width in the dark theme", async () => {
    const { context, page } = await openConsole({ width: 390, height: 844, dark: true });
    await signUp(page);
    const old = await createKey(page, "phone");
    await me(old);
    await page.getByRole("button", { name: "Reset phone" }).click();
    await page.getByRole("radio", { name: /^24 hours/ }).check();
    await screenshot(page, "42-phone-dark-reset-choice");
    await page.getByRole("button", { name: "Reset key" }).click();
    await page.getByTestId("grace-until").waitFor();
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByTestId("grace-note").waitFor();
    await page.waitForFunction(() =>
      document
        .querySelector("[data-testid=usage-button]")
        ?.getAttribute("aria-label")
        ?.includes("1 verified"),
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await screenshot(page, "43-phone-dark-keys-old-value");
    await page.getByTestId("usage-button").click();
    await page.getByRole("dialog", { name: "Usage of “phone”" }).locator("figcaption").waitFor();
    await screenshot(page, "44-phone-dark-usage");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("switch", { name: "Delete unused keys" }).check();
    await screenshot(page, "45-phone-dark-settings");
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("main *")]
        .filter((el) => el.getBoundingClientRect().right > 390)
        .map((el) => `${el.tagName}.${el.className}`),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      390,
    );
    await context.close();
  }, 180_000);
});
