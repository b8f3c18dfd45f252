import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** Test support for the console's browser tests: the build, Chromium, screenshots. */

const CONSOLE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPO_DIR = join(CONSOLE_DIR, "..", "..");
export const SCREENSHOT_DIR = join(REPO_DIR, "test-output", "console");

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) {
    // Tests are not part of the bundle; editing one needs no rebuild.
    if (entry === "e2e" || /\.test\.tsx?$/.test(entry)) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

/**
 * Builds the console when dist is missing or older than its sources (or the SDK it bundles),
 * so the server under test serves what the sources say.
 */
export function ensureConsoleBuilt(): void {
  const built = newest(join(CONSOLE_DIR, "dist", "index.html"));
  const sources = Math.max(
    ...["src", "public", "index.html", "vite.config.ts", "package.json", "tsconfig.json"].map((p) =>
      newest(join(CONSOLE_DIR, p)),
    ),
    newest(join(REPO_DIR, "packages", "sdk", "dist")),
  );
  if (built > sources) return;
  // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync("npm", ["run", "build", "--workspace", "@latchkey/console"], {
    cwd: REPO_DIR,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
}

/** Debian's Chromium, with the flags this machine's closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Writes test-output/console/<name>.png (gitignored) for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** A plain request with a Bearer key, as a script using the key would make it. */
export async function callWithKey(
  url: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

/**
 * Waits until the focused element matches `selector`: for focus the page moves itself, in an
 * effect after the render that a locator's wait may see first. Fails after `timeout` ms.
 */
export async function focusLandsOn(page: Page, selector: string, timeout = 5_000): Promise<void> {
  await page.waitForFunction((s) => document.activeElement?.matches(s) === true, selector, {
    timeout,
  });
}

/**
 * Presses Tab until the focused element matches `selector` (at most `limit` times) and
 * returns how many presses it took: proof that the control is reachable by keyboard alone.
 */
export async function tabTo(page: Page, selector: string, limit = 40): Promise<number> {
  for (let i = 1; i <= limit; i++) {
    await page.keyboard.press("Tab");
    const found = await page.evaluate((s) => document.activeElement?.matches(s) === true, selector);
    if (found) return i;
  }
  throw new Error(`Tab never reached ${selector}`);
}
