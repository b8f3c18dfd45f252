import { verifyWebhookSignature } from "@latchkey/sdk";
import { type ReceivedRequest, startReceiver, type TestReceiver } from "@latchkey/testkit";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleHarness, type OpenOptions } from "./harness.js";
import { screenshot } from "./support.js";

/**
 * The Webhooks page in a real Chromium against a real server, with a real receiver on
 * 127.0.0.1: add an endpoint (its secret shown once), send a test, see a failed delivery and
 * redeliver it, filter, pause, delete. What the receiver gets is checked with the SDK's
 * signature verifier and the secret read from the page.
 */

const harness = consoleHarness("webhooks", {
  // The receiver is on loopback, which webhooks refuse unless allowed.
  LATCHKEY_WEBHOOK_ALLOW_PRIVATE: "true",
  LATCHKEY_WEBHOOK_POLL_SECONDS: "1",
  // One retry a second after the first attempt: a failing delivery fails fast.
  LATCHKEY_WEBHOOK_RETRY_SECONDS: "1",
});
let receiver: TestReceiver;
/** The receiver answers 500 while this is true. */
let failing = false;

beforeAll(async () => {
  receiver = await startReceiver(() => (failing ? 500 : 204));
});

afterAll(async () => {
  await receiver?.close();
});

/** A new account's console, on the Webhooks page. */
async function openConsole(
  options?: OpenOptions,
): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await harness.openConsole(options);
  await harness.signUp(opened.page);
  await opened.page.getByRole("link", { name: "Webhooks" }).click();
  await opened.page.getByRole("heading", { level: 1, name: "Webhooks" }).waitFor();
  return opened;
}

/** A call with the page's session cookie (and its Origin, for writes), as the console makes it. */
async function api<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const answer = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!answer.ok) throw new Error(`${method} ${path}: HTTP ${answer.status}`);
      return answer.json();
    },
    { method, path, body },
  ) as Promise<T>;
}

