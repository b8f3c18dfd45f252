import { startTestServer, type TestServer } from "@latchkey/testkit";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { ensureConsoleBuilt, launchChromium } from "./support.js";

/** The password every test account signs up with. */
export const PASSWORD = "correct horse battery staple";

export interface OpenOptions {
  width?: number;
  height?: number;
  dark?: boolean;
}

/** One file's real server and Chromium, and the steps every browser test starts with. */
export interface ConsoleHarness {
  readonly server: TestServer;
  readonly browser: Browser;
  /** A fresh browser context on the console's first page, watched for CSP violations. */
  openConsole(options?: OpenOptions): Promise<{ context: BrowserContext; page: Page }>;
  /** An address no other test of the file has used. */
  newEmail(): string;
  /** Creates an account from the sign-in page and waits for the Keys page. */
  signUp(page: Page, email?: string): Promise<void>;
}

/**
 * Registers the file's hooks: build the console, start a server (SQLite in a temp dir) with
 * `env` and Chromium before all tests; after each, no CSP violation or uncaught page error;
 * close both after all. `label` starts each account's email.
 */
export function consoleHarness(label: string, env?: Record<string, string>): ConsoleHarness {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let accounts = 0;
  /** CSP violations and uncaught page errors, checked after each test. */
  const violations: string[] = [];

  beforeAll(async () => {
    ensureConsoleBuilt();
    // A browser needs a socket.
    server = await startTestServer(env, { listen: true });
    browser = await launchChromium();
  }, 240_000);

  afterEach(() => {
    expect(violations).toEqual([]);
    violations.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const harness: ConsoleHarness = {
    get server() {
      if (!server) throw new Error("The test server is not started yet");
      return server;
    },
    get browser() {
      if (!browser) throw new Error("Chromium is not launched yet");
      return browser;
    },
    async openConsole(options = {}) {
      const url = harness.server.url;
      const context = await harness.browser.newContext({
        viewport: { width: options.width ?? 1280, height: options.height ?? 860 },
        colorScheme: options.dark ? "dark" : "light",
      });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: url });
      const page = await context.newPage();
      // The server's strict CSP (no inline script or style) must never have to block anything.
      page.on("console", (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      page.on("pageerror", (err) => violations.push(err.message));
      await page.goto(url);
      return { context, page };
    },
    newEmail() {
      return `${label}${++accounts}-${Date.now()}@example.com`;
    },
    async signUp(page, email = harness.newEmail()) {
      await page.getByRole("link", { name: "Create account" }).click();
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.getByRole("heading", { level: 1, name: "Keys" }).waitFor();
    },
  };
  return harness;
}
