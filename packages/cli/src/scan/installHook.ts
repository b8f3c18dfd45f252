import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** A line in the hook that marks it as ours, so reinstalling may replace it. */
export const HOOK_MARKER = "# latchkey-scan-hook";

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The pre-commit hook: runs this very CLI (by absolute path) on what is staged. */
export function hookScript(node: string, bin: string): string {
  return `#!/bin/sh
${HOOK_MARKER}: installed by 'latchkey scan --install-hook'.
# Refuses a commit whose staged files hold a Latchkey key. 'git commit --no-verify' skips it.
exec ${shellQuote(node)} ${shellQuote(bin)} scan --staged
`;
}

export type InstallOutcome = "installed" | "replaced" | "foreign";

/**
 * Writes `pre-commit` into the hooks directory (mode 0755). A hook that is not ours is left
 * alone unless `force`, since it may run other checks.
 */
export function installHook(
  hooksDir: string,
  script: string,
  force: boolean,
): { outcome: InstallOutcome; path: string } {
  const path = join(hooksDir, "pre-commit");
  let outcome: InstallOutcome = "installed";
  if (existsSync(path)) {
    const ours = readFileSync(path, "utf8").includes(HOOK_MARKER);
    if (!ours && !force) return { outcome: "foreign", path };
    outcome = "replaced";
  }
  mkdirSync(hooksDir, { recursive: true });
  writeFileSync(path, script, { mode: 0o755 });
  chmodSync(path, 0o755);
  return { outcome, path };
}