function header(request: ReceivedRequest | undefined, name: string): string | undefined {
  const value = request?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

describe("console: webhooks", () => {
  it("adds an endpoint, sends a test, redelivers a failed event, pauses and deletes it", async () => {
    const { context, page } = await openConsole();
    await page.getByText("No webhook endpoints yet").waitFor();
    await screenshot(page, "50-webhooks-empty");

    // Add: the URL is checked by the form, the events chosen one by one.
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a webhook endpoint" });
    await dialog.getByLabel("URL").fill("example.com/hook");
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    await dialog.getByText("Enter the receiver’s full address").waitFor();
    await dialog.getByLabel("URL").fill(receiver.url);
    await dialog.getByLabel("Description (optional)").fill("on-call alerts");
    await dialog.getByRole("radio", { name: /^Only these/ }).check();
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    await dialog.getByText("Choose at least one event, or all of them.").waitFor();
    await dialog.getByRole("checkbox", { name: /^key\.created/ }).check();
    await dialog.getByRole("checkbox", { name: /^key\.leaked/ }).check();
    await screenshot(page, "51-webhook-add-dialog");
    await dialog.getByRole("button", { name: "Add endpoint" }).click();

    // The signing secret, shown once.
    const field = page.getByTestId("secret-value");
    await field.waitFor();
    const secret = await field.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByText("Copy this signing secret now. It will not be shown again.").waitFor();
    await screenshot(page, "52-webhook-secret-shown-once");
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    expect(await page.content()).not.toContain(secret);

    const listed = await api<{ webhooks: { id: number; events: string[]; url: string }[] }>(
      page,
      "GET",
      "/api/v0/webhooks/",
    );
    expect(listed.webhooks).toHaveLength(1);
    const hook = listed.webhooks[0];
    expect(hook).toMatchObject({
      url: receiver.url,
      events: ["key.created", "key.leaked"],
      description: "on-call alerts",
    });
    const row = page.locator(`tr[data-webhook-id="${hook?.id}"]`);
    expect(await row.locator("td[data-label=Events]").textContent()).toBe("Created, Leaked");
    expect(await row.locator("td[data-label=Status]").textContent()).toBe("Active");
    expect(await row.locator("td[data-label=Secret]").textContent()).toBe(
      `whsec_…${secret.slice(-4)}`,
    );

    // Send test: a signed ping reaches the receiver, and the log shows it delivered.
    await row.getByRole("button", { name: /^Send a test event/ }).click();
    const log = page.getByTestId("delivery-log");
    const ping = log.locator('tbody tr[data-status="delivered"]').first();
    await ping.waitFor({ timeout: 20_000 });
    const [first] = await receiver.waitFor(1);
    expect(JSON.parse(first?.body ?? "{}").type).toBe("ping");
    expect(
      await verifyWebhookSignature({
        payload: first?.body ?? "",
        header: header(first, "latchkey-signature"),
        secret,
      }),
    ).toBe(true);
    expect(await ping.locator("th").textContent()).toContain(
      header(first, "latchkey-event-id") ?? "missing",
    );
    expect(await ping.locator("td[data-label='Last answer']").textContent()).toContain("HTTP 204");
    expect(page.url()).toContain(`#/webhooks?endpoint=${hook?.id}`);
    await screenshot(page, "53-webhook-test-delivered");

    // A key event while the receiver fails: retried, then failed, with the answer shown.
    failing = true;
    await api(page, "POST", "/api/v0/auth/apikeys/", { name: "watched" });
    // The event reaches the log at the server's next pass; wait for its outcome, then look.
    await expect
      .poll(
        async () =>
          (
            await api<{ deliveries: { status: string }[] }>(
              page,
              "GET",
              `/api/v0/webhooks/${hook?.id}/deliveries/?status=failed`,
            )
          ).deliveries.length,
        { timeout: 30_000, interval: 500 },
      )
      .toBe(1);
    await log.getByRole("button", { name: "Refresh" }).click();
    const failed = log.locator('tbody tr[data-status="failed"]');
    await failed.waitFor();
    expect(await failed.locator("th").textContent()).toContain("key.created");
    expect(await failed.locator("td[data-label=Status]").textContent()).toContain(
      "2 of 2 attempts",
    );
    expect(await failed.locator("td[data-label='Last answer']").textContent()).toContain("500");
    expect(receiver.received.length).toBe(3);
    const failedEventId = header(receiver.received[2], "latchkey-event-id");
    await screenshot(page, "54-webhook-delivery-failed");

    // Redeliver once the receiver is back: the same event id, a fresh delivery, delivered.
    failing = false;
    await failed.getByRole("button", { name: /^Redeliver key\.created/ }).click();
    const again = log.locator("tbody tr", { hasText: "Redelivery of #" });
    await again.waitFor();
    await log
      .locator('tbody tr[data-status="delivered"]', { hasText: "Redelivery of #" })
      .waitFor({ timeout: 20_000 });
    const redelivered = (await receiver.waitFor(4))[3];
    expect(header(redelivered, "latchkey-event-id")).toBe(failedEventId);
    expect(JSON.parse(redelivered?.body ?? "{}").type).toBe("key.created");
    expect(
      await verifyWebhookSignature({
        payload: redelivered?.body ?? "",
        header: header(redelivered, "latchkey-signature"),
        secret,
      }),
    ).toBe(true);
    await screenshot(page, "55-webhook-redelivered");

    // The log filters by status.
    await log.getByLabel("Status").selectOption("failed");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("[data-testid=delivery-log] tbody tr")];
      return rows.length === 1 && rows[0]?.getAttribute("data-status") === "failed";
    });

    // Pause: no test can be sent; resume.
    await row.getByRole("button", { name: `Pause ${receiver.url}` }).click();
    await row.locator("td[data-label=Status]").getByText("Paused").waitFor();
    expect(await row.getByRole("button", { name: /^Send a test event/ }).isDisabled()).toBe(true);
    expect(
      (await api<{ active: boolean }>(page, "GET", `/api/v0/webhooks/${hook?.id}/`)).active,
    ).toBe(false);
    await row.getByRole("button", { name: `Resume ${receiver.url}` }).click();
    await row.locator("td[data-label=Status]").getByText("Active").waitFor();

    // Delete, after a confirmation.
    await row.getByRole("button", { name: `Delete ${receiver.url}` }).click();
    const confirm = page.getByRole("dialog", { name: "Delete this endpoint?" });
    await confirm.getByText("Its delivery log and any deliveries still pending").waitFor();
    await screenshot(page, "56-webhook-delete-confirm");
    await confirm.getByRole("button", { name: "Delete endpoint" }).click();
    await row.waitFor({ state: "detached" });
    await page.getByText("No webhook endpoints yet").waitFor();
    expect((await api<{ webhooks: unknown[] }>(page, "GET", "/api/v0/webhooks/")).webhooks).toEqual(
      [],
    );
    await context.close();
  }, 180_000);

  it("shows the server's refusal of an address at the URL field", async () => {
    const { context, page } = await openConsole();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog", { name: "Add a webhook endpoint" });
    await dialog.getByLabel("URL").fill("https://example.com/hook#section");
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    const error = dialog.locator(".field-error");
    await error.getByText("The server refused this address").waitFor();
    expect(await error.textContent()).toContain("must not have a #fragment");
    expect(await dialog.getByLabel("URL").getAttribute("aria-invalid")).toBe("true");
    expect((await api<{ webhooks: unknown[] }>(page, "GET", "/api/v0/webhooks/")).webhooks).toEqual(
      [],
    );
    await context.close();
  }, 120_000);

  it("works at phone width in the dark theme", async () => {
    const { context, page } = await openConsole({ width: 390, height: 844, dark: true });
    await page.getByRole("button", { name: "Add endpoint" }).first().click();
    const dialog = page.getByRole("dialog", { name: "Add a webhook endpoint" });
    await dialog.getByLabel("URL").fill(receiver.url);
    await dialog.getByRole("radio", { name: /^Only these/ }).check();
    await dialog.getByRole("checkbox", { name: /^key\.expiring/ }).check();
    await screenshot(page, "57-phone-dark-webhook-add");
    await dialog.getByRole("button", { name: "Add endpoint" }).click();
    await page.getByTestId("secret-value").waitFor();
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("dialog").waitFor({ state: "detached" });
    await page.getByRole("button", { name: /^Send a test event/ }).click();
    await page
      .getByTestId("delivery-log")
      .locator('tbody tr[data-status="delivered"]')
      .waitFor({ timeout: 20_000 });
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll("main *")]
        .filter((el) => el.getBoundingClientRect().right > 390)
        .map((el) => `${el.tagName}.${el.className}`),
    );
    expect(wide).toEqual([]);
    await screenshot(page, "58-phone-dark-webhooks");
    await context.close();
  }, 120_000);
});
